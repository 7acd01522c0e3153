// Forced recovery (`collective recover`) in the core: where it may run
// (Core::plan_recovery, Core::force_recover), driven through the simulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "tests/unit/raft/fresh_boot.hpp"
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

// A case drives the cluster to where recovery is asked for and says what
// must follow: where it is refused and why, and (unless it ends there)
// where it is carried out instead.
struct Scene {
    std::string refused_on;
    std::vector<std::string> says;  // each part of the refusal
    std::string recovers_on;        // empty: the case ends with the refusal
    std::vector<std::string> dropped;
    std::vector<std::string> survivors;  // in member list order
    std::string write_on;                // once recovered, a write here commits
};

struct Case {
    const char* name;
    int voters;
    // Asserts on the way; the case stops at a fatal failure.
    std::function<void(Cluster&, Scene&)> setup;
};

// Two voters, one restored from backup (catching up, so it may not vote):
// nobody can ever lead. Recovery is allowed on the other voter (the old rule
// counted the restored one as a reachable majority and refused), refused on
// the restored one with the member to run it on.
void two_voters_one_restored(Cluster& c, Scene& s) {
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
    s = {l,
         {"catching up", "run collective recover on " + other + " instead"},
         other,
         {},
         {"m1", "m2"},
         other};
}

// Five voters, three lost for good (the leader among them); of the two
// left, `behind` missed writes that `ahead` holds: refused on `behind`
// (naming `ahead`), carried out on `ahead`.
void five_voters_three_lost_one_behind(Cluster& c, Scene& s) {
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
    c.isolate(behind);
    for (int i = 0; i < 5; ++i) c.sim.put(l, "k" + std::to_string(i));
    c.run(1s);
    ASSERT_GT(c.core(ahead).last_index(), c.core(behind).last_index());
    for (const auto& n : lost) c.sim.crash(n);
    c.heal();
    c.run(3s);
    auto survivors = std::vector<std::string>{behind, ahead};
    std::sort(survivors.begin(), survivors.end());
    s = {behind,
         {"behind the log of " + ahead, "run collective recover on " + ahead + " instead"},
         ahead,
         lost,
         survivors,
         behind};
}

// Three voters, one lost: m1 and m2 still elect (or keep) a leader.
void three_voters_one_lost(Cluster& c, Scene& s) {
    c.run(2s);
    c.sim.crash("m3");
    c.run(2s);
    s = {"m1", {"quorum"}, "", {}, {}, ""};
}

const Case kCases[] = {
    {"two voters, one restored: recovers on the other only", 2, two_voters_one_restored},
    {"five voters, three lost: refused on the one with the shorter log, drops the lost on the "
     "other",
     5, five_voters_three_lost_one_behind},
    {"three voters, one lost: refused while a majority that can vote is reachable", 3,
     three_voters_one_lost},
};

TEST(Recovery, refusedWhereItMayNotRunAndCarriedOutWhereItMay) {
    for (const auto& k : kCases) {
        SCOPED_TRACE(k.name);
        Cluster c(k.voters);
        Scene s;
        k.setup(c, s);
        if (testing::Test::HasFatalFailure()) return;
        if (!s.recovers_on.empty()) {
            EXPECT_EQ(c.leader(), "");  // stuck: nobody can lead
        }

        auto refused = c.refusal(s.refused_on);
        for (const auto& part : s.says) {
            EXPECT_NE(refused.find(part), std::string::npos) << refused;
        }
        EXPECT_TRUE(
            c.core(s.refused_on).force_recover(c.core(s.refused_on).membership(), c.sim.now()));
        if (s.recovers_on.empty()) continue;

        auto plan = c.core(s.recovers_on).plan_recovery(c.sim.now());
        ASSERT_TRUE(std::holds_alternative<raft::RecoveryPlan>(plan))
            << std::get<std::string>(plan);
        auto& p = std::get<raft::RecoveryPlan>(plan);
        EXPECT_EQ(p.dropped, s.dropped);
        EXPECT_EQ(names(p.survivors), s.survivors);
        EXPECT_EQ(p.last_index, c.core(s.recovers_on).last_index());
        auto term = c.core(s.recovers_on).hard_state().term;
        auto why = c.core(s.recovers_on).force_recover(p.survivors, c.sim.now());
        ASSERT_FALSE(why) << *why;
        EXPECT_GT(c.core(s.recovers_on).hard_state().term, term);
        c.run(1s);
        EXPECT_EQ(c.leader(), s.recovers_on);
        EXPECT_EQ(c.core(s.refused_on).membership(), p.survivors);
        EXPECT_FALSE(c.core(s.refused_on).hard_state().catching_up);
        auto w = c.sim.put(s.write_on, "after");
        c.run(500ms);
        EXPECT_EQ(c.code(w), Outcome::Done);
        EXPECT_EQ(c.sim.nodes().at(s.refused_on).kv, c.sim.nodes().at(s.recovers_on).kv);
    }
}

// A non-voter's links are quiet (a keepalive every 2 s): recovery keeps it
// among the survivors when heard within Config::nonvoter_contact_window,
// where a voter must have been heard within an election timeout.
TEST(Recovery,
     aNonVoterHeardWithinItsQuietWindowSurvives_aVoterMustBeHeardWithinAnElectionTimeout) {
    proto::Membership members{{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
                               {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::Voter},
                               {"mgt3", "127.0.0.3:13001", "SHA256:c", proto::Role::Voter},
                               {"mgt4", "127.0.0.4:13001", "SHA256:d", proto::Role::NonVoter},
                               {"mgt5", "127.0.0.5:13001", "SHA256:e", proto::Role::NonVoter}}};
    raft::Core c({.self = "mgt1"}, raft_test::fresh_boot(members), 3);
    raft::TimePoint now{};
    c.tick(now);
    c.take_ready();
    const auto window = raft::Config{}.nonvoter_contact_window;
    c.heard_from("mgt5", now);  // heard at start only
    now += window - 1500ms;
    c.heard_from("mgt2", now);  // a voter heard 1.5 s before the plan
    c.heard_from("mgt4", now);  // a non-voter heard 1.5 s before the plan
    now += 1500ms;
    c.tick(now);
    c.take_ready();
    auto plan = c.plan_recovery(now);
    auto* p = std::get_if<raft::RecoveryPlan>(&plan);
    ASSERT_TRUE(p) << std::get<std::string>(plan);
    EXPECT_EQ(names(p->survivors), (std::vector<std::string>{"mgt1", "mgt4"}));
    EXPECT_EQ(p->dropped, (std::vector<std::string>{"mgt2", "mgt3", "mgt5"}));
}

}  // namespace
