// RaftLog: the core's in-memory log with its snapshot and member lists.
#include <gtest/gtest.h>

#include "daemon/raft/log.hpp"

namespace {

using raft::detail::RaftLog;

proto::Membership list(std::initializer_list<const char*> names) {
    proto::Membership m;
    for (const char* n : names) m.members.push_back({n, "", "", proto::Role::Voter, false});
    return m;
}

proto::Entry cmd(uint64_t term, uint64_t index) {
    return {term, index, proto::EntryKind::Command, "c" + std::to_string(index)};
}

proto::Entry members(uint64_t term, uint64_t index, const proto::Membership& m) {
    return {term, index, proto::EntryKind::Membership, proto::to_bytes(m)};
}

TEST(RaftLog, termsAndBoundsAroundTheSnapshot) {
    RaftLog log({10, 3, list({"a"})}, {cmd(3, 11), cmd(4, 12)}, {});
    EXPECT_EQ(log.first_index(), 11u);
    EXPECT_EQ(log.last_index(), 12u);
    EXPECT_EQ(log.term_at(10), 3u);
    EXPECT_EQ(log.term_at(12), 4u);
    EXPECT_FALSE(log.term_at(9)) << "compacted";
    EXPECT_FALSE(log.term_at(13)) << "future";
}

TEST(RaftLog, membershipFollowsTheLogIncludingTruncation) {
    RaftLog log({}, {}, list({"a"}));
    EXPECT_EQ(log.membership(), list({"a"}));
    log.append(cmd(1, 1));
    log.append(members(1, 2, list({"a", "b"})));
    log.append(members(1, 3, list({"a", "b", "c"})));
    EXPECT_EQ(log.membership(), list({"a", "b", "c"}));
    EXPECT_EQ(log.membership_index(), 3u);
    EXPECT_EQ(log.membership_at(2), list({"a", "b"}));
    EXPECT_EQ(log.membership_at(1), list({"a"}));
    log.truncate_from(3);
    EXPECT_EQ(log.membership(), list({"a", "b"})) << "an uncommitted change rolled back";
}

TEST(RaftLog, voterSinceSeesUncommittedListsAfterTheIndex) {
    // The basis for letting a member whose removal is not committed campaign.
    RaftLog log({}, {}, list({"a", "b", "c"}));
    log.append(members(1, 1, list({"a", "b"})));
    EXPECT_TRUE(log.voter_since(0, "c")) << "c votes in the list in force at 0";
    EXPECT_FALSE(log.voter_since(1, "c"));
    EXPECT_TRUE(log.voter_since(1, "a"));
    EXPECT_FALSE(log.voter_since(0, "z"));
}

TEST(RaftLog, compactionKeepsTheMemberListInForce) {
    RaftLog log({}, {}, list({"a"}));
    log.append(members(1, 1, list({"a", "b"})));
    log.append(cmd(1, 2));
    log.append(cmd(2, 3));
    log.compact_to(2);
    EXPECT_EQ(log.first_index(), 3u);
    EXPECT_EQ(log.snapshot().index, 2u);
    EXPECT_EQ(log.snapshot().term, 1u);
    EXPECT_EQ(log.snapshot().membership, list({"a", "b"}));
    EXPECT_EQ(log.at(3).term, 2u);
}

TEST(RaftLog, snapshotsNameTheEntryThatSetTheirMemberList) {
    // cfg/collective records that index; a member that catches up by snapshot
    // must write the same number as one that applied the entry.
    RaftLog log({}, {}, list({"a"}));
    log.append(cmd(1, 1));
    log.append(members(1, 2, list({"a", "b"})));
    log.append(cmd(1, 3));
    EXPECT_EQ(log.membership_entry_at(1), 0u) << "the initial list came from no entry";
    EXPECT_EQ(log.membership_entry_at(3), 2u);
    EXPECT_EQ(log.meta_at(3).membership_index, 2u);
    log.compact_to(3);
    EXPECT_EQ(log.snapshot().membership_index, 2u);
    log.append(cmd(2, 4));
    EXPECT_EQ(log.membership_entry_at(4), 2u) << "still the compacted entry's list";

    RaftLog behind({}, {cmd(1, 1)}, list({"a"}));
    EXPECT_FALSE(behind.install({7, 2, list({"a", "b"}), 5}));
    EXPECT_EQ(behind.membership_entry_at(7), 5u);
    RaftLog matching({}, {cmd(1, 1), members(1, 2, list({"a", "b"}))}, list({"a"}));
    EXPECT_TRUE(matching.install({2, 1, list({"a", "b"}), 2}));
    EXPECT_EQ(matching.snapshot().membership_index, 2u);
}

TEST(RaftLog, installKeepsAMatchingSuffixAndWipesAConflictingLog) {
    RaftLog log({}, {cmd(1, 1), cmd(1, 2), cmd(2, 3)}, list({"a"}));
    EXPECT_TRUE(log.install({2, 1, list({"a"})}));
    EXPECT_EQ(log.last_index(), 3u) << "entries after a matching snapshot stay";
    RaftLog other({}, {cmd(1, 1), cmd(1, 2), cmd(2, 3)}, list({"a"}));
    EXPECT_FALSE(other.install({3, 5, list({"a", "b"})}));
    EXPECT_EQ(other.last_index(), 3u);
    EXPECT_EQ(other.first_index(), 4u);
    EXPECT_EQ(other.membership(), list({"a", "b"}));
}

}  // namespace
