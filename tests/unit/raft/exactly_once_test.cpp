// Exactly-once writes (Core::propose_once) on several members, through the
// simulator (tests/sim): a write is held through an election instead of
// failing, re-sent to each new leader until a copy commits, answered
// NoQuorum at once only by a member that hears no majority, and every
// member applies it once, also across snapshot installs and restarts.
//
// The simulator's members dedup with cc::state::SessionTable and its checker
// fails a run in which any member applies one write at two indexes, drops
// the copy the others applied, acknowledges a write nobody applied, or
// answers a definite failure for a write that is applied; every Cluster
// checks it when it goes out of scope.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "tests/unit/raft/sim_cluster.hpp"

namespace {

using namespace std::chrono_literals;
using raft::Outcome;
using raft::Role;

// The members of tests/unit/raft/sim_cluster.hpp, plus what these tests
// ask of a put_once write.
struct Cluster : raft_test::SimCluster {
    // Members m1.. (voters first, then non-voters), link keepalives every
    // 400 ms as the SSH transport sends them.
    explicit Cluster(int voters, int non_voters = 0, raft::Config cfg = {}, uint64_t seed = 1)
        : SimCluster(voters, non_voters, std::move(cfg), seed) {
        sim.set_keepalive(400ms);
    }

    sim::OnceCommand write(uint64_t id) { return sim::parse_once(sim.once_data(id)); }
    // Index of the entry whose copy of put_once `id` was applied (0: none).
    raft::Index applied_at(uint64_t id) {
        return sim.checker().once_index(sim::once_key(write(id)));
    }
    // Copies of put_once `id` in `n`'s log, and the index of the first.
    int copies_in_log(const std::string& n, uint64_t id) {
        int k = 0;
        for (raft::Index i = core(n).first_index(); i <= core(n).last_index(); ++i)
            k += core(n).entry(i).data == sim.once_data(id);
        return k;
    }
    raft::Index index_in_log(const std::string& n, uint64_t id) {
        for (raft::Index i = core(n).first_index(); i <= core(n).last_index(); ++i)
            if (core(n).entry(i).data == sim.once_data(id)) return i;
        return 0;
    }
    // Every member that is up applied the write (the checker sees to it
    // that each did so at one index, the same everywhere) and shows its
    // value, unless a later write to the key overwrote it.
    void expect_applied_everywhere(uint64_t id, const std::string& value = "") {
        auto w = write(id);
        raft::Index at = applied_at(id);
        EXPECT_NE(at, 0u) << "put_once #" << id << " was never applied";
        for (auto& [name, n] : sim.nodes()) {
            if (!n.core) continue;
            EXPECT_TRUE(n.sessions.seen(w.session, w.seq)) << name;
            EXPECT_GE(n.applied, at) << name;
            auto key = w.command.substr(2, w.command.find(' ', 2) - 2);
            auto it = n.kv.find(key);
            EXPECT_EQ(it == n.kv.end() ? "" : it->second,
                      value.empty() ? "v" + std::to_string(id) : value)
                << name;
        }
    }
};

const char* mode(bool driver) {
    return driver ? "answered as RaftDriver does" : "answered by the core alone";
}

// ---- held through an election ----

TEST(ExactlyOnce, writeOnAFollowerWithoutLeaderIsHeldAndEndsDoneOnceOneIsElected) {
    for (bool driver : {true, false}) {
        SCOPED_TRACE(mode(driver));
        Cluster c(3);
        c.sim.set_driver_answers(driver);
        c.run(2s);
        const auto old = c.leader();
        ASSERT_NE(old, "");
        const auto f = c.others({old})[0];
        c.sim.crash(old);
        // f gives up on the old leader after an election timeout.
        ASSERT_TRUE(c.wait_for([&] { return c.core(f).leader().empty(); }, 2s));
        auto plain = c.sim.put(f, "plain");
        EXPECT_EQ(c.code(plain), Outcome::NoQuorum) << "a plain write still fails at once";
        auto w = c.sim.put_once(f, "a");
        EXPECT_FALSE(c.code(w)) << "held: f hears a majority (itself, the other's link)";
        c.run(3s);
        ASSERT_NE(c.leader(), "");
        EXPECT_EQ(c.code(w), Outcome::Done);
        c.expect_applied_everywhere(w);
        c.sim.restart(old, false);
        c.run(2s);
        c.expect_applied_everywhere(w);
    }
}

TEST(ExactlyOnce, writeRightAfterTheLeaderCrashesOrIsCutOffEndsDone) {
    for (bool cut_off : {false, true}) {
        for (bool driver : {true, false}) {
            SCOPED_TRACE(std::string(cut_off ? "leader isolated, " : "leader crashed, ") +
                         mode(driver));
            Cluster c(3);
            c.sim.set_driver_answers(driver);
            c.run(2s);
            const auto old = c.leader();
            const auto f = c.others({old})[0];
            if (cut_off)
                c.isolate(old);
            else
                c.sim.crash(old);
            // f still takes `old` for the leader: the first copy goes to it and is lost.
            auto w = c.sim.put_once(f, "a");
            EXPECT_FALSE(c.code(w));
            c.run(3s);
            EXPECT_NE(c.leader(), old);
            EXPECT_EQ(c.code(w), Outcome::Done);
            if (cut_off)
                c.heal();
            else
                c.sim.restart(old, false);
            c.run(2s);
            c.expect_applied_everywhere(w);
            for (const auto& m : c.list.members) EXPECT_EQ(c.copies_in_log(m.name, w), 1) << m.name;
        }
    }
}

// ---- re-sent when the leader it went to is lost ----

// The leader appends the forwarded write but can replicate nothing: its copy
// is discarded when it rejoins, and the copy re-sent to the new leader is
// the one applied.
TEST(ExactlyOnce, copyAppendedByALeaderCutOffBeforeCommitIsDiscardedAndTheResentOneApplied) {
    for (bool driver : {true, false}) {
        SCOPED_TRACE(mode(driver));
        Cluster c(3);
        c.sim.set_driver_answers(driver);
        c.run(2s);
        const auto l = c.leader();
        const auto f = c.others({l})[0], o = c.others({l})[1];
        c.mute(l, {f, o});  // l still receives f's forward
        auto w = c.sim.put_once(f, "a");
        ASSERT_TRUE(c.wait_for([&] { return c.copies_in_log(l, w) == 1; }, 50ms));
        const raft::Index first_copy = c.index_in_log(l, w);
        c.run(3s);
        EXPECT_EQ(c.code(w), Outcome::Done);
        EXPECT_NE(c.leader(), l);
        EXPECT_NE(c.applied_at(w), 0u);
        c.heal();
        c.run(2s);
        EXPECT_NE(c.core(l).role(), Role::Leader);
        c.expect_applied_everywhere(w);
        for (const auto& m : c.list.members) EXPECT_EQ(c.copies_in_log(m.name, w), 1) << m.name;
        EXPECT_NE(c.core(l).entry(first_copy).data, c.sim.once_data(w)) << "the old copy stayed";
    }
}

// The leader commits the forwarded write, but the proposer hears nothing of
// it (no answer, no entries): it re-sends the write to the next leader,
// which appends a second copy; the state machine applies the first only.
TEST(ExactlyOnce, copyCommittedByALeaderLostToTheProposerMakesTheResentCopyADroppedOne) {
    for (bool driver : {true, false}) {
        SCOPED_TRACE(mode(driver));
        Cluster c(3);
        c.sim.set_driver_answers(driver);
        c.run(2s);
        const auto l = c.leader();
        const auto f = c.others({l})[0], o = c.others({l})[1];
        c.mute(l, {f});
        auto w = c.sim.put_once(f, "b");
        ASSERT_TRUE(c.wait_for(
            [&] {
                auto i = c.index_in_log(l, w);
                return i != 0 && c.core(l).commit_index() >= i && c.copies_in_log(o, w) == 1;
            },
            100ms));
        const raft::Index first_copy = c.index_in_log(l, w);
        const auto dropped = c.sim.checker().once_copies_dropped();
        c.isolate(l);
        c.run(3s);
        EXPECT_EQ(c.leader(), o) << "o holds the longer log";
        EXPECT_EQ(c.code(w), Outcome::Done);
        EXPECT_EQ(c.applied_at(w), first_copy) << "the first copy is the one applied";
        // The core re-sends the write when it learns of the new leader; with
        // RaftDriver's answers, f may apply the first copy (o sends it the
        // committed entry) before that, and the core then sends no copy.
        const int copies = c.copies_in_log(o, w);
        if (!driver) {
            EXPECT_EQ(copies, 2) << "the re-sent copy is in the log too";
        }
        EXPECT_GE(copies, 1);
        EXPECT_EQ(c.sim.checker().once_copies_dropped() - dropped, 2u * uint64_t(copies - 1))
            << "each copy but the first is dropped, on f and on o";
        c.heal();
        c.run(2s);
        c.expect_applied_everywhere(w);
    }
}

// Two leaders in turn take the write and lose it before it commits; the
// third commits it. The proposer is a non-voter, so that it is never one of
// the leaders.
TEST(ExactlyOnce, writeIsResentToEachNewLeaderUntilACopyCommits) {
    for (bool driver : {true, false}) {
        SCOPED_TRACE(mode(driver));
        Cluster c(5, 1);
        c.sim.set_driver_answers(driver);
        const std::string f = "m6";
        c.run(2s);
        const auto l1 = c.leader();
        ASSERT_NE(l1, "");
        c.mute(l1, c.others({l1}));  // it still reaches f: f keeps sending to it
        auto w = c.sim.put_once(f, "c");
        ASSERT_TRUE(c.wait_for([&] { return c.copies_in_log(l1, w) == 1; }, 50ms));
        std::string l2;
        ASSERT_TRUE(c.wait_for(
            [&] {
                l2 = c.leader();
                return l2 != "" && l2 != l1;
            },
            3s, 100us));
        c.mute(l2, c.others({l2}));
        ASSERT_TRUE(c.wait_for([&] { return c.copies_in_log(l2, w) == 1; }, 500ms))
            << "f did not re-send the write to " << l2;
        EXPECT_LT(c.core(l2).commit_index(), c.index_in_log(l2, w));
        EXPECT_FALSE(c.code(w));
        std::string l3;
        ASSERT_TRUE(c.wait_for(
            [&] {
                l3 = c.leader();
                return l3 != "" && l3 != l1 && l3 != l2;
            },
            3s));
        c.run(1s);
        EXPECT_EQ(c.code(w), Outcome::Done);
        EXPECT_EQ(c.applied_at(w), c.index_in_log(l3, w));
        c.heal();
        c.run(2s);
        c.expect_applied_everywhere(w);
        for (const auto& m : c.list.members) EXPECT_EQ(c.copies_in_log(m.name, w), 1) << m.name;
    }
}

// A leader cut off from the others appends its own write (it does not know
// yet), steps down, and sends the write to the new leader once it rejoins.
TEST(ExactlyOnce, writeOnALeaderCutOffBeforeCommitIsResentWhenItRejoins) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    c.isolate(l);  // it does not know yet: it appends its write
    auto w = c.sim.put_once(l, "d");
    EXPECT_EQ(c.copies_in_log(l, w), 1);
    c.run(1500ms);
    EXPECT_NE(c.core(l).role(), Role::Leader);
    EXPECT_FALSE(c.code(w));
    c.heal();
    c.run(2s);
    EXPECT_EQ(c.code(w), Outcome::Done);
    c.expect_applied_everywhere(w);
    for (const auto& m : c.list.members) EXPECT_EQ(c.copies_in_log(m.name, w), 1) << m.name;
}

// While leadership moves the leader refuses writes (NotLeader); an
// exactly-once write is tried again and reaches the new leader.
TEST(ExactlyOnce, writeOnALeaderHandingOverLeadershipReachesTheNewLeader) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto to = c.others({l})[0];
    c.sim.transfer(l, to);
    auto plain = c.sim.put(l, "p");
    EXPECT_EQ(c.code(plain), Outcome::NotLeader);
    auto w = c.sim.put_once(l, "t");
    EXPECT_FALSE(c.code(w));
    c.run(1s);
    EXPECT_EQ(c.leader(), to);
    EXPECT_EQ(c.code(w), Outcome::Done);
    c.expect_applied_everywhere(w);
}

// ---- how a write that cannot be carried out ends ----

TEST(ExactlyOnce, memberThatHearsNoMajorityAnswersNoQuorumAtOnce) {
    Cluster c(3);
    c.run(2s);
    const auto f = c.others({c.leader()})[0];
    c.isolate(f);
    c.run(2s);  // longer than Config::contact_window
    auto w = c.sim.put_once(f, "a");
    ASSERT_EQ(c.code(w), Outcome::NoQuorum);
    EXPECT_EQ(c.sim.answer(w)->at, c.sim.now());
    c.heal();
    c.run(2s);
    EXPECT_EQ(c.applied_at(w), 0u) << "answered NoQuorum: it must never be applied";
}

TEST(ExactlyOnce, heldWriteNoLeaderSawFailsNoQuorumOnceNoMajorityIsHeard) {
    Cluster c(3);
    c.run(2s);
    const auto f = c.others({c.leader()})[0];
    c.isolate(f);
    const auto cut = c.sim.now();
    ASSERT_TRUE(c.wait_for([&] { return c.core(f).leader().empty(); }, 2s));
    auto w = c.sim.put_once(f, "a");
    EXPECT_FALSE(c.code(w));
    c.run(2s);
    auto a = c.sim.answer(w);
    ASSERT_TRUE(a) << "still held 2 s later";
    EXPECT_EQ(a->code, Outcome::NoQuorum);
    EXPECT_GE(a->at - cut, raft::Config{}.contact_window);
    EXPECT_LE(a->at - cut, raft::Config{}.contact_window + 150ms);
    c.heal();
    c.run(2s);
    EXPECT_EQ(c.applied_at(w), 0u);
}

TEST(ExactlyOnce, memberCutOffJustNowHoldsTheWriteUntilItHearsTheLeaderAgain) {
    Cluster c(3);
    c.run(2s);
    const auto f = c.others({c.leader()})[0];
    c.isolate(f);
    ASSERT_TRUE(c.wait_for([&] { return c.core(f).leader().empty(); }, 2s));
    auto w = c.sim.put_once(f, "a");
    EXPECT_FALSE(c.code(w)) << "a majority was heard less than contact_window ago";
    c.run(300ms);
    c.heal();
    c.run(1s);
    EXPECT_EQ(c.code(w), Outcome::Done);
    c.expect_applied_everywhere(w);
}

// Contract (core.hpp, propose_once): "without a known leader it is held while
// a majority of voters is heard from; it fails at once with NoQuorum only
// when no majority is heard from and no copy was sent yet". A leader that
// lost quorum but has not stepped down yet knows no leader with quorum
// either (leader_known() is false) and heard a majority within
// contact_window: its write must be held like a follower's.
TEST(ExactlyOnce, leaderThatLostQuorumMomentsAgoHoldsTheWriteLikeAFollower) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    c.isolate(l);
    const auto cut = c.sim.now();
    ASSERT_TRUE(c.wait_for(
        [&] { return c.core(l).role() == Role::Leader && !c.core(l).status(c.sim.now()).quorum; },
        1500ms))
        << "the leader stepped down exactly as it lost quorum; no window to test";
    ASSERT_LT(c.sim.now() - cut, raft::Config{}.contact_window);
    auto w = c.sim.put_once(l, "a");
    auto a = c.sim.answer(w);
    EXPECT_FALSE(a) << "answered " << (a ? int(a->code) : -1)
                    << " (NoQuorum = " << int(Outcome::NoQuorum) << ") at once, "
                    << std::chrono::duration_cast<raft::Millis>(c.sim.now() - cut).count()
                    << " ms after it was cut off";
    c.run(300ms);
    c.heal();
    c.run(2s);
    EXPECT_EQ(c.code(w), Outcome::Done);
}

TEST(ExactlyOnce, writeNeverSentEndsNoQuorumAtTheDeadline) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto f = c.others({l})[0], o = c.others({l})[1];
    c.sim.crash(l);
    c.sim.crash(o);
    c.sim.restart(o, /*wipe=*/true);  // restored: neither votes nor campaigns
    ASSERT_TRUE(c.wait_for([&] { return c.core(f).leader().empty(); }, 2s));
    const auto start = c.sim.now();
    auto w = c.sim.put_once(f, "a");
    EXPECT_FALSE(c.code(w)) << "held: f hears o's link";
    c.run(4900ms);
    EXPECT_FALSE(c.code(w));
    EXPECT_EQ(c.leader(), "");
    c.run(200ms);
    auto a = c.sim.answer(w);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->code, Outcome::NoQuorum) << "nothing was sent: definitely not applied";
    EXPECT_GE(a->at - start, 5000ms);
    EXPECT_LE(a->at - start, 5001ms);
    c.sim.restart(l, false);
    c.run(2s);
    EXPECT_EQ(c.applied_at(w), 0u);
}

TEST(ExactlyOnce, writeSentButNeverCommittedEndsUnknownAtTheDeadline) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto f = c.others({l})[0];
    c.sim.faults().blocked.insert({f, l});  // f still hears l: no reason to re-send
    const auto start = c.sim.now();
    auto w = c.sim.put_once(f, "a");
    c.run(5100ms);
    auto a = c.sim.answer(w);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->code, Outcome::Unknown);
    EXPECT_LE(a->at - start, 5001ms);
    EXPECT_EQ(c.applied_at(w), 0u);
}

// A member holding a write it had sent to a leader that is gone waits for
// the next leader: it must not wake every few microseconds meanwhile. (A
// wake-up left at a retry time in the past made the simulator tick every
// 100 us; confluentd's RaftDriver::wake_at does not re-arm its timer for an
// unchanged time, so there the member would stop ticking altogether.)
TEST(ExactlyOnce, heldWriteDoesNotMakeItsMemberSpin) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto f = c.others({l})[0], o = c.others({l})[1];
    c.sim.crash(l);
    auto w = c.sim.put_once(f, "a");  // sent to l, which is gone
    c.sim.crash(o);
    c.sim.restart(o, /*wipe=*/true);  // no leader can be elected now
    const auto ticks = c.node(f).ticks;
    c.run(5100ms);
    EXPECT_EQ(c.code(w), Outcome::Unknown) << "a copy was sent";
    EXPECT_LT(c.node(f).ticks - ticks, 500u)
        << "f woke " << c.node(f).ticks - ticks << " times in 5.1 s while holding one write";
}

// Contract (proposals.cpp): "a definite failure is answered only while no
// copy can exist". Here the first copy, sent to the old leader, commits; the
// new leader refuses the re-sent copy (confluentd's validate_command refuses
// e.g. a command kind a voter it has not seen since it started may not
// decode, or a manager that was deleted meanwhile). Answering Refused
// ("nothing was changed") is wrong: the write is applied. (With
// RaftDriver's answers the proposer usually applies the first copy before
// its core re-sends the write, which hides the fault; the core alone shows it.)
TEST(ExactlyOnce, resentCopyRefusedByTheNewLeaderIsNoDefiniteFailureWhenAnEarlierCopyCommits) {
    for (bool driver : {false, true}) {
        SCOPED_TRACE(mode(driver));
        auto refuse = std::make_shared<bool>(false);
        raft::Config cfg;
        cfg.validate_command = [refuse](proto::EntryKind& kind, std::string&,
                                        const proto::Membership&) -> std::optional<std::string> {
            if (*refuse && kind == proto::EntryKind::SessionCommand)
                return std::string("refused by this test's leader");
            return std::nullopt;
        };
        Cluster c(3, 0, cfg);
        c.sim.set_driver_answers(driver);
        c.run(2s);
        const auto l = c.leader();
        const auto f = c.others({l})[0], o = c.others({l})[1];
        c.mute(l, {f});
        auto w = c.sim.put_once(f, "b");
        ASSERT_TRUE(c.wait_for(
            [&] {
                auto i = c.index_in_log(l, w);
                return i != 0 && c.core(l).commit_index() >= i && c.copies_in_log(o, w) == 1;
            },
            100ms));
        *refuse = true;
        c.isolate(l);
        // The core alone never learnt where the first copy went: it can only
        // say Unknown, at the deadline. The driver sees the copy applied.
        c.run(driver ? 3s : 6s);
        auto a = c.sim.answer(w);
        ASSERT_TRUE(a);
        EXPECT_NE(c.applied_at(w), 0u) << "the old leader's copy commits under " << o;
        EXPECT_NE(a->code, Outcome::Refused)
            << "answered 'refused; nothing was changed' but the write is applied at index "
            << c.applied_at(w);
        EXPECT_EQ(a->code, driver ? Outcome::Done : Outcome::Unknown);
    }
}

// ---- dedup across snapshots and restarts ----

TEST(ExactlyOnce, memberCaughtUpBySnapshotDropsALaterCopy) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto p = c.others({l})[0], far = c.others({l})[1];
    c.isolate(far);
    auto w = c.sim.put_once(p, "x");
    c.run(300ms);
    ASSERT_EQ(c.code(w), Outcome::Done);
    auto later = c.sim.put(l, "x");
    for (int i = 0; i < 40; ++i) c.sim.put(l, "k" + std::to_string(i));
    c.run(1s);
    ASSERT_EQ(c.code(later), Outcome::Done);
    ASSERT_GT(c.core(l).snapshot().index, c.applied_at(w));
    ASSERT_GT(c.core(l).first_index(), c.core(far).last_index() + 1) << "far needs a snapshot";
    c.heal();
    c.run(2s);
    ASSERT_GE(c.core(far).snapshot().index, c.applied_at(w)) << "far installed a snapshot";
    const auto dropped = c.sim.checker().once_copies_dropped();
    auto copy = c.sim.propose_copy(l, c.sim.once_data(w));
    c.run(500ms);
    EXPECT_EQ(c.code(copy), Outcome::Done) << "the copy commits; the state machine drops it";
    EXPECT_EQ(c.sim.checker().once_copies_dropped() - dropped, 3u);
    c.expect_applied_everywhere(w, "v" + std::to_string(later));
}

// The proposer itself is cut off after its write was appended and catches up
// by a snapshot that holds it: the core re-sends the write (its copy is in
// no log it can see), and the copy is dropped everywhere.
TEST(ExactlyOnce, proposerCaughtUpBySnapshotDropsItsOwnResentCopy) {
    for (bool driver : {true, false}) {
        SCOPED_TRACE(mode(driver));
        Cluster c(3);
        c.sim.set_driver_answers(driver);
        c.run(2s);
        const auto l = c.leader();
        const auto p = c.others({l})[0];
        c.mute(l, {p});
        auto w = c.sim.put_once(p, "x");
        ASSERT_TRUE(c.wait_for(
            [&] {
                auto i = c.index_in_log(l, w);
                return i != 0 && c.core(l).commit_index() >= i;
            },
            100ms));
        c.isolate(p);
        for (int i = 0; i < 40; ++i) c.sim.put(l, "k" + std::to_string(i));
        c.run(1s);
        ASSERT_GT(c.core(l).snapshot().index, c.applied_at(w));
        EXPECT_FALSE(c.code(w));
        c.heal();
        c.run(2s);
        EXPECT_GE(c.core(p).snapshot().index, c.applied_at(w));
        EXPECT_EQ(c.code(w), Outcome::Done);
        EXPECT_GE(c.sim.checker().once_copies_dropped(), 3u) << "its re-sent copy, on each member";
        c.expect_applied_everywhere(w);
    }
}

TEST(ExactlyOnce, restartedMemberDropsACopyWithItsTableFromItsSnapshotOrItsLog) {
    for (bool from_snapshot : {true, false}) {
        SCOPED_TRACE(from_snapshot ? "table from the snapshot" : "table from the log");
        Cluster c(3);
        c.run(2s);
        const auto l = c.leader();
        const auto p = c.others({l})[0], m = c.others({l})[1];
        auto w = c.sim.put_once(p, "x");
        c.run(300ms);
        ASSERT_EQ(c.code(w), Outcome::Done);
        auto later = c.sim.put(l, "x");
        if (from_snapshot)
            for (int i = 0; i < 40; ++i) c.sim.put(l, "k" + std::to_string(i));
        c.run(1s);
        auto ww = c.write(w);
        if (from_snapshot) {
            ASSERT_GE(c.node(m).snap.index, c.applied_at(w));
            EXPECT_TRUE(c.node(m).snap_sessions.seen(ww.session, ww.seq));
        } else {
            ASSERT_LT(c.node(m).snap.index, c.applied_at(w));
        }
        c.sim.crash(m);
        c.sim.restart(m, false);
        c.run(1s);
        const auto dropped = c.sim.checker().once_copies_dropped();
        auto copy = c.sim.propose_copy(l, c.sim.once_data(w));
        c.run(500ms);
        EXPECT_EQ(c.code(copy), Outcome::Done);
        EXPECT_EQ(c.sim.checker().once_copies_dropped() - dropped, 3u);
        c.expect_applied_everywhere(w, "v" + std::to_string(later));
    }
}

TEST(ExactlyOnce, restartedProposerStartsANewSessionAndItsOldWritesStayDeduped) {
    Cluster c(3);
    c.run(2s);
    const auto l = c.leader();
    const auto p = c.others({l})[0];
    auto w = c.sim.put_once(p, "x");
    c.run(300ms);
    ASSERT_EQ(c.code(w), Outcome::Done);
    const std::string before = c.node(p).session;
    c.sim.crash(p);
    c.sim.restart(p, false);
    EXPECT_NE(c.node(p).session, before);
    c.run(1s);  // confluentd answers writes once it has replayed the log
    auto w2 = c.sim.put_once(p, "y");
    c.run(300ms);
    EXPECT_EQ(c.code(w2), Outcome::Done);
    EXPECT_EQ(c.write(w2).seq, c.write(w).seq) << "seqs start again in the new session";
    c.expect_applied_everywhere(w2);
    // A copy of the old session's write, re-sent by a member that still had
    // it, is dropped; the new session's is applied.
    auto copy = c.sim.propose_copy(p, c.sim.once_data(w));
    c.run(500ms);
    EXPECT_EQ(c.code(copy), Outcome::Done);
    c.expect_applied_everywhere(w);
    c.expect_applied_everywhere(w2);
}

}  // namespace
