// MovedMembers: which address change the leader proposes, once at a time.
#include <gtest/gtest.h>

#include "daemon/collective/moved_members.hpp"

namespace {

using cc::collective::MovedMembers;

raft::Status leading(std::initializer_list<std::pair<const char*, const char*>> members) {
    raft::Status s;
    s.role = raft::Role::Leader;
    for (auto [name, address] : members)
        s.membership.members.push_back(
            {name, address, "SHA256:" + std::string(name), proto::Role::Voter, false});
    return s;
}

TEST(MovedMembers, proposesTheNewAddressOnTheLeaderOnly) {
    MovedMembers m;
    auto now = MovedMembers::Clock::now();
    auto s = leading({{"mgt1", "10.0.0.1:13001"}, {"mgt2", "10.0.0.2:13001"}});
    m.seen("mgt2", "10.0.9.2:13001");
    auto follower = s;
    follower.role = raft::Role::Follower;
    EXPECT_FALSE(m.next(follower, now)) << "only the leader records addresses";
    auto c = m.next(s, now);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->member, "mgt2");
    EXPECT_EQ(c->from, "10.0.0.2:13001");
    EXPECT_EQ(c->to, "10.0.9.2:13001");
    ASSERT_EQ(c->list.members.size(), 2u);
    EXPECT_EQ(c->list.members[1].address, "10.0.9.2:13001");
    EXPECT_EQ(c->list.members[1].fingerprint, "SHA256:mgt2") << "same key, same member";
    EXPECT_EQ(c->list.members[0], s.membership.members[0]);
}

TEST(MovedMembers, oneChangeAtATimeAndARetryAfterAFailure) {
    MovedMembers m;
    auto now = MovedMembers::Clock::now();
    auto s = leading({{"mgt1", "a:1"}, {"mgt2", "b:1"}, {"mgt3", "c:1"}});
    m.seen("mgt2", "b:2");
    m.seen("mgt3", "c:2");
    EXPECT_FALSE(m.idle());
    auto first = m.next(s, now);
    ASSERT_TRUE(first);
    EXPECT_TRUE(m.idle()) << "in flight: nothing to look at";
    EXPECT_FALSE(m.next(s, now)) << "in flight";
    m.finished(false, now);
    EXPECT_FALSE(m.next(s, now)) << "a failed change waits before the next try";
    auto again = m.next(s, now + MovedMembers::kRetryAfter);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->member, first->member) << "tried again";
    m.finished(true, now);
    // Committed: the list now says b:2, so only mgt3 is left.
    s.membership = again->list;
    auto second = m.next(s, now + MovedMembers::kRetryAfter);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->member, "mgt3");
    m.finished(true, now);
    s.membership = second->list;
    EXPECT_FALSE(m.next(s, now + MovedMembers::kRetryAfter)) << "nothing left";
    EXPECT_TRUE(m.idle());
}

TEST(MovedMembers, ignoresUnchangedAndDeletedMembers) {
    MovedMembers m;
    auto now = MovedMembers::Clock::now();
    auto s = leading({{"mgt1", "a:1"}, {"mgt2", "b:1"}});
    m.seen("mgt2", "b:1");
    m.seen("mgt9", "z:1");
    EXPECT_FALSE(m.next(s, now));
}

}  // namespace
