// Benchmark (not a test): what every member spends per replicated write
// before any I/O. Builds the entries cc_loadgen's writers make (64 nodes,
// `bench.counter` set to a 200-byte value, exactly-once sessions), then
// times, per entry: decoding an append of 500 of them as a follower gets it,
// decoding each entry's command, and applying it to the node database.
// Usage: apply_bench [ENTRIES] [ROUNDS]   (prints the median round)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/state/database.hpp"
#include "proto/peer_message.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ns_per(Clock::time_point t0, size_t n) {
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / double(n);
}

std::string value_of(uint64_t n) {
    auto v = std::to_string(n);
    v.append(200 - v.size(), 'x');
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    const size_t entries = argc > 1 ? std::stoul(argv[1]) : 100000;
    const int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
    constexpr size_t kBatch = 500;
    constexpr int kNodes = 64;

    std::vector<proto::Entry> log;
    for (size_t i = 0; i < entries; ++i) {
        proto::SetNodeAttributes set;
        set.noderange = "ldg" + std::to_string(i % kNodes + 1);
        set.attributes["bench.counter"] = value_of(i);
        proto::SessionCommand sc{"mgt1/00112233aabbccdd", i + 1, i + 1, set};
        log.push_back({7, i + 1, proto::EntryKind::SessionCommand, proto::to_bytes(sc)});
    }
    std::vector<std::string> appends;
    for (size_t i = 0; i < entries; i += kBatch) {
        proto::AppendRequest a{7, i, 7, {}, i, 1};
        a.entries.assign(log.begin() + long(i), log.begin() + long(std::min(entries, i + kBatch)));
        appends.push_back(proto::to_bytes(proto::PeerMessage{std::move(a)}));
    }

    std::vector<double> dec_append, dec_cmd, apply;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = Clock::now();
        size_t n = 0;
        for (const auto& bytes : appends) {
            auto m = proto::from_bytes<proto::PeerMessage>(bytes);
            n += std::get<proto::AppendRequest>(m).entries.size();
        }
        dec_append.push_back(ns_per(t0, n));

        std::vector<proto::SessionCommand> cmds(entries);
        t0 = Clock::now();
        for (size_t i = 0; i < entries; ++i)
            cmds[i] = proto::from_bytes<proto::SessionCommand>(log[i].data);
        dec_cmd.push_back(ns_per(t0, entries));

        cc::state::Database db;
        for (int i = 1; i <= kNodes; ++i) {
            proto::DefineNodes def;
            def.noderange = "ldg" + std::to_string(i);
            db.apply(proto::Command{def}, uint64_t(i));
        }
        t0 = Clock::now();
        for (size_t i = 0; i < entries; ++i) {
            auto applied = db.apply(cmds[i], kNodes + i + 1);
            if (!applied.result.ok()) {
                std::fprintf(stderr, "entry %zu: %s\n", i + 1,
                             proto::error_line(applied.result).c_str());
                return 1;
            }
        }
        apply.push_back(ns_per(t0, entries));
    }
    auto med = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf(
        "per entry (median of %d rounds of %zu): decode append %.0f ns, decode command %.0f ns, "
        "apply %.0f ns\n",
        rounds, entries, med(dec_append), med(dec_cmd), med(apply));
    return 0;
}
