// Writes held while there is no leader must not hold up the election that
// ends the wait. Ports::wake_at replaces the earlier wake-up (confluentd's
// asio timer does), so a wake-up asked for later than the election would
// push it out: writes held every 50 ms (a script's retry loop, probes) once
// kept a member from campaigning for as long as they came (13 s in the
// kill -9 fault test).
#include <gtest/gtest.h>

#include "daemon/raft/core.hpp"
#include "daemon/raft/executor.hpp"
#include "tests/unit/raft/fresh_boot.hpp"

namespace {

using namespace std::chrono_literals;

// The executor's world: a clock the test moves, one timer that each
// wake_at replaces, and the vote requests it sends.
struct Ports final : raft::Ports {
    raft::TimePoint clock = raft::TimePoint{} + 1000s;
    std::optional<raft::TimePoint> timer;
    std::vector<raft::TimePoint> vote_requests;
    std::vector<std::string> forwards_to;  // ForwardProposal destinations
    std::vector<std::pair<raft::TimePoint, raft::Outcome>> results;

    raft::TimePoint now() override { return clock; }
    void wake_at(raft::TimePoint t) override { timer = t; }
    void save_hard_state(const raft::HardState&) override {}
    void log_append(std::vector<proto::Entry>) override {}
    void log_truncate(raft::Index) override {}
    void log_compact(raft::Index) override {}
    void send(raft::Outbound m) override {
        if (std::holds_alternative<proto::VoteRequest>(m.message)) vote_requests.push_back(clock);
        if (std::holds_alternative<proto::ForwardProposal>(m.message)) forwards_to.push_back(m.to);
    }
    void apply(const proto::Entry&) override {}
    void install_snapshot(const raft::SnapshotInstall&) override {}
    std::string snapshot_bytes() override { return {}; }
    void proposal_done(const raft::ProposalResult& r) override {
        results.emplace_back(clock, r.code);
    }
    void read_done(const raft::ReadResult&) override {}
    void warn(const std::string&) override {}
    void fatal(const std::string& why) override { FAIL() << why; }
};

const proto::Membership kThree{{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
                                {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::Voter},
                                {"mgt3", "127.0.0.3:13001", "SHA256:c", proto::Role::Voter}}};

raft::BootState boot() {
    return raft_test::fresh_boot(kThree);
}

TEST(HeldWrites, arrivingEvery50msDoNotHoldUpTheElection) {
    raft::Config cfg{.self = "mgt2"};
    raft::Core core(cfg, boot(), 5);
    Ports ports;
    raft::Executor exec(core, ports, raft::HardState{}, 0);
    const raft::TimePoint start = ports.clock;
    exec.tick();
    raft::ProposalId id = 1;
    for (auto t = 0ms; t <= 3000ms && ports.vote_requests.empty(); t += 5ms) {
        ports.clock = start + t;
        if (ports.timer && *ports.timer <= ports.clock) {
            ports.timer.reset();
            exec.tick();
        }
        if (t.count() % 50 == 0) {
            exec.heard_from("mgt3");  // its link keepalives: a majority is heard
            exec.propose_once(id++, "a held write");
        }
    }
    ASSERT_FALSE(ports.vote_requests.empty()) << "no campaign in 3 s of held writes";
    EXPECT_LE(ports.vote_requests.front() - start, cfg.election_timeout_max + 10ms)
        << "the first campaign must come within an election timeout";
}

// mgt2 follows mgt1 (term 1) and hears mgt3's link until `until`, the
// driver running the core every 50 ms as its timers and the links do.
struct Follower {
    raft::Config cfg{.self = "mgt2"};
    raft::Core core{cfg, boot(), 5};
    Ports ports;
    raft::Executor exec{core, ports, raft::HardState{}, 0};

    void heartbeat() { exec.receive("mgt1", proto::AppendRequest{1, 0, 0, {}, 0, 1}); }
    void follow_until(raft::TimePoint until) {
        for (; ports.clock < until; ports.clock += 50ms) {
            heartbeat();
            exec.heard_from("mgt3");
            exec.tick();
        }
    }
};

// A member stopped longer than the contact window (SIGSTOP, a suspended VM)
// and woken by a script's write must not answer "no quorum" at once: what it
// heard before the pause says nothing of now. It holds the write until its
// leader is heard again, which sends it on.
TEST(HeldWrites, aMemberWokenFromALongPauseHoldsAWriteForItsLeader) {
    Follower f;
    f.follow_until(f.ports.clock + 1s);
    f.ports.clock += 1500ms;  // stopped: the core did not run at all
    f.exec.propose_once(1, "a write");
    EXPECT_TRUE(f.ports.results.empty()) << "answered at once after the pause";
    f.ports.clock += 20ms;
    f.heartbeat();  // its leader again
    EXPECT_EQ(f.ports.forwards_to, std::vector<std::string>{"mgt1"});
    EXPECT_TRUE(f.ports.results.empty());
}

// The same member still fails the write definitely, within one contact
// window of waking, when nobody is heard after the pause.
TEST(HeldWrites, aMemberWokenFromALongPauseThatHearsNobodyRefusesWithinAWindow) {
    Follower f;
    f.follow_until(f.ports.clock + 1s);
    f.ports.clock += 1500ms;
    const raft::TimePoint woke = f.ports.clock;
    f.exec.propose_once(1, "a write");
    for (int i = 0; i < 60 && f.ports.results.empty(); ++i) {
        f.ports.clock += 50ms;
        f.exec.tick();
    }
    ASSERT_EQ(f.ports.results.size(), 1u);
    EXPECT_EQ(f.ports.results[0].second, raft::Outcome::NoQuorum);
    EXPECT_LE(f.ports.results[0].first - woke, f.cfg.contact_window + 100ms);
    EXPECT_TRUE(f.ports.forwards_to.empty());
}

// Without a pause, a member that has heard nobody for longer than the
// window refuses at once (the quorum-loss rule): only a gap in the core's
// own running makes silence uncertain.
TEST(HeldWrites, aMemberRunningAllAlongThatHearsNobodyRefusesAtOnce) {
    Follower f;
    f.follow_until(f.ports.clock + 1s);
    for (auto t = 0ms; t < 1500ms; t += 50ms) {
        f.ports.clock += 50ms;
        f.exec.tick();
    }
    f.exec.propose_once(1, "a write");
    ASSERT_EQ(f.ports.results.size(), 1u);
    EXPECT_EQ(f.ports.results[0].second, raft::Outcome::NoQuorum);
}

}  // namespace
