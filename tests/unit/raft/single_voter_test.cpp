// A collective of one (also the daemon's standalone mode): propose ->
// append -> persisted -> commit -> apply, reads, restarts, disk full.
#include <gtest/gtest.h>

#include "daemon/raft/core.hpp"

namespace {

using namespace std::chrono_literals;
using raft::Outcome;

proto::Membership one() {
    return {{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter}}};
}

raft::BootState fresh(std::optional<raft::HardState> hard = raft::HardState{},
                      std::vector<proto::Entry> log = {}) {
    return raft::BootState{.hard_state = std::move(hard),
                           .snapshot = {},
                           .log = std::move(log),
                           .applied = 0,
                           .initial_membership = one()};
}

// Drives one core with storage that syncs at once (or not, when told).
struct Single {
    explicit Single(raft::BootState b) : core({.self = "mgt1"}, std::move(b), 7) {}
    raft::Core core;
    raft::TimePoint now{};
    std::vector<proto::Entry> log;  // what storage holds
    std::vector<proto::Entry> applied;
    std::vector<raft::ProposalResult> results;
    std::vector<raft::ReadResult> reads;
    std::optional<raft::HardState> hard;
    bool sync = true;

    void drain() {
        for (int i = 0; i < 10; ++i) {
            auto r = core.take_ready();
            if (r.hard_state) hard = r.hard_state;
            if (r.truncate_from)
                std::erase_if(log, [&](auto& e) { return e.index >= *r.truncate_from; });
            for (auto& e : r.entries) log.push_back(e);
            EXPECT_TRUE(r.messages.empty());
            for (auto& e : r.committed) applied.push_back(e);
            for (auto& x : r.proposal_results) results.push_back(x);
            for (auto& x : r.read_results) reads.push_back(x);
            if (sync && !r.entries.empty())
                core.persisted(r.entries.back().index, r.entries.back().term, now);
            else
                return;
        }
    }
    void step(raft::Millis d = 1ms) {
        now += d;
        core.tick(now);
        drain();
    }
};

TEST(SingleVoter, leadsAtOnceAndCommitsItsNoop) {
    Single s(fresh());
    s.step();
    EXPECT_EQ(s.core.role(), raft::Role::Leader);
    ASSERT_TRUE(s.hard);
    EXPECT_EQ(s.hard->term, 1u);
    EXPECT_EQ(s.hard->voted_for, "mgt1");
    ASSERT_EQ(s.applied.size(), 1u);
    EXPECT_EQ(s.applied[0].kind, proto::EntryKind::Noop);
    EXPECT_TRUE(s.core.status(s.now).quorum);
}

TEST(SingleVoter, proposalCommitsAfterPersistAndAppliesInOrder) {
    Single s(fresh());
    s.step();
    s.sync = false;
    s.core.propose(1, "put a 1", s.now);
    s.core.propose(2, "put b 2", s.now);
    s.drain();
    EXPECT_TRUE(s.results.empty()) << "nothing may commit before storage synced it";
    EXPECT_EQ(s.core.commit_index(), 1u);
    s.core.persisted(3, 1, s.now);
    s.drain();
    ASSERT_EQ(s.results.size(), 2u);
    EXPECT_EQ(s.results[0].code, Outcome::Done);
    EXPECT_EQ(s.results[0].index, 2u);
    EXPECT_EQ(s.results[1].index, 3u);
    ASSERT_EQ(s.applied.size(), 3u);
    EXPECT_EQ(s.applied[2].data, "put b 2");
}

TEST(SingleVoter, readIndexAnswersAtTheCommitIndex) {
    Single s(fresh());
    s.step();
    s.core.propose(1, "put a 1", s.now);
    s.drain();
    s.core.read_index(9, s.now);
    s.drain();
    ASSERT_EQ(s.reads.size(), 1u);
    EXPECT_EQ(s.reads[0].code, Outcome::Done);
    EXPECT_EQ(s.reads[0].index, 2u);
}

TEST(SingleVoter, restartKeepsTheLogAndLeadsInANewTerm) {
    Single s(fresh());
    s.step();
    s.core.propose(1, "put a 1", s.now);
    s.drain();
    Single t(fresh(s.hard, s.log));
    t.step();
    EXPECT_EQ(t.core.role(), raft::Role::Leader);
    EXPECT_EQ(t.core.hard_state().term, 2u);
    ASSERT_EQ(t.applied.size(), 3u) << "the old entries are applied again from index 1";
    EXPECT_EQ(t.applied[1].data, "put a 1");
}

TEST(SingleVoter, diskFullFailsTheProposalAndStepsDown) {
    Single s(fresh());
    s.step();
    s.sync = false;
    s.core.propose(1, "put a 1", s.now);
    s.drain();
    s.core.append_failed(2, s.now);
    s.drain();
    ASSERT_EQ(s.results.size(), 1u);
    EXPECT_EQ(s.results[0].code, Outcome::Unknown);
    EXPECT_NE(s.results[0].reason.find("disk full"), std::string::npos);
    EXPECT_EQ(s.core.role(), raft::Role::Follower);
    EXPECT_EQ(s.core.last_index(), 1u);
}

TEST(SingleVoter, everyProposalEndsWithinTheTimeout) {
    Single s(fresh());
    s.step();
    s.sync = false;  // storage hangs
    s.core.propose(1, "put a 1", s.now);
    s.drain();
    for (int i = 0; i < 60 && s.results.empty(); ++i) s.step(100ms);
    ASSERT_EQ(s.results.size(), 1u);
    EXPECT_EQ(s.results[0].code, Outcome::Unknown);
}

TEST(SingleVoter, restoredMemberNeverLeadsWithoutALeaderToCatchUpFrom) {
    // Its old term and vote are gone: leading term 1 again could write a
    // different entry under an (index, term) that other members already hold.
    Single s(fresh(std::nullopt));
    for (int i = 0; i < 20; ++i) s.step(100ms);
    EXPECT_EQ(s.core.role(), raft::Role::Follower);
    ASSERT_TRUE(s.hard);
    EXPECT_TRUE(s.hard->catching_up) << "the rule must survive a crash, so it is persisted";
    s.core.propose(1, "put a 1", s.now);
    s.drain();
    ASSERT_EQ(s.results.size(), 1u);
    EXPECT_EQ(s.results[0].code, Outcome::NoQuorum);
    // The text is rendered from the outcome in one place (proto/outcome.hpp).
    EXPECT_EQ(proto::text_or_default(s.results[0].code, s.results[0].reason),
              "Collective does not have quorum");
}

}  // namespace
