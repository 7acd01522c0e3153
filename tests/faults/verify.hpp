// Checks after healing: the recorded history is linearizable (per key, with
// the checker of the consensus work, tests/sim/linearizability.hpp), every
// acknowledged write is present on every member, and every member's cfg/
// files are byte-identical (except myname).
//
// Threading: test thread, after Workload::stop().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/faults/cluster.hpp"
#include "tests/faults/workload.hpp"

namespace cc::faults {

struct Verdict {
    uint64_t writes_acked = 0, writes_failed = 0, writes_unknown = 0, reads_ok = 0;
    uint64_t lost = 0;       // acknowledged writes missing on some member
    uint64_t divergent = 0;  // cfg/ files that differ between members
    // Writes the daemon refused as definite (\"nothing was changed\") that
    // are applied all the same.
    uint64_t refused_applied = 0;
    std::string linearizable = "not checked";  // "yes", or the checker's report
    std::vector<std::string> problems;         // one line each
    bool ok() const { return problems.empty(); }
    // "acked=N failed=N unknown=N reads=N lost=0 divergent=0 refused_applied=0 linearizable=yes"
    std::string summary() const;
};

// Converts the history to the checker's operations (failed writes and
// reads that did not answer are left out; writes of unknown outcome are
// optional) and runs it.
std::string check_history(const std::vector<Op>& history);

// Full check, every member must be running: waits until they converge,
// reads every key on every member (recorded in the history), checks the
// marks and the history, then stops every member (SIGTERM, so each writes
// its cfg/ files) and compares the files.
Verdict verify_after_heal(Cluster& cluster, Workload& workload);

// Files of `dir` (recursive, relative paths) with their bytes, minus myname.
std::vector<std::pair<std::string, std::string>> cfg_files(const std::filesystem::path& dir);

}  // namespace cc::faults
