// cfg/nodes and cfg/nodegroups (daemon/state/domain_files.cpp: the fast
// reader for the written subset, toml++ for anything else), loaded at every
// start. ConfigFileError is the refusal; what loads renders to files that
// load back to the same text. Input: nodes, NUL, nodegroups.
#include "daemon/state/config_error.hpp"
#include "daemon/state/database.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [nodes, groups] = cc::fuzz::split_at_nul(cc::fuzz::bytes_of(data, size));
    auto cfg = cc::fuzz::fresh_dir("cfg");
    cc::fuzz::write_file(cfg / "nodes", nodes);
    cc::fuzz::write_file(cfg / "nodegroups", groups);
    cc::state::Database db;
    try {
        db = cc::state::Database::load(cfg);
    } catch (const cc::state::ConfigFileError&) {
        return 0;
    }
    auto again = cc::fuzz::fresh_dir("cfg-again");
    db.save(again, true);
    auto back = cc::state::Database::load(again);
    for (auto d : {proto::Domain::Nodes, proto::Domain::NodeGroups}) {
        if (back.render(d) != db.render(d)) __builtin_trap();
    }
    return 0;
}
