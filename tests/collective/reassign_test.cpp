// Automatic reassignment with real members: after the grace period
// (collective.reassign_grace, 2 s here) the leader moves the nodes of a
// killed member that have candidates, balanced over the online candidates,
// through the log; nodes without candidates stay and are reported by
// `collective show -v`; nothing moves back when the member returns.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;
using namespace std::chrono_literals;

// node -> manager, from "n1: collective.manager: mgt1 ..." lines.
std::map<std::string, std::string> managers(const std::string& out) {
    std::map<std::string, std::string> m;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(": collective.manager: ");
        if (colon == std::string::npos) continue;
        auto value = line.substr(colon + 22);
        m[line.substr(0, colon)] = value.substr(0, value.find(' '));
    }
    return m;
}

TEST(Reassign, nodesOfAKilledManagerMoveToTheirCandidatesBalanced_andStayWhenItReturns) {
    Cluster c(3);
    for (size_t i = 0; i < 3; ++i)
        std::ofstream(c[i].etc / "confluent.toml", std::ios::app) << "reassign_grace = 2\n";
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.ok(0, "nodegroupdefine",
         {"rack3", "collective.manager=mgt3", "collective.managercandidates=mgt[1-2]"});
    c.ok(0, "nodedefine", {"n[1-6]", "groups=rack3"});
    c.ok(0, "nodedefine", {"m[1-2]", "collective.manager=mgt3"});
    c.ok(0, "nodedefine", {"k1", "collective.manager=mgt1"});
    ASSERT_EQ(c.out_until(2, "nodelist", {}, "k1\nm1\nm2\nn1\nn2\nn3\nn4\nn5\nn6\n"),
              "k1\nm1\nm2\nn1\nn2\nn3\nn4\nn5\nn6\n");

    c[2].kill9();
    auto moved = [](const std::string& out) {
        auto m = managers(out);
        for (int i = 1; i <= 6; ++i)
            if (m["n" + std::to_string(i)] == "mgt3" || m["n" + std::to_string(i)].empty())
                return false;
        return true;
    };
    auto out = c.out_until(1, "nodeattrib", {"everything", "collective.manager"}, moved, 20s);
    ASSERT_TRUE(moved(out)) << out << c[0].log();
    auto m = managers(out);
    std::map<std::string, int> load;
    for (const auto& [node, manager] : m) ++load[manager];
    EXPECT_EQ(m["m1"], "mgt3");
    EXPECT_EQ(m["m2"], "mgt3");
    EXPECT_EQ(load["mgt1"] + load["mgt2"], 7);
    EXPECT_LE(std::abs(load["mgt1"] - load["mgt2"]), 1) << out;
    EXPECT_TRUE(c[0].wait_for_log("moved 6 nodes from mgt3 to mgt1 and mgt2", 5s)) << c[0].log();
    auto verbose = c.ok(0, "collective", {"show", "-v"});
    EXPECT_NE(verbose.find("Node ownership:\n    mgt3 is offline and manages 2 nodes without "
                           "candidates\n"),
              std::string::npos)
        << verbose;

    // mgt3 comes back: its nodes stay where they went.
    c.start(2);
    const std::string all =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    ASSERT_EQ(c.show_until(0, all), all);
    std::this_thread::sleep_for(3s);  // past the grace period: nothing may move back
    auto after = managers(c.ok(2, "nodeattrib", {"everything", "collective.manager"}));
    EXPECT_EQ(after, m);
    EXPECT_EQ(c.ok(0, "collective", {"show", "-v"}).find("Node ownership"), std::string::npos);
}

}  // namespace
