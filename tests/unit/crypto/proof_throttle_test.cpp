#include "daemon/crypto/proof_throttle.hpp"

#include <gtest/gtest.h>

namespace {

using cc::crypto::ProofThrottle;
using namespace std::chrono_literals;

struct FakeClock {
    std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
    ProofThrottle::Clock fn() {
        return [this] { return now; };
    }
};

TEST(ProofThrottle, blocksAnAddressAfterFiveFailuresWithinAMinuteForFiveMinutes) {
    FakeClock clock;
    ProofThrottle t({}, clock.fn());
    for (int i = 0; i < 4; ++i) {
        EXPECT_FALSE(t.failed("10.0.0.5")) << i;
        clock.now += 10s;
    }
    EXPECT_FALSE(t.blocked("10.0.0.5"));
    EXPECT_TRUE(t.failed("10.0.0.5"));  // the fifth, 40 s after the first
    EXPECT_EQ(t.blocked("10.0.0.5"), 300s);
    EXPECT_FALSE(t.blocked("10.0.0.6"));  // per address
    clock.now += 299s + 500ms;
    EXPECT_EQ(t.blocked("10.0.0.5"), 1s);  // rounded up
    clock.now += 500ms;
    EXPECT_FALSE(t.blocked("10.0.0.5"));
}

TEST(ProofThrottle, failuresOlderThanTheWindowDoNotCount) {
    FakeClock clock;
    ProofThrottle t({}, clock.fn());
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(t.failed("10.0.0.5")) << i;
        clock.now += 15s;  // at most four within any minute
    }
    EXPECT_FALSE(t.blocked("10.0.0.5"));
}

TEST(ProofThrottle, failuresWhileBlockedDoNotStartANewBlockOrExtendIt) {
    FakeClock clock;
    ProofThrottle t({3, 60s, 100s, 16}, clock.fn());
    for (int i = 0; i < 2; ++i) EXPECT_FALSE(t.failed("a"));
    EXPECT_TRUE(t.failed("a"));
    clock.now += 50s;
    EXPECT_FALSE(t.failed("a"));
    EXPECT_EQ(t.blocked("a"), 50s);
    clock.now += 50s;
    EXPECT_FALSE(t.blocked("a"));
    // After the block the count starts afresh.
    EXPECT_FALSE(t.failed("a"));
    EXPECT_FALSE(t.blocked("a"));
}

TEST(ProofThrottle, keepsAtMostMaxAddressesForgettingTheOneHeardFromLongestAgo) {
    FakeClock clock;
    ProofThrottle t({2, 60s, 600s, 3}, clock.fn());
    for (const char* a : {"a", "b", "c", "d"}) {
        EXPECT_FALSE(t.failed(a));
        clock.now += 1s;
    }
    EXPECT_FALSE(t.failed("a"));  // "a" was pushed out by "d": this is its first again
    EXPECT_TRUE(t.failed("d"));   // "d" was kept: its second failure blocks it
}

TEST(ProofThrottle, aRunningBlockOutlivesTheWindow) {
    FakeClock clock;
    ProofThrottle t({2, 60s, 600s, 3}, clock.fn());
    t.failed("a");
    EXPECT_TRUE(t.failed("a"));
    clock.now += 120s;  // its failures are stale now, its block is not
    t.failed("b");
    t.failed("c");
    EXPECT_EQ(t.blocked("a"), 480s);
}

}  // namespace
