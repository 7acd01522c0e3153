// A script that writes on one member and then reads or writes on another sees
// its change there: reads and refused writes on a member wait for a read
// index round through the leader (RaftDriver::read_barrier).
#include <gtest/gtest.h>

#include <string>

#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;

TEST(ReadYourWrites, aChangeMadeOnOneMemberIsSeenAtOnceOnEveryOther) {
    Cluster c(3);
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.ok(0, "nodedefine", {"n1"});
    // Each step writes on one member and, with no wait, reads on the next:
    // without the read index round the follower answered from a state that
    // had not yet learnt of the commit, about one step in a few.
    for (int i = 1; i <= 60; ++i) {
        const size_t writer = i % 3, reader = (i + 1) % 3;
        const std::string v = std::to_string(i);
        c.ok(writer, "nodeattrib", {"n1", "custom.x=" + v});
        EXPECT_EQ(c.ok(reader, "nodeattrib", {"n1", "custom.x"}), "n1: custom.x: " + v + "\n")
            << "written on mgt" << writer + 1 << ", read on mgt" << reader + 1;
        // A node defined on one member can be changed on another at once (the
        // follower's local check found no such node).
        const std::string node = "m" + v;
        c.ok(writer, "nodedefine", {node});
        EXPECT_EQ(c.ok(reader, "nodeattrib", {node, "custom.y=" + v}), node + ": " + v + "\n");
    }
}

// The same with a non-voter, whose entries the leader sends once per 100 ms
// while writes flow (Config::nonvoter_append_interval): a read on it still
// sees a change made a moment before on a voter (the leader sends it what
// the read needs with the read's answer), and a write through it is seen
// on the voters.
TEST(ReadYourWrites, aNonVoterSeesAChangeMadeOnAVoter_whileItsEntriesArePaced) {
    Cluster c(4);
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.invite_and_join(0, 3, true);
    c.ok(0, "nodedefine", {"n1"});
    for (int i = 1; i <= 40; ++i) {
        const size_t voter = i % 3;
        const std::string v = std::to_string(i);
        c.ok(voter, "nodeattrib", {"n1", "custom.x=" + v});
        EXPECT_EQ(c.ok(3, "nodeattrib", {"n1", "custom.x"}), "n1: custom.x: " + v + "\n")
            << "written on mgt" << voter + 1 << ", read on the non-voter";
        c.ok(3, "nodeattrib", {"n1", "custom.y=" + v});
        EXPECT_EQ(c.ok(voter, "nodeattrib", {"n1", "custom.y"}), "n1: custom.y: " + v + "\n")
            << "written on the non-voter, read on mgt" << voter + 1;
    }
}

}  // namespace
