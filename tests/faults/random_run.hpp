// One randomized fault run on a fresh collective, for the soak (scripts/
// soak.sh) and a fixed-seed CI test: form N members, start clients, then for
// each round pick a fault at random, hold it 0.5-3 s under load, heal it,
// wait until every member follows one leader, and finally check the history
// (verify.hpp). Everything is drawn from the seed, so a failing seed can be
// rerun (timings of real processes still vary from run to run).
//
// Threading: test thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tests/faults/verify.hpp"

namespace cc::faults {

struct RandomRunOptions {
    uint64_t seed = 1;
    size_t members = 3;
    size_t rounds = 6;
};

struct RandomRunResult {
    Verdict verdict;
    std::map<std::string, size_t> faults;  // fault name -> times applied
    std::string error;                     // the harness gave up (no leader, ...)
    std::string logs;                      // members' log tails when not ok
    bool ok() const { return error.empty() && verdict.ok() && verdict.writes_acked > 0; }
};

// Throws NetUnavailable when namespaces cannot be made.
RandomRunResult run_random(const RandomRunOptions& options);

}  // namespace cc::faults
