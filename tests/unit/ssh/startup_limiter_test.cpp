// The pre-authentication admission rules (daemon/net/ssh/startup_limiter.hpp):
// per-source and global counts, the room members keep during a flood, and
// release on close, authentication and the deadline.
#include "daemon/net/ssh/startup_limiter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace cc::ssh {
namespace {

using Slot = StartupLimiter::Slot;

StartupLimits limits(size_t total, size_t unauth, size_t per_source) {
    StartupLimits l;
    l.max_connections = total;
    l.max_unauthenticated = unauth;
    l.max_unauthenticated_per_source = per_source;
    return l;
}

TEST(StartupLimiter, perSourceLimitRefusesTheNextFromThatAddressOnly) {
    StartupLimiter lim(limits(100, 50, 2));
    Slot a, b, c, d;
    EXPECT_EQ(lim.admit("10.0.0.1", a), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.1", b), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.1", c), Admission::TooManyFromSource);
    EXPECT_FALSE(c.held());
    EXPECT_EQ(lim.admit("10.0.0.2", d), Admission::Admitted);
    EXPECT_EQ(lim.unauthenticated_from("10.0.0.1"), 2u);
    EXPECT_EQ(lim.counts().total, 3u);
}

TEST(StartupLimiter, globalLimitRefusesUnknownSourcesButNotMembers) {
    StartupLimiter lim(limits(10, 3, 2));
    lim.set_member_sources({"10.9.9.9"});
    std::vector<Slot> flood(5);
    EXPECT_EQ(lim.admit("10.0.0.1", flood[0]), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.2", flood[1]), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.3", flood[2]), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.4", flood[3]), Admission::TooManyUnauthenticated);
    // A member's address still gets in (up to its per-source limit).
    Slot m1, m2, m3;
    EXPECT_EQ(lim.admit("10.9.9.9", m1), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.9.9.9", m2), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.9.9.9", m3), Admission::TooManyFromSource);
    auto n = lim.counts();
    EXPECT_EQ(n.unauthenticated, 5u);
    EXPECT_EQ(n.unauthenticated_others, 3u);
}

TEST(StartupLimiter, theTotalLimitLeavesRoomOnlyMembersCanFill) {
    // 4 in all, 2 for anyone: the other 2 are left for members.
    StartupLimiter lim(limits(4, 2, 8));
    lim.set_member_sources({"10.9.9.9"});
    std::vector<Slot> s(8);
    EXPECT_EQ(lim.admit("10.0.0.1", s[0]), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.2", s[1]), Admission::Admitted);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(lim.admit("10.0.0." + std::to_string(10 + i), s[2]),
                  Admission::TooManyUnauthenticated);
    EXPECT_EQ(lim.admit("10.9.9.9", s[3]), Admission::Admitted);
    s[3].authenticated();
    EXPECT_EQ(lim.admit("10.9.9.9", s[4]), Admission::Admitted);
    // Full: even a member waits for a slot now.
    EXPECT_EQ(lim.admit("10.9.9.9", s[5]), Admission::TooManyConnections);
    s[0].release();
    EXPECT_EQ(lim.admit("10.9.9.9", s[5]), Admission::Admitted);
}

TEST(StartupLimiter, authenticationFreesTheUnauthenticatedSlotButNotTheTotal) {
    StartupLimiter lim(limits(3, 1, 1));
    Slot a, b;
    ASSERT_EQ(lim.admit("10.0.0.1", a), Admission::Admitted);
    EXPECT_EQ(lim.admit("10.0.0.1", b), Admission::TooManyFromSource);
    a.authenticated();
    a.authenticated();  // idempotent
    EXPECT_EQ(lim.unauthenticated_from("10.0.0.1"), 0u);
    EXPECT_EQ(lim.counts().unauthenticated, 0u);
    EXPECT_EQ(lim.counts().total, 1u);
    EXPECT_EQ(lim.admit("10.0.0.1", b), Admission::Admitted);
    a.release();
    EXPECT_EQ(lim.counts().total, 1u);
    EXPECT_EQ(lim.counts().unauthenticated, 1u);
}

TEST(StartupLimiter, closeOrDeadlineFreesTheSlotThroughTheDestructor) {
    StartupLimiter lim(limits(2, 2, 2));
    {
        Slot a, b;
        ASSERT_EQ(lim.admit("10.0.0.1", a), Admission::Admitted);
        ASSERT_EQ(lim.admit("10.0.0.1", b), Admission::Admitted);
        Slot moved = std::move(a);  // handed to the connection thread
        EXPECT_FALSE(a.held());
        EXPECT_TRUE(moved.held());
        EXPECT_EQ(lim.counts().total, 2u);
    }  // the connection ended (closed, or the pre-auth deadline shut it)
    auto n = lim.counts();
    EXPECT_EQ(n.total, 0u);
    EXPECT_EQ(n.unauthenticated, 0u);
    EXPECT_EQ(n.unauthenticated_others, 0u);
    EXPECT_EQ(lim.unauthenticated_from("10.0.0.1"), 0u);
}

TEST(StartupLimiter, aSlotKeepsTheClassItWasAdmittedUnder) {
    StartupLimiter lim(limits(10, 1, 4));
    lim.set_member_sources({"10.9.9.9"});
    Slot m;
    ASSERT_EQ(lim.admit("10.9.9.9", m), Admission::Admitted);
    lim.set_member_sources({});  // the member was removed meanwhile
    m.release();
    EXPECT_EQ(lim.counts().unauthenticated_others, 0u);
    Slot o;
    EXPECT_EQ(lim.admit("10.0.0.1", o), Admission::Admitted);
}

TEST(StartupLimiter, normalizeIpGivesOneTextPerAddress) {
    EXPECT_EQ(normalize_ip("127.0.0.10"), "127.0.0.10");
    EXPECT_EQ(normalize_ip("::ffff:127.0.0.10"), "127.0.0.10");
    EXPECT_EQ(normalize_ip("0:0:0:0:0:0:0:1"), "::1");
    EXPECT_EQ(normalize_ip("mgt1"), "");
    EXPECT_EQ(normalize_ip(""), "");
}

}  // namespace
}  // namespace cc::ssh
