// Forced recovery (`collective recover`) in the core: where it may run
// (Core::plan_recovery, Core::force_recover), driven through the simulator.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/raft/sim_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using raft::Outcome;
using raft::Role;

// Voters m1.. (tests/unit/raft/sim_cluster.hpp), and why recovery is
// refused on a member.
struct Cluster : raft_test::SimCluster {
    explicit Cluster(int voters, uint64_t seed = 1) : SimCluster(voters, 0, raft::Config{}, seed) {}
    std::string refusal(const std::string& n) {
        auto p = core(n).plan_recovery(sim.now());
        auto* why = std::get_if<std::string>(&p);
        return why ? *why : "";
    }
};

std::vector<std::string> names(const proto::Membership& m) {
    std::vector<std::string> out;
    for (const auto& x : m.members) out.push_back(x.name);
    return out;
}

// Two voters, one restored from backup (catching up, so it may not vote):
// nobody can ever lead. Recovery is allowed on the other voter (the old rule
// counted the restored one as a reachable majority and refused), refused on
// the restored one with the member to run it on.
TEST(Recovery, twoVotersOneRestoredRecoversOnTheOtherOnly) {
    Cluster c(2);
    c.run(2s);
    auto l = c.leader();
    ASSERT_NE(l, "");
    for (int i = 0; i < 5; ++i) c.sim.put(l, "k" + std::to_string(i));
    c.run(1s);
    const std::string other = l == "m1" ? "m2" : "m1";
    c.sim.crash(l);
    c.sim.restart(l, /*wipe=*/true);  // the four-file restore of the leader
    c.run(3s);
    ASSERT_TRUE(c.core(l).hard_state().catching_up);
    EXPECT_EQ(c.leader(), "");  // stuck: the restored member may not vote

    auto on_restored = c.refusal(l);
    EXPECT_NE(on_restored.find("catching up"), std::string::npos) << on_restored;
    EXPECT_NE(on_restored.find("run collective recover on " + other + " instead"),
              std::string::npos)
        << on_restored;
    EXPECT_TRUE(c.core(l).force_recover(c.core(l).membership(), c.sim.now()));

    auto plan = c.core(other).plan_recovery(c.sim.now());
    ASSERT_TRUE(std::holds_alternative<raft::RecoveryPlan>(plan)) << std::get<std::string>(plan);
    auto& p = std::get<raft::RecoveryPlan>(plan);
    EXPECT_TRUE(p.dropped.empty());
    EXPECT_EQ(names(p.survivors), (std::vector<std::string>{"m1", "m2"}));
    EXPECT_EQ(p.last_index, c.core(other).last_index());
    auto term = c.core(other).hard_state().term;
    auto why = c.core(other).force_recover(p.survivors, c.sim.now());
    ASSERT_FALSE(why) << *why;
    EXPECT_GT(c.core(other).hard_state().term, term);
    c.run(1s);
    EXPECT_EQ(c.leader(), other);
    EXPECT_FALSE(c.core(l).hard_state().catching_up);
    auto w = c.sim.put(other, "after");
    c.run(500ms);
    EXPECT_EQ(c.code(w), Outcome::Done);
    EXPECT_EQ(c.sim.nodes().at(l).kv, c.sim.nodes().at(other).kv);
}

// Five voters, three lost for good (the leader among them); of the two
// left, `behind` missed writes that `ahead` holds: refused on `behind`
// (naming `ahead`), carried out on `ahead`.
TEST(Recovery, refusedOnTheMemberWithTheShorterLogAndDropsTheLostOnTheOther) {
    Cluster c(5);
    c.run(2s);
    auto l = c.leader();
    ASSERT_NE(l, "");
    std::vector<std::string> others, lost{l};
    for (const auto& m : c.list.members)
        if (m.name != l) others.push_back(m.name);
    const std::string behind = others[0], ahead = others[1];
    lost.push_back(others[2]);
    lost.push_back(others[3]);
    std::sort(lost.begin(), lost.end());
    for (const auto& m : c.list.members) {
        c.sim.faults().blocked.insert({behind, m.name});
        c.sim.faults().blocked.insert({m.name, behind});
    }
    for (int i = 0; i < 5; ++i) c.sim.put(l, "k" + std::to_string(i));
    c.run(1s);
    ASSERT_GT(c.core(ahead).last_index(), c.core(behind).last_index());
    for (const auto& n : lost) c.sim.crash(n);
    c.sim.faults().blocked.clear();
    c.run(3s);
    EXPECT_EQ(c.leader(), "");

    auto refused = c.refusal(behind);
    EXPECT_NE(refused.find("behind the log of " + ahead), std::string::npos) << refused;
    EXPECT_NE(refused.find("run collective recover on " + ahead + " instead"), std::string::npos)
        << refused;
    EXPECT_TRUE(c.core(behind).force_recover(c.core(behind).membership(), c.sim.now()));

    auto plan = c.core(ahead).plan_recovery(c.sim.now());
    ASSERT_TRUE(std::holds_alternative<raft::RecoveryPlan>(plan)) << std::get<std::string>(plan);
    auto& p = std::get<raft::RecoveryPlan>(plan);
    EXPECT_EQ(p.dropped, lost);
    auto kept = names(p.survivors);
    std::sort(kept.begin(), kept.end());
    auto want = std::vector<std::string>{behind, ahead};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(kept, want);
    auto why = c.core(ahead).force_recover(p.survivors, c.sim.now());
    ASSERT_FALSE(why) << *why;
    c.run(1s);
    EXPECT_EQ(c.leader(), ahead);
    EXPECT_EQ(c.core(behind).membership(), p.survivors);
    auto w = c.sim.put(behind, "after");
    c.run(500ms);
    EXPECT_EQ(c.code(w), Outcome::Done);
    EXPECT_EQ(c.sim.nodes().at(behind).kv, c.sim.nodes().at(ahead).kv);
}

TEST(Recovery, refusedWhileAMajorityThatCanVoteIsReachable) {
    Cluster c(3);
    c.run(2s);
    c.sim.crash("m3");
    c.run(2s);  // m1 and m2 still elect (or keep) a leader
    auto why = c.refusal("m1");
    EXPECT_NE(why.find("quorum"), std::string::npos) << why;
}

}  // namespace
