// How the leader batches appends: the commands proposed between two Readies
// leave in one append request per follower, and a non-voting member has one
// append request in flight at a time (what it missed meanwhile follows in the
// next one), so that extra non-voters cost the collective little.
#include <gtest/gtest.h>

#include "daemon/raft/core.hpp"

namespace {

using namespace std::chrono_literals;

// mgt1 votes alone (so it leads by itself); mgt2 follows without a vote.
proto::Membership voter_and_nonvoter() {
    return {{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
             {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::NonVoter}}};
}

struct Leader {
    Leader()
        : core({.self = "mgt1"},
               raft::BootState{.hard_state = raft::HardState{},
                               .snapshot = {},
                               .log = {},
                               .applied = 0,
                               .initial_membership = voter_and_nonvoter()},
               7) {}
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
    // ... and its answer brings all three in one append.
    l.ack(first[0]);
    auto second = l.take();
    ASSERT_EQ(second.size(), 1u);
    ASSERT_EQ(second[0].entries.size(), 3u);
    EXPECT_EQ(second[0].entries[0].data, "c2");
    EXPECT_EQ(second[0].prev_log_index, first[0].prev_log_index + 1);
    // Committed on the voter alone: the non-voter's pace never held a write.
    EXPECT_EQ(l.core.status(l.now).commit_index, second[0].entries.back().index);
}

}  // namespace
