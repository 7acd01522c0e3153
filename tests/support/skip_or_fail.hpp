// A test that needs something of the machine (root, network namespaces, a
// tmpfs mount, the openssl tool) skips where it cannot run. Under CI=true a
// skip fails the test instead: CI must run every tier, and a test that did
// not run proves nothing. Every such skip goes through SKIP_OR_FAIL.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace cc::test {

// True when the environment variable CI is "true" (skips are failures).
inline bool skips_fail() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace cc::test

// In a test body, SetUp() or a helper returning void: skips the test with
// `reason` (a value or a `<<` chain streamed into the gtest message), or
// under CI=true fails it. Either way it returns from the current function, so
// a helper that returns a value cannot use it: it returns a null value and
// the test body calls SKIP_OR_FAIL (CLUSTER_OR_SKIP in tests/faults/cluster.hpp).
#define SKIP_OR_FAIL(reason)                                              \
    do {                                                                  \
        if (::cc::test::skips_fail()) {                                   \
            FAIL() << reason << " (CI=true: a skipped test did not run)"; \
        } else {                                                          \
            GTEST_SKIP() << reason;                                       \
        }                                                                 \
    } while (0)
