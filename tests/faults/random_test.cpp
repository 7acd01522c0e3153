// Randomized fault runs with fixed seeds (the CI form of scripts/soak.sh).
#include <gtest/gtest.h>

#include <iostream>

#include "tests/faults/random_run.hpp"

namespace {

using namespace cc::faults;

void run_seed(uint64_t seed, size_t members) {
    RandomRunResult r;
    try {
        r = run_random({seed, members, 6});
    } catch (const NetUnavailable& e) {
        GTEST_SKIP() << e.what();
    }
    std::string faults;
    for (const auto& [name, n] : r.faults) faults += " [" + name + " x" + std::to_string(n) + "]";
    std::cout << "FAULTS RESULT Random seed=" << seed << " members=" << members << faults << " "
              << r.verdict.summary() << std::endl;
    std::string problems;
    for (const auto& p : r.verdict.problems) problems += p + "\n";
    EXPECT_TRUE(r.ok()) << r.error << "\n" << problems << r.logs;
}

TEST(Random, seed1_threeMembers) {
    run_seed(1, 3);
}
// Fails while the cfg/collective applied_index divergence is open (members
// that compacted or caught up at different points; see RELIABILITY.md).
TEST(Random, seed2_fiveMembers) {
    run_seed(2, 5);
}

}  // namespace
