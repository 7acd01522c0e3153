// Directed scenarios on several members, driven through the simulator's
// network and storage (tests/sim/sim.hpp) with no faults unless the test
// injects them: elections, pre-vote, check-quorum, forwarding, quorum
// errors, membership changes, transfer, snapshots, restored members,
// forced recovery.
#include <gtest/gtest.h>

#include <functional>

#include "tests/unit/raft/fresh_boot.hpp"
#include "tests/unit/raft/sim_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using raft::Outcome;
using raft::Role;

using raft_test::voter;

// Every test's cluster (tests/unit/raft/sim_cluster.hpp): voters m1.., its
// checker asserted clean when it goes out of scope.
struct Cluster : raft_test::SimCluster {
    explicit Cluster(int voters, uint64_t seed = 1) : SimCluster(voters, 0, raft::Config{}, seed) {}
};

TEST(Cluster, electsOneLeaderAndCommitsAWriteFromAFollower) {
    Cluster c(3);
    c.run(2s);
    ASSERT_NE(c.leader(), "");
    auto f = c.follower();
    auto w = c.sim.put(f, "a");
    c.run(200ms);
    EXPECT_EQ(c.code(w), Outcome::Done);
    // Read-your-writes: a read on the member that forwarded sees the write.
    auto r = c.sim.get(f, "a");
    c.run(200ms);
    ASSERT_EQ(c.code(r), Outcome::Done);
    EXPECT_EQ(c.sim.answer(r)->value, "v" + std::to_string(w));
}

TEST(Cluster, preVoteKeepsARejoiningMemberFromDeposingTheLeader) {
    Cluster c(3);
    c.run(2s);
    auto leader = c.leader();
    auto term = c.core(leader).hard_state().term;
    auto f = c.follower();
    c.isolate(f);
    c.run(5s);  // many election timeouts on the isolated member
    c.sim.faults().blocked.clear();
    c.run(2s);
    EXPECT_EQ(c.leader(), leader);
    EXPECT_EQ(c.core(leader).hard_state().term, term) << "the rejoining member bumped the term";
}

TEST(Cluster, isolatedLeaderStepsDownAndWritesFailAtOnceWithNoQuorum) {
    Cluster c(3);
    c.run(2s);
    auto old = c.leader();
    c.isolate(old);
    c.run(1500ms);  // more than an election timeout
    EXPECT_NE(c.core(old).role(), Role::Leader);
    auto w = c.sim.put(old, "a");
    EXPECT_EQ(c.code(w), Outcome::NoQuorum) << "must fail at once, not hang";
    EXPECT_NE(c.leader(), "") << "the majority elected a new leader";
    EXPECT_NE(c.leader(), old);
}

// How long the other members take to elect a new leader once `end` ended
// the leader (2 s: none within the bound).
raft::Millis failover(Cluster& c, const std::function<void(const std::string&)>& end) {
    auto old = c.leader();
    end(old);
    auto start = c.sim.now();
    while (c.sim.now() - start < 2s && (c.leader().empty() || c.leader() == old)) c.run(2ms);
    return std::chrono::duration_cast<raft::Millis>(c.sim.now() - start);
}

TEST(Cluster, aLeaderWhoseLinksCloseIsReplacedWithinAHeartbeatInterval) {
    // Killed (its links close): a follower campaigns within a heartbeat
    // interval (100 ms). Crashed silently: a whole election timeout (300 ms
    // at least, counted from the last heartbeat, at most 100 ms before the
    // crash) passes first. Over several seeds, as the delays are drawn.
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        Cluster killed(3, seed), silent(3, seed);
        killed.run(2s);
        silent.run(2s);
        EXPECT_LE(failover(killed, [&](const std::string& m) { killed.sim.kill(m); }), 150ms)
            << "seed " << seed;
        EXPECT_GE(failover(silent, [&](const std::string& m) { silent.sim.crash(m); }), 200ms)
            << "seed " << seed;
    }
}

TEST(Cluster, aClosedLinkToALeaderThatLivesDeposesNobody) {
    Cluster c(3);
    c.run(2s);
    auto leader = c.leader();
    auto f = c.follower();
    auto term = c.core(leader).status(c.sim.now()).term;
    // f alone believes the leader gone; the other voter still hears it, so
    // f's pre-vote fails, and f follows the leader again at its next message.
    c.sim.nodes().at(f).exec->lost_link(leader);
    c.run(1s);
    EXPECT_EQ(c.leader(), leader);
    EXPECT_EQ(c.core(leader).status(c.sim.now()).term, term);
    EXPECT_EQ(c.core(f).status(c.sim.now()).leader, leader);
}

TEST(Cluster, writeForwardedToAnUnreachableLeaderEndsWithinTheProposalTimeout) {
    Cluster c(3);
    c.run(2s);
    auto leader = c.leader();
    auto f = c.follower();
    c.sim.faults().blocked.insert({f, leader});  // f still hears the leader
    auto w = c.sim.put(f, "a");
    auto start = c.sim.now();
    c.run(5100ms);
    auto a = c.sim.answer(w);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->code, Outcome::Unknown);
    EXPECT_LE(a->at - start, 5000ms);
}

TEST(Cluster, newVoterJoinsAsNonVoterAndIsPromotedOnceCaughtUp) {
    Cluster c(3);
    c.run(2s);
    for (int i = 0; i < 60; ++i) c.sim.put(c.leader(), "k" + std::to_string(i));
    c.run(1s);
    proto::Membership next = c.list;
    next.members.push_back(voter("m4"));
    proto::Membership file = c.list;
    file.members.push_back({"m4", "m4:13001", "SHA256:m4", proto::Role::NonVoter, true});
    c.sim.add_node("m4", file);
    c.sim.propose_membership(c.leader(), next);
    c.run(3s);
    const auto& ms = c.core(c.leader()).membership();
    ASSERT_EQ(ms.members.size(), 4u);
    EXPECT_EQ(ms.members[3].role, proto::Role::Voter);
    EXPECT_FALSE(ms.members[3].promote);
    // It caught up through a snapshot (the simulator compacts every 24 entries).
    EXPECT_GT(c.core("m4").snapshot().index, 0u);
    EXPECT_EQ(c.sim.nodes().at("m4").kv, c.sim.nodes().at(c.leader()).kv);
}

TEST(Cluster, memberListChangesGoOneAtATime) {
    Cluster c(3);
    c.run(2s);
    auto& core = c.core(c.leader());
    proto::Membership two = c.list;
    two.members.push_back(voter("m4"));
    two.members.push_back(voter("m5"));
    core.propose_membership(900, two, c.sim.now());
    auto r = core.take_ready();
    ASSERT_EQ(r.proposal_results.size(), 1u);
    EXPECT_EQ(r.proposal_results[0].code, Outcome::Refused);
    EXPECT_NE(r.proposal_results[0].reason.find("one member at a time"), std::string::npos);

    proto::Membership one = c.list;
    one.members.push_back(voter("m4"));
    core.propose_membership(901, one, c.sim.now());
    one.members.push_back(voter("m5"));
    core.propose_membership(902, one, c.sim.now());
    r = core.take_ready();
    ASSERT_EQ(r.proposal_results.size(), 1u) << "the first change is still pending";
    EXPECT_EQ(r.proposal_results[0].id, 902u);
    EXPECT_EQ(r.proposal_results[0].code, Outcome::Refused);
    EXPECT_NE(r.proposal_results[0].reason.find("in progress"), std::string::npos);
}

TEST(Cluster, removedLeaderStepsDownAfterCommittingItsRemoval) {
    Cluster c(3);
    c.run(2s);
    auto old = c.leader();
    proto::Membership next;
    for (const auto& m : c.list.members)
        if (m.name != old) next.members.push_back(m);
    c.sim.propose_membership(old, next);
    c.run(2s);
    EXPECT_NE(c.core(old).role(), Role::Leader);
    auto now_leader = c.leader();
    ASSERT_NE(now_leader, "");
    EXPECT_NE(now_leader, old);
    auto w = c.sim.put(now_leader, "a");
    c.run(300ms);
    EXPECT_EQ(c.code(w), Outcome::Done);
}

TEST(Cluster, leadershipTransferMovesTheLeaderQuickly) {
    Cluster c(3);
    c.run(2s);
    auto to = c.follower();
    EXPECT_EQ(c.core(c.leader()).transfer_leadership("nobody", c.sim.now()),
              "nobody is not a member of the collective");
    c.sim.transfer(c.leader(), to);
    c.run(300ms);
    EXPECT_EQ(c.leader(), to);
}

TEST(Cluster, restoredMemberCatchesUpBeforeItVotes) {
    Cluster c(3);
    c.run(2s);
    for (int i = 0; i < 40; ++i) c.sim.put(c.leader(), "k" + std::to_string(i % 5));
    c.run(1s);
    auto f = c.follower();
    c.sim.crash(f);
    c.sim.restart(f, /*wipe=*/true);
    EXPECT_TRUE(c.core(f).hard_state().catching_up);
    EXPECT_FALSE(c.core(f).status(c.sim.now()).quorum);
    c.run(1s);
    EXPECT_FALSE(c.core(f).hard_state().catching_up);
    EXPECT_EQ(c.sim.nodes().at(f).kv, c.sim.nodes().at(c.leader()).kv);
}

TEST(Cluster, restoredMemberRefusesVotesWhileCatchingUp) {
    Cluster c(3);
    c.run(2s);
    auto f = c.follower();
    c.sim.crash(f);
    c.sim.restart(f, true);
    auto& core = c.core(f);
    (void)core.take_ready();
    core.receive("m9", proto::VoteRequest{5, 100, 4, false, false}, c.sim.now());
    auto r = core.take_ready();
    ASSERT_EQ(r.messages.size(), 1u);
    auto* v = std::get_if<proto::VoteResponse>(&r.messages[0].message);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->granted);
}

TEST(Cluster, forcedRecoveryIsRefusedWithQuorumAndRestoresWritesWithoutIt) {
    Cluster c(3);
    c.run(2s);
    auto l = c.leader();
    proto::Membership alone{{c.list.members[0]}};
    auto refused = c.core("m1").force_recover(alone, c.sim.now());
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->find("quorum"), std::string::npos) << *refused;
    c.sim.crash("m2");
    c.sim.crash("m3");
    c.run(2s);
    EXPECT_FALSE(c.core("m1").status(c.sim.now()).quorum);
    auto ok = c.core("m1").force_recover(alone, c.sim.now());
    EXPECT_FALSE(ok) << *ok;
    c.sim.put("m1", "a");  // drains the core's effects too
    c.run(500ms);
    EXPECT_EQ(c.core("m1").role(), Role::Leader);
    EXPECT_EQ(c.core("m1").membership(), alone);
    auto w = c.sim.put("m1", "b");
    c.run(200ms);
    EXPECT_EQ(c.code(w), Outcome::Done);
    (void)l;
}

TEST(Cluster, messagesOnlyAHostilePeerSendsAreDroppedNotFatal) {
    Cluster c(3);
    c.run(2s);
    auto l = c.leader();
    auto term = c.core(l).hard_state().term;
    // A second "leader" of our own term.
    c.core(l).receive("m9", proto::AppendRequest{term, 0, 0, {}, 0, 0}, c.sim.now());
    EXPECT_EQ(c.core(l).role(), Role::Leader);
    // A "leader" rewriting a committed entry on a follower.
    auto f = c.follower();
    auto& fc = c.core(f);
    ASSERT_GE(fc.commit_index(), 1u);
    proto::Entry forged{term, 1, proto::EntryKind::Command, "P k forged"};
    fc.receive(l, proto::AppendRequest{term, 0, 0, {forged}, 0, 0}, c.sim.now());
    EXPECT_NE(fc.entry(1).data, "P k forged");
    // A snapshot whose term is beyond the sender's.
    fc.receive(l, proto::SnapshotChunk{term, 500, term + 7, {}, 0, "x", true}, c.sim.now());
    EXPECT_LT(fc.last_index(), 500u);
}

TEST(Cluster, aSnapshotTransferPastTheBoundIsDroppedNotBuffered) {
    // One follower core, fed chunks by hand: its acks say what it buffered.
    raft::Config cfg;
    cfg.self = "m2";
    cfg.max_snapshot_bytes = 4096;
    proto::Membership list{{voter("m1"), voter("m2"), voter("m3")}};
    raft::Core f(cfg, raft_test::fresh_boot(list), 7);
    raft::TimePoint now{};
    auto ack_offset = [&]() -> std::optional<uint64_t> {
        std::optional<uint64_t> got;
        for (auto& m : f.take_ready().messages)
            if (auto* a = std::get_if<proto::SnapshotAck>(&m.message)) got = a->next_offset;
        return got;
    };
    std::string kib(1024, 'x');
    for (uint64_t off = 0; off < 4096; off += 1024) {
        f.receive("m1", proto::SnapshotChunk{1, 10000, 1, list, off, kib, false}, now);
        EXPECT_EQ(ack_offset(), off + 1024);  // within the bound: buffered
    }
    // The chunk that would make 5 KiB: nothing is kept, the leader starts over.
    f.receive("m1", proto::SnapshotChunk{1, 10000, 1, list, 4096, kib, false}, now);
    EXPECT_EQ(ack_offset(), 0u);
    f.receive("m1", proto::SnapshotChunk{1, 10000, 1, list, 5120, kib, true}, now);
    auto r = f.take_ready();
    EXPECT_FALSE(r.snapshot.has_value());
}

TEST(Cluster, statusReportsQuorumLeaderAndMembers) {
    Cluster c(3);
    c.run(2s);
    auto st = c.core(c.leader()).status(c.sim.now());
    EXPECT_TRUE(st.quorum);
    EXPECT_EQ(st.leader, c.leader());
    ASSERT_EQ(st.members.size(), 3u);
    for (const auto& m : st.members) {
        EXPECT_TRUE(m.active) << m.info.name;
        EXPECT_TRUE(m.voter);
        EXPECT_EQ(m.match_index, st.last_index) << m.info.name;
    }
    auto fs = c.core(c.follower()).status(c.sim.now());
    EXPECT_TRUE(fs.quorum);
    EXPECT_EQ(fs.leader, c.leader());
}

}  // namespace
