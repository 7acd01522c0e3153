// Shared expectations of the fault tests: print one result line per run
// (RELIABILITY.md is made of these) and fail with every problem and the
// members' logs.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "tests/faults/cluster.hpp"
#include "tests/faults/verify.hpp"

namespace cc::faults {

inline void expect_clean(const std::string& what, const Verdict& v, const Cluster& cluster) {
    std::cout << "FAULTS RESULT " << what << " " << v.summary() << std::endl;
    std::string problems;
    for (const auto& p : v.problems) problems += p + "\n";
    EXPECT_TRUE(v.ok()) << problems << cluster.logs();
    EXPECT_GT(v.writes_acked, 0u) << "no write was acknowledged at all\n" << cluster.logs();
}

}  // namespace cc::faults
