// Replicated commands (proto/commands.hpp): what an ApiWrite or a log
// entry's data holds. A command that decodes is then prepared and applied
// to a small node database, as the proposer and every member do: apply
// "never throws on any decoded command" (daemon/state/database.hpp).
#include "daemon/state/database.hpp"
#include "proto/commands.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

cc::state::Database small_database() {
    cc::state::Database db;
    db.apply(proto::DefineNodes{"n[1-8]", {{"groups", "rack1"}}}, 1);
    db.apply(proto::DefineNodes{"r2n1,r2n2", {{"groups", "rack2,compute"}}}, 2);
    db.apply(proto::DefineGroup{"rack1", {{"collective.manager", "mgt1"}}}, 3);
    return db;
}

void apply(const proto::Command& c) {
    static const cc::state::Database base = small_database();
    cc::state::Database db = base.copy();
    proto::Command prepared = c;
    try {
        if (db.prepare(prepared)) return;  // refused before the log
    } catch (const cc::state::NoderangeError&) {
        return;  // the proposer answers it; nothing enters the log
    }
    db.apply(prepared, 10);
    db.apply(c, 11);  // as another member would apply an unprepared copy
    (void)db.render(proto::Domain::Nodes);
    (void)db.render(proto::Domain::NodeGroups);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto in = cc::fuzz::bytes_of(data, size);
    cc::fuzz::decode_and_round_trip<proto::CommandResult>(in);
    try {
        auto sc = proto::from_bytes<proto::SessionCommand>(in);
        cc::fuzz::check_round_trip(sc);
        static cc::state::Database db;
        (void)db.apply(sc, 1);
    } catch (const proto::DecodeError&) {
    }
    proto::Command c;
    try {
        c = proto::from_bytes<proto::Command>(in);
    } catch (const proto::DecodeError&) {
        return 0;
    }
    cc::fuzz::check_round_trip(c);
    apply(c);
    return 0;
}
