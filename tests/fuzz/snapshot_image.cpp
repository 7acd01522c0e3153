// A snapshot image (daemon/state/snapshot.cpp) as a member installs it from
// the chunks a leader sent (the chunks themselves are SnapshotChunk, fuzzed
// by peer_message). DecodeError is the one refusal; an image that installs
// must give the same image bytes back on every member (deterministic).
#include "daemon/state/database.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cc::state::Database db;
    try {
        db.install_snapshot(cc::fuzz::bytes_of(data, size), 7);
    } catch (const proto::DecodeError&) {
        return 0;
    }
    std::string image = db.snapshot_bytes();
    cc::state::Database other;
    other.install_snapshot(image, 7);
    if (other.snapshot_bytes() != image) __builtin_trap();
    if (other.render(proto::Domain::Nodes) != db.render(proto::Domain::Nodes)) __builtin_trap();
    return 0;
}
