// The pre-authentication admission rules (daemon/net/ssh/startup_limiter.hpp):
// per-source and global counts, the room members keep during a flood, and
// release on close, authentication and the deadline.
#include "daemon/net/ssh/startup_limiter.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
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

// A run of admissions, each from its source, and the counts after them.
struct Step {
    const char* source;
    Admission want;
};
struct Run {
    const char* name;
    StartupLimits limits;
    std::set<std::string> members;
    std::vector<Step> steps;
    size_t total, unauthenticated, unauthenticated_others;
    const char* source;  // holds `from_source` unauthenticated slots after the run
    size_t from_source;
};

const Run kRuns[] = {
    {"per-source limit refuses the next from that address only",
     limits(100, 50, 2),
     {},
     {{"10.0.0.1", Admission::Admitted},
      {"10.0.0.1", Admission::Admitted},
      {"10.0.0.1", Admission::TooManyFromSource},
      {"10.0.0.2", Admission::Admitted}},
     3,
     3,
     3,
     "10.0.0.1",
     2},
    // A member's address still gets in (up to its per-source limit).
    {"global limit refuses unknown sources but not members",
     limits(10, 3, 2),
     {"10.9.9.9"},
     {{"10.0.0.1", Admission::Admitted},
      {"10.0.0.2", Admission::Admitted},
      {"10.0.0.3", Admission::Admitted},
      {"10.0.0.4", Admission::TooManyUnauthenticated},
      {"10.9.9.9", Admission::Admitted},
      {"10.9.9.9", Admission::Admitted},
      {"10.9.9.9", Admission::TooManyFromSource}},
     5,
     5,
     3,
     "10.9.9.9",
     2},
};

TEST(StartupLimiter, eachAdmissionGetsWhatTheLimitsAllow) {
    for (const auto& r : kRuns) {
        SCOPED_TRACE(r.name);
        StartupLimiter lim(r.limits);
        if (!r.members.empty()) lim.set_member_sources(r.members);
        std::vector<Slot> slots(r.steps.size());
        for (size_t i = 0; i < r.steps.size(); ++i) {
            SCOPED_TRACE("admission " + std::to_string(i + 1) + " from " + r.steps[i].source);
            EXPECT_EQ(lim.admit(r.steps[i].source, slots[i]), r.steps[i].want);
            EXPECT_EQ(slots[i].held(), r.steps[i].want == Admission::Admitted);
        }
        auto n = lim.counts();
        EXPECT_EQ(n.total, r.total);
        EXPECT_EQ(n.unauthenticated, r.unauthenticated);
        EXPECT_EQ(n.unauthenticated_others, r.unauthenticated_others);
        EXPECT_EQ(lim.unauthenticated_from(r.source), r.from_source);
    }
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
    const struct {
        const char* host;
        const char* want;
    } cases[] = {
        {"127.0.0.10", "127.0.0.10"},
        {"::ffff:127.0.0.10", "127.0.0.10"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"mgt1", ""},
        {"", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string("host \"") + c.host + "\"");
        EXPECT_EQ(normalize_ip(c.host), c.want);
    }
}

}  // namespace
}  // namespace cc::ssh
