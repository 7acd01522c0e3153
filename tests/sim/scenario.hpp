// Randomized runs of the simulator: one seed picks the collective's shape
// (1-7 members, voting and non-voting), a fault schedule and client traffic,
// then heals everything and demands liveness; the history must be
// linearizable. Also the failover measurement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/raft/core.hpp"
#include "daemon/raft/executor.hpp"

namespace sim {

struct RunOptions {
    bool faults = true;
    raft::Mutation mutation = raft::Mutation::None;
    raft::Executor::Mutation executor_mutation = raft::Executor::Mutation::None;
    // Storage faults among the random faults: failed writes (survived) and
    // failed fsyncs (the member stops), slow syncs.
    bool storage_faults = true;
    // Fixed storage fault rates from the start instead (mutation tests).
    std::optional<double> write_fail, sync_fail;
    // Fixed shape instead of a random one (0: random).
    int members = 0;
    int non_voters = 0;
    raft::Millis fault_phase{8000};
    // After healing, a write must commit within this much simulated time.
    raft::Millis liveness_bound{10000};
};

struct RunResult {
    bool ok = true;
    std::string failure;  // first violated property, with simulated time
    uint64_t events = 0;
    int members = 0;
    int writes_ok = 0, writes_unknown = 0, reads_ok = 0;
    uint64_t fatal_stops = 0, failed_writes = 0;  // storage faults met
    bool lin_too_hard = false;
};

RunResult run_seed(uint64_t seed, const RunOptions& options = {});

// Crashes the leader of a healthy collective of `voters` under steady client
// writes; returns the simulated time from the crash to the first write
// acknowledged in a later term, or nothing if none within 10 s.
std::optional<raft::Millis> measure_failover(uint64_t seed, int voters);

}  // namespace sim
