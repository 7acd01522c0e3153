// Writes held while there is no leader must not hold up the election that
// ends the wait. Ports::wake_at replaces the earlier wake-up (confluentd's
// asio timer does), so a wake-up asked for later than the election would
// push it out: writes held every 50 ms (a script's retry loop, probes) once
// kept a member from campaigning for as long as they came (13 s in the
// kill -9 fault test).
#include <gtest/gtest.h>

#include "daemon/raft/core.hpp"
#include "daemon/raft/executor.hpp"

namespace {

using namespace std::chrono_literals;

// The executor's world: a clock the test moves, one timer that each
// wake_at replaces, and the vote requests it sends.
struct Ports final : raft::Ports {
    raft::TimePoint clock = raft::TimePoint{} + 1000s;
    std::optional<raft::TimePoint> timer;
    std::vector<raft::TimePoint> vote_requests;

    raft::TimePoint now() override { return clock; }
    void wake_at(raft::TimePoint t) override { timer = t; }
    void save_hard_state(const raft::HardState&) override {}
    void log_append(std::vector<proto::Entry>) override {}
    void log_truncate(raft::Index) override {}
    void log_compact(raft::Index) override {}
    void send(raft::Outbound m) override {
        if (std::holds_alternative<proto::VoteRequest>(m.message)) vote_requests.push_back(clock);
    }
    void apply(const proto::Entry&) override {}
    void install_snapshot(const raft::SnapshotInstall&) override {}
    std::string snapshot_bytes() override { return {}; }
    void proposal_done(const raft::ProposalResult&) override {}
    void read_done(const raft::ReadResult&) override {}
    void warn(const std::string&) override {}
    void fatal(const std::string& why) override { FAIL() << why; }
};

TEST(HeldWrites, arrivingEvery50msDoNotHoldUpTheElection) {
    proto::Membership three{{{"mgt1", "127.0.0.1:13001", "SHA256:a", proto::Role::Voter},
                             {"mgt2", "127.0.0.2:13001", "SHA256:b", proto::Role::Voter},
                             {"mgt3", "127.0.0.3:13001", "SHA256:c", proto::Role::Voter}}};
    raft::Config cfg{.self = "mgt2"};
    raft::Core core(cfg,
                    raft::BootState{.hard_state = raft::HardState{},
                                    .snapshot = {},
                                    .log = {},
                                    .applied = 0,
                                    .initial_membership = three},
                    5);
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

}  // namespace
