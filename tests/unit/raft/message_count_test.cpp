// How many messages a write costs: a follower answers new entries once,
// when they are durable (not also on receipt), and a leader under load lets
// commit indexes ride on its appends instead of sending a notice per commit,
// while an idle follower, and one that forwarded the committed write, are
// still told at once.
#include <gtest/gtest.h>

#include "daemon/raft/core.hpp"
#include "tests/unit/raft/fresh_boot.hpp"

namespace {

using namespace std::chrono_literals;

proto::Membership three_voters() {
    return {{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
             {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::Voter},
             {"mgt3", "127.0.0.3:13001", "SHA256:c", proto::Role::Voter}}};
}

raft::Core make_core(const std::string& self,
                     size_t inflight = raft::Config{}.max_inflight_appends) {
    raft::Config cfg{.self = self};
    cfg.max_inflight_appends = inflight;
    return raft::Core(cfg, raft_test::fresh_boot(three_voters()), 11);
}

template <class T>
std::vector<T> sent_to(const raft::Ready& r, const std::string& to) {
    std::vector<T> out;
    for (const auto& m : r.messages)
        if (const auto* x = std::get_if<T>(&m.message); x && m.to == to) out.push_back(*x);
    return out;
}

// mgt1 elected by mgt2's and mgt3's votes; each follower holds everything it
// was sent and answers only when the test says so.
struct Leader {
    explicit Leader(size_t inflight = raft::Config{}.max_inflight_appends)
        : core(make_core("mgt1", inflight)) {}
    raft::Core core;
    raft::TimePoint now{};

    raft::Ready take() {
        auto r = core.take_ready();
        if (!r.entries.empty()) core.persisted(r.entries.back().index, r.entries.back().term, now);
        return r;
    }
    void ack(const std::string& from, const proto::AppendRequest& a) {
        core.receive(
            from,
            proto::AppendResponse{a.term, true, a.prev_log_index + a.entries.size(), 0, a.seq},
            now);
    }
    void start() {
        for (int i = 0; i < 200 && core.status(now).role != raft::Role::Leader; ++i) {
            now += 10ms;
            core.tick(now);
            auto r = take();
            for (const char* f : {"mgt2", "mgt3"}) {
                for (const auto& v : sent_to<proto::VoteRequest>(r, f))
                    core.receive(f, proto::VoteResponse{v.term, true, v.pre_vote}, now);
                for (const auto& a : sent_to<proto::AppendRequest>(r, f)) ack(f, a);
            }
        }
        ASSERT_EQ(core.status(now).role, raft::Role::Leader);
        // The new term's no-op, and anything else, answered by both.
        for (int i = 0; i < 5; ++i) {
            auto r = take();
            if (r.messages.empty()) break;
            for (const char* f : {"mgt2", "mgt3"})
                for (const auto& a : sent_to<proto::AppendRequest>(r, f)) ack(f, a);
        }
    }
    // The commit index a follower is told without new entries.
    std::vector<uint64_t> commit_notices(const raft::Ready& r, const std::string& to) {
        std::vector<uint64_t> out;
        for (const auto& a : sent_to<proto::AppendRequest>(r, to))
            if (a.entries.empty()) out.push_back(a.leader_commit);
        return out;
    }
};

TEST(MessageCount, aFollowerAnswersNewEntriesOnceWhenTheyAreDurable_andAHeartbeatAtOnce) {
    raft::Core f = make_core("mgt2");
    raft::TimePoint now{};
    proto::Entry e1{1, 1, proto::EntryKind::Command, "a"};
    proto::Entry e2{1, 2, proto::EntryKind::Command, "b"};
    f.receive("mgt1", proto::AppendRequest{1, 0, 0, {e1, e2}, 0, 5}, now);
    auto r = f.take_ready();
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_TRUE(sent_to<proto::AppendResponse>(r, "mgt1").empty())
        << "an answer before the entries are durable says nothing new";

    // A heartbeat meanwhile is answered at once (read index rounds wait for it).
    f.receive("mgt1", proto::AppendRequest{1, 0, 0, {}, 0, 6}, now);
    r = f.take_ready();
    auto hb = sent_to<proto::AppendResponse>(r, "mgt1");
    ASSERT_EQ(hb.size(), 1u);
    EXPECT_EQ(hb[0].seq, 6u);
    EXPECT_EQ(hb[0].match_index, 0u);

    f.persisted(2, 1, now);
    r = f.take_ready();
    auto acks = sent_to<proto::AppendResponse>(r, "mgt1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_TRUE(acks[0].success);
    EXPECT_EQ(acks[0].match_index, 2u);
    EXPECT_EQ(acks[0].seq, 6u) << "the durable answer carries the newest seq heard";

    // A heartbeat that arrives while new entries wait to be written, before
    // the driver took them, is answered at once too.
    proto::Entry e3{1, 3, proto::EntryKind::Command, "c"};
    f.receive("mgt1", proto::AppendRequest{1, 2, 1, {e3}, 2, 8}, now);
    f.receive("mgt1", proto::AppendRequest{1, 2, 1, {}, 2, 9}, now);
    r = f.take_ready();
    ASSERT_EQ(r.entries.size(), 1u);
    hb = sent_to<proto::AppendResponse>(r, "mgt1");
    ASSERT_EQ(hb.size(), 1u);
    EXPECT_EQ(hb[0].seq, 9u);
    EXPECT_EQ(hb[0].match_index, 2u);
    f.persisted(3, 1, now);
    acks = sent_to<proto::AppendResponse>(f.take_ready(), "mgt1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].match_index, 3u);

    // Entries it already holds are answered at once.
    f.receive("mgt1", proto::AppendRequest{1, 0, 0, {e1, e2}, 3, 10}, now);
    r = f.take_ready();
    acks = sent_to<proto::AppendResponse>(r, "mgt1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].match_index, 3u);
    EXPECT_EQ(acks[0].seq, 10u);
}

TEST(MessageCount, anAnswerNeverCarriesTheSeqOfAnEarlierTermOfTheSameLeader) {
    raft::Core f = make_core("mgt2");
    raft::TimePoint now{};
    proto::Entry e1{1, 1, proto::EntryKind::Command, "a"};
    f.receive("mgt1", proto::AppendRequest{1, 0, 0, {e1}, 0, 500}, now);
    f.take_ready();
    f.persisted(1, 1, now);
    auto acks = sent_to<proto::AppendResponse>(f.take_ready(), "mgt1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].seq, 500u);
    // mgt1 re-elected in term 2 (this member missed the vote): its seq
    // starts again, and so must what this member says it heard.
    f.receive("mgt1", proto::AppendRequest{2, 1, 1, {}, 1, 1}, now);
    acks = sent_to<proto::AppendResponse>(f.take_ready(), "mgt1");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks[0].term, 2u);
    EXPECT_EQ(acks[0].seq, 1u);
}

TEST(MessageCount, underLoadCommitsRideOnAppends_andTheLastCommitIsToldWithinTheNoticeDelay) {
    Leader l(8);  // pipelined: B leaves while A is in flight
    l.start();
    l.core.propose(1, "a", l.now);
    auto ra = l.take();  // A leaves for both
    l.core.propose(2, "b", l.now);
    auto rb = l.take();  // B leaves for both, A not committed yet
    auto a2 = sent_to<proto::AppendRequest>(ra, "mgt2");
    auto b2 = sent_to<proto::AppendRequest>(rb, "mgt2");
    ASSERT_EQ(a2.size(), 1u);
    ASSERT_EQ(b2.size(), 1u);

    l.ack("mgt2", a2[0]);  // A commits; B is still on its way
    auto r = l.take();
    EXPECT_TRUE(l.commit_notices(r, "mgt2").empty());
    EXPECT_TRUE(l.commit_notices(r, "mgt3").empty())
        << "B's commit will be told, and A's with it: no notice per commit under load";

    l.ack("mgt2", b2[0]);  // B commits: nothing left in flight
    r = l.take();
    EXPECT_TRUE(l.commit_notices(r, "mgt2").empty()) << "a next write may carry it";
    l.now += raft::Config{}.commit_notice_delay;
    l.core.tick(l.now);
    r = l.take();
    const uint64_t commit = l.core.status(l.now).commit_index;
    EXPECT_EQ(l.commit_notices(r, "mgt2"), std::vector<uint64_t>{commit});
    EXPECT_EQ(l.commit_notices(r, "mgt3"), std::vector<uint64_t>{commit})
        << "an idle follower learns of the last commit within the notice delay";
}

// One client writing in a loop (its next write a moment after the answer
// to the last): each commit rides on the next write's append, and only the
// last one is told by a notice, once the loop stops.
TEST(MessageCount, aClientWritingInALoopCostsNoCommitNoticePerWrite) {
    Leader l;
    l.start();
    l.core.tick(l.now);  // the periodic heartbeat, due since the election: out of the way
    l.take();
    size_t notices = 0;
    for (uint64_t id = 1; id <= 10; ++id) {
        l.core.propose(id, "w", l.now);
        auto r = l.take();
        notices += l.commit_notices(r, "mgt2").size() + l.commit_notices(r, "mgt3").size();
        for (const char* f : {"mgt2", "mgt3"})
            for (const auto& a : sent_to<proto::AppendRequest>(r, f)) l.ack(f, a);
        r = l.take();  // committed: the client is answered
        notices += l.commit_notices(r, "mgt2").size() + l.commit_notices(r, "mgt3").size();
        l.now += 300us;  // the client's next write
        l.core.tick(l.now);
    }
    EXPECT_EQ(notices, 0u);
    l.now += raft::Config{}.commit_notice_delay;
    l.core.tick(l.now);
    auto r = l.take();
    const uint64_t commit = l.core.status(l.now).commit_index;
    EXPECT_EQ(l.commit_notices(r, "mgt2"), std::vector<uint64_t>{commit});
    EXPECT_EQ(l.commit_notices(r, "mgt3"), std::vector<uint64_t>{commit});
}

// With one append in flight (the default), B waits for mgt3's answer to A:
// mgt3 still learns at once that its write committed.
TEST(MessageCount, aFollowerThatForwardedTheCommittedWriteIsToldAtOnceUnderLoad) {
    Leader l;
    l.start();
    l.core.receive("mgt3",
                   proto::ForwardProposal{l.core.status(l.now).term, 99, 1 << 8,
                                          proto::EntryKind::Command, "from mgt3"},
                   l.now);
    auto ra = l.take();
    l.core.propose(2, "b", l.now);
    auto rb = l.take();
    auto a2 = sent_to<proto::AppendRequest>(ra, "mgt2");
    ASSERT_EQ(a2.size(), 1u);
    ASSERT_EQ(a2[0].entries.size(), 1u);
    EXPECT_EQ(a2[0].entries[0].data, "from mgt3");

    l.ack("mgt2", a2[0]);  // mgt3's write commits; B is still on its way
    auto r = l.take();
    const uint64_t commit = l.core.status(l.now).commit_index;
    EXPECT_EQ(commit, a2[0].entries[0].index);
    EXPECT_EQ(l.commit_notices(r, "mgt3"), std::vector<uint64_t>{commit})
        << "mgt3 answers its client when it applies its write";
    EXPECT_TRUE(l.commit_notices(r, "mgt2").empty());
}

}  // namespace
