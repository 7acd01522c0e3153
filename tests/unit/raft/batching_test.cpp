// How the leader batches appends: the commands proposed between two Readies
// leave in one append request per follower, and a non-voting member has one
// append request in flight at a time (what it missed meanwhile follows in the
// next one) and, while it keeps up, is sent entries at most once per
// Config::nonvoter_append_interval, so that extra non-voters cost the
// collective little. A non-voter catching up, or waiting for an entry to
// answer its own client (a write it forwarded, a read), is never paced.
#include <gtest/gtest.h>

#include <map>

#include "daemon/raft/core.hpp"
#include "tests/unit/raft/fresh_boot.hpp"

namespace {

using namespace std::chrono_literals;

// mgt1 votes alone (so it leads by itself); mgt2 follows without a vote.
proto::Membership voter_and_nonvoter() {
    return {{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
             {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::NonVoter}}};
}

raft::Config leader_config(size_t max_batch_bytes) {
    raft::Config cfg{.self = "mgt1"};
    cfg.max_batch_bytes = max_batch_bytes;
    return cfg;
}

const auto interval = raft::Config{}.nonvoter_append_interval;

struct Leader {
    explicit Leader(size_t max_batch_bytes = raft::Config{}.max_batch_bytes)
        : core(leader_config(max_batch_bytes), raft_test::fresh_boot(voter_and_nonvoter()), 7) {}
    raft::Core core;
    raft::TimePoint now{};

    // Takes one Ready (storage syncs at once) and returns the append
    // requests carrying entries it sends to mgt2 (all of them during start).
    bool heartbeats_too = true;
    std::vector<proto::AppendRequest> take() {
        auto r = core.take_ready();
        if (!r.entries.empty()) core.persisted(r.entries.back().index, r.entries.back().term, now);
        std::vector<proto::AppendRequest> out;
        for (auto& m : r.messages)
            if (auto* a = std::get_if<proto::AppendRequest>(&m.message); a && m.to == "mgt2")
                if (heartbeats_too || !a->entries.empty()) out.push_back(*a);
        return out;
    }
    // mgt2 answers an append request: it holds everything it was sent.
    void ack(const proto::AppendRequest& a) {
        proto::AppendResponse resp{a.term, true, a.prev_log_index + a.entries.size(), 0, a.seq};
        core.receive("mgt2", resp, now);
    }
    // Elected, mgt2 answered everything it was sent, nothing in flight.
    void start() {
        for (int i = 0; i < 100 && core.status(now).role != raft::Role::Leader; ++i) {
            now += 10ms;
            core.tick(now);
            for (auto& a : take()) ack(a);
        }
        ASSERT_EQ(core.status(now).role, raft::Role::Leader);
        for (int i = 0; i < 5; ++i) {
            auto sent = take();
            if (sent.empty()) break;
            for (auto& a : sent) ack(a);
        }
        ASSERT_TRUE(take().empty());
        heartbeats_too = false;
        // Quiet for an interval: the next entries are not paced.
        now += interval;
    }
    // One write sent and answered, a second one proposed: that one waits
    // for the pace. Returns the first write's append.
    proto::AppendRequest second_write_paced() {
        core.propose(1, "c1", now);
        auto sent = take();
        EXPECT_EQ(sent.size(), 1u);
        ack(sent.at(0));
        core.propose(2, "c2", now);
        EXPECT_TRUE(take().empty()) << "paced";
        return sent.at(0);
    }
    // Time passes to t: the core is ticked at each wake-up it asks for.
    std::vector<proto::AppendRequest> wait_until(raft::TimePoint t) {
        std::vector<proto::AppendRequest> out;
        while (now < t) {
            auto r = core.take_ready();
            if (!r.entries.empty())
                core.persisted(r.entries.back().index, r.entries.back().term, now);
            for (auto& m : r.messages)
                if (auto* a = std::get_if<proto::AppendRequest>(&m.message);
                    a && m.to == "mgt2" && !a->entries.empty())
                    out.push_back(*a);
            now = std::min(t, std::max(r.next_wakeup, now + 1ms));
            core.tick(now);
        }
        for (auto& a : take()) out.push_back(a);
        return out;
    }
};

TEST(Batching, commandsProposedBetweenTwoReadiesLeaveInOneAppend) {
    Leader l;
    l.start();
    for (raft::ProposalId id = 1; id <= 5; ++id)
        l.core.propose(id, "c" + std::to_string(id), l.now);
    auto sent = l.take();
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(sent[0].entries.size(), 5u);
    EXPECT_EQ(sent[0].entries[0].data, "c1");
    EXPECT_EQ(sent[0].entries[4].data, "c5");
}

TEST(Batching, aNonVoterHasOneAppendInFlightAndGetsTheRestOnItsAnswer) {
    Leader l;
    l.start();
    l.core.propose(1, "c1", l.now);
    auto first = l.take();
    ASSERT_EQ(first.size(), 1u);
    // Proposed while the first is unanswered: nothing goes to mgt2 yet ...
    for (raft::ProposalId id = 2; id <= 4; ++id) {
        l.core.propose(id, "c" + std::to_string(id), l.now);
        EXPECT_TRUE(l.take().empty());
    }
    // ... and its answer brings all three in one append, an interval after
    // the first (no sooner: it keeps up).
    l.ack(first[0]);
    EXPECT_TRUE(l.take().empty());
    auto second = l.wait_until(l.now + interval);
    ASSERT_EQ(second.size(), 1u);
    ASSERT_EQ(second[0].entries.size(), 3u);
    EXPECT_EQ(second[0].entries[0].data, "c2");
    EXPECT_EQ(second[0].prev_log_index, first[0].prev_log_index + 1);
    // Committed on the voter alone: the non-voter's pace never held a write.
    EXPECT_EQ(l.core.status(l.now).commit_index, second[0].entries.back().index);
}

TEST(Batching, aNonVoterThatKeepsUpIsSentEntriesOncePerInterval_andNeverLaterThanThat) {
    Leader l;
    l.start();
    const auto begin = l.now;
    std::map<std::string, raft::TimePoint> proposed;
    size_t appends = 0;
    raft::ProposalId id = 0;
    // A write every millisecond for 20 intervals; mgt2 answers each append
    // half a millisecond after it is sent.
    while (l.now < begin + 20 * interval) {
        std::string c = "c" + std::to_string(++id);
        proposed[c] = l.now;
        l.core.propose(id, c, l.now);
        l.now += 500us;
        for (auto& a : l.wait_until(l.now)) {
            ++appends;
            for (const auto& e : a.entries) {
                ASSERT_TRUE(proposed.count(e.data)) << e.data;
                EXPECT_LE(l.now - proposed[e.data], interval + 1ms) << e.data << " waited too long";
            }
            l.ack(a);
        }
        for (auto& a : l.wait_until(l.now + 500us)) {
            ++appends;
            l.ack(a);
        }
    }
    EXPECT_LE(appends, 21u) << "one append per interval, not per write";
    EXPECT_GE(appends, 19u);
}

TEST(Batching, aNonVoterCatchingUpIsNotPaced) {
    Leader l(200);  // an append holds about three of these commands
    l.start();
    for (raft::ProposalId id = 1; id <= 12; ++id)
        l.core.propose(id, std::string(50, char('a' + id)), l.now);
    size_t appends = 0;
    for (auto sent = l.take(); !sent.empty(); sent = l.take()) {
        ASSERT_EQ(sent.size(), 1u);
        ++appends;
        l.ack(sent[0]);
    }
    EXPECT_EQ(appends, 4u) << "each answer brings the next append at once";
}

TEST(Batching, aWriteForwardedByANonVoterIsSentToItAtOnce) {
    Leader l;
    l.start();
    auto first = l.second_write_paced();
    l.core.receive("mgt2",
                   proto::ForwardProposal{first.term, 42, 1, proto::EntryKind::Command, "mine"},
                   l.now);
    auto sent = l.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].entries.back().data, "mine");
}

TEST(Batching, aReadOnANonVoterGetsWhatItLacksAtOnce) {
    Leader l;
    l.start();
    auto first = l.second_write_paced();
    const auto index = l.core.status(l.now).commit_index;
    l.core.receive("mgt2", proto::ReadIndexRequest{first.term, 42, 7}, l.now);
    auto r = l.core.take_ready();
    bool replied = false;
    bool entries = false;
    for (const auto& m : r.messages) {
        if (const auto* x = std::get_if<proto::ReadIndexReply>(&m.message)) {
            EXPECT_TRUE(x->ok);
            EXPECT_EQ(x->index, index);
            replied = true;
        }
        if (const auto* a = std::get_if<proto::AppendRequest>(&m.message);
            a && m.to == "mgt2" && !a->entries.empty()) {
            EXPECT_EQ(a->entries.back().data, "c2");
            EXPECT_GE(a->leader_commit, index);
            entries = true;
        }
    }
    EXPECT_TRUE(replied);
    EXPECT_TRUE(entries) << "the read waits for c2: it is sent without waiting for the pace";
}

// Ten non-voters sent their batches at the same moment were all busy with
// them at once, and the writes meanwhile waited (twice the p99): after the
// first entries of a run, the k-th of n waits (k+1)/n of the interval.
TEST(Batching, nonVotersGetTheirBatchesAtStaggeredMoments) {
    proto::Membership members{{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
                               {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::NonVoter},
                               {"mgt3", "127.0.0.3:13001", "SHA256:c", proto::Role::NonVoter}}};
    raft::Core core({.self = "mgt1"}, raft_test::fresh_boot(members), 7);
    raft::TimePoint now{};
    std::map<std::string, std::vector<raft::TimePoint>> got;  // when entries were sent
    raft::ProposalId id = 0;
    auto step = [&](bool write) {
        if (write && core.status(now).role == raft::Role::Leader) {
            ++id;
            core.propose(id, "c" + std::to_string(id), now);
        }
        for (int round = 0; round < 3; ++round) {
            auto r = core.take_ready();
            if (!r.entries.empty())
                core.persisted(r.entries.back().index, r.entries.back().term, now);
            for (const auto& m : r.messages) {
                const auto* a = std::get_if<proto::AppendRequest>(&m.message);
                if (!a) continue;
                if (!a->entries.empty()) got[m.to].push_back(now);
                core.receive(m.to,
                             proto::AppendResponse{
                                 a->term, true, a->prev_log_index + a->entries.size(), 0, a->seq},
                             now);
            }
        }
        now += 1ms;
        core.tick(now);
    };
    for (int i = 0; i < 1000 && core.status(now).role != raft::Role::Leader; ++i) step(false);
    ASSERT_EQ(core.status(now).role, raft::Role::Leader);
    for (auto until = now + 2 * interval; now < until;) step(false);  // quiet
    got.clear();
    const auto start = now;
    while (now < start + 4 * interval + 1ms) step(true);  // a write every millisecond
    ASSERT_GE(got["mgt2"].size(), 4u);
    ASSERT_GE(got["mgt3"].size(), 4u);
    EXPECT_EQ(got["mgt2"][0], start) << "the first entries of a run go at once";
    EXPECT_EQ(got["mgt3"][0], start);
    EXPECT_EQ(got["mgt2"][1] - start, interval / 2);
    EXPECT_EQ(got["mgt3"][1] - start, interval);
    for (const char* nv : {"mgt2", "mgt3"})
        for (size_t i = 2; i < got[nv].size(); ++i)
            EXPECT_EQ(got[nv][i] - got[nv][i - 1], interval) << nv << " batch " << i;
}

}  // namespace
