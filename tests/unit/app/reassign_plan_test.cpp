// The pure half of automatic reassignment: who gets which node.
#include "daemon/app/reassign_plan.hpp"

#include <gtest/gtest.h>

namespace {

using cc::app::NodeOwner;
using cc::app::plan_reassignment;

TEST(ReassignPlan, eachNodeGoesToTheLeastLoadedOnlineCandidate_endingWithinOne) {
    std::vector<NodeOwner> nodes{{"k1", "mgt1", {}}};
    for (int i = 1; i <= 7; ++i)
        nodes.push_back({"n" + std::to_string(i), "mgt3", {"mgt1", "mgt2", "mgt3"}});
    auto plan = plan_reassignment(nodes, {"mgt3"}, {"mgt1", "mgt2"});
    size_t a = plan.moves["mgt1"].size() + 1, b = plan.moves["mgt2"].size();
    EXPECT_EQ(a + b, 8u);
    EXPECT_LE(a > b ? a - b : b - a, 1u);
    EXPECT_EQ(plan.moves["mgt2"].front(), "n1") << "mgt2 manages fewer nodes at first";
    EXPECT_EQ(cc::app::describe_moves(plan),
              std::vector<std::string>{"moved 7 nodes from mgt3 to mgt1 and mgt2"});
}

TEST(ReassignPlan, nodesWithoutAnOnlineCandidateStayAndAreCounted) {
    std::vector<NodeOwner> nodes{
        {"a", "mgt3", {}}, {"b", "mgt3", {"mgt4"}}, {"c", "mgt2", {"mgt1"}}, {"d", "", {"mgt1"}}};
    auto plan = plan_reassignment(nodes, {"mgt3", "mgt4"}, {"mgt1", "mgt2"});
    EXPECT_TRUE(plan.empty()) << "c and d are not on a lost member";
    EXPECT_EQ(plan.without_candidates["mgt3"], 1u);
    EXPECT_EQ(plan.candidates_offline["mgt3"], 1u);
}

}  // namespace
