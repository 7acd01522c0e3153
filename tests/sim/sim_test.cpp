// The simulator's tests. Many seeds with faults (every safety invariant
// after every step, linearizability and liveness at the end), the failover
// time, and the mutation tests that show the simulator has teeth.
//
// Seeds: SIM_SEEDS=N (or --seeds N) runs N seeds starting at SIM_FIRST_SEED
// (or --first-seed F, default 1); SIM_SEED=S (or --seed S) replays one seed.
// Default: 2000 seeds (200 in a sanitizer build).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tests/sim/scenario.hpp"

namespace {

#ifdef CC_SANITIZED
constexpr uint64_t kDefaultSeeds = 200;
#else
constexpr uint64_t kDefaultSeeds = 2000;
#endif

uint64_t g_seeds = kDefaultSeeds;
uint64_t g_first = 1;
std::optional<uint64_t> g_only;

TEST(Sim, manySeedsWithFaultsKeepEveryInvariant) {
    uint64_t first = g_only.value_or(g_first);
    uint64_t count = g_only ? 1 : g_seeds;
    auto t0 = std::chrono::steady_clock::now();
    uint64_t events = 0, writes = 0, unknown = 0, reads = 0, too_hard = 0, stops = 0, failed = 0;
    std::vector<std::string> failures;
    uint64_t last = first;
    for (uint64_t seed = first; seed < first + count; ++seed) {
        last = seed;
        auto r = sim::run_seed(seed);
        events += r.events;
        writes += uint64_t(r.writes_ok);
        unknown += uint64_t(r.writes_unknown);
        reads += uint64_t(r.reads_ok);
        too_hard += r.lin_too_hard;
        stops += r.fatal_stops;
        failed += r.failed_writes;
        if (!r.ok) failures.push_back(r.failure);
        if (failures.size() >= 5) break;  // enough to debug; stop early
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[sim] seeds " << first << ".." << last << ": " << events << " events, " << writes
              << " acknowledged writes, " << unknown << " writes of unknown outcome, " << reads
              << " reads, " << too_hard << " histories too hard to check, " << failed
              << " failed durable writes survived, " << stops << " stops on a failed fsync, "
              << secs << " s\n";
    for (const auto& f : failures) ADD_FAILURE() << f << "\n  replay with SIM_SEED=<that seed>";
    EXPECT_EQ(too_hard, 0u);
}

TEST(Sim, failoverMedianIsUnderOneSecond) {
    for (int voters : {3, 5}) {
        std::vector<long> ms;
        for (uint64_t seed = 1; seed <= 101; ++seed) {
            auto d = sim::measure_failover(seed, voters);
            ASSERT_TRUE(d) << "no write committed after the leader crash, seed " << seed;
            ms.push_back(long(d->count()));
        }
        std::sort(ms.begin(), ms.end());
        std::cout << "[sim] failover with " << voters << " voters: median " << ms[ms.size() / 2]
                  << " ms, min " << ms.front() << " ms, max " << ms.back() << " ms\n";
        EXPECT_LT(ms[ms.size() / 2], 1000);
    }
}

// Runs one seed in a child process, so a mutation that trips one of the
// core's own aborts cannot take the test down. 1: the simulator's checker
// reported a violation; 0: the run passed; other: the child crashed.
int run_isolated(uint64_t seed, const sim::RunOptions& o) {
    pid_t pid = fork();
    if (pid == 0) {
        auto r = sim::run_seed(seed, o);
        if (!r.ok) std::cout << "[sim] mutation caught: " << r.failure << "\n" << std::flush;
        _exit(r.ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

// Mutation test 1: the leader counts non-voting members towards commit. With
// 3 voters and 2 non-voters, the leader and the two non-voters make a
// "majority" without any other voter, so an entry can be acknowledged that
// the voters never saw; after the leader crashes they elect a leader without
// it. The checker must flag leader completeness, a changed commit or a lost
// acknowledged write within a few seeds.
TEST(Sim, mutationCommitCountingNonVotersIsCaught) {
    sim::RunOptions o;
    o.mutation = raft::Mutation::CommitCountsNonVoters;
    o.members = 5;
    o.non_voters = 2;
    int caught = 0;
    for (uint64_t seed = 1; seed <= 60 && caught == 0; ++seed) caught += run_isolated(seed, o) == 1;
    EXPECT_GT(caught, 0) << "the simulator did not notice commits counted on non-voters";
}

// Mutation test 2: voters grant votes without comparing logs, so a member
// with a stale log can become leader and overwrite committed entries.
TEST(Sim, mutationVotingWithoutLogCheckIsCaught) {
    sim::RunOptions o;
    o.mutation = raft::Mutation::VoteWithoutLogCheck;
    o.members = 5;
    o.non_voters = 0;
    int caught = 0;
    for (uint64_t seed = 1; seed <= 60 && caught == 0; ++seed) caught += run_isolated(seed, o) == 1;
    EXPECT_GT(caught, 0) << "the simulator did not notice votes granted without the log check";
}

// Mutation test 3: the executor takes a failed log fsync as success, so a
// member acknowledges entries its disk may not hold. The durability check on
// every message must flag the acknowledgement.
TEST(Sim, mutationAckAfterFailedFsyncIsCaught) {
    sim::RunOptions o;
    o.executor_mutation = raft::Executor::Mutation::AckAfterFailedSync;
    o.members = 3;
    o.non_voters = 0;
    o.sync_fail = 0.05;
    o.storage_faults = false;
    int caught = 0;
    for (uint64_t seed = 1; seed <= 60 && caught == 0; ++seed) caught += run_isolated(seed, o) == 1;
    EXPECT_GT(caught, 0) << "the simulator did not notice acks sent after a failed fsync";
}

// Mutation test 4: messages go out although term and vote failed to save: a
// vote that a crash would forget, so a member could vote twice in one term.
TEST(Sim, mutationVoteWithUnsavedHardStateIsCaught) {
    sim::RunOptions o;
    o.executor_mutation = raft::Executor::Mutation::SendWithUnsavedHardState;
    o.members = 3;
    o.non_voters = 0;
    o.write_fail = 0.2;
    o.storage_faults = false;
    int caught = 0;
    for (uint64_t seed = 1; seed <= 60 && caught == 0; ++seed) caught += run_isolated(seed, o) == 1;
    EXPECT_GT(caught, 0) << "the simulator did not notice messages sent on an unsaved vote";
}

// The same runs without the mutations pass: the checks above are not noise.
TEST(Sim, storageFaultsWithoutMutationsPass) {
    for (auto [w, f] : {std::pair{0.0, 0.05}, std::pair{0.2, 0.0}}) {
        sim::RunOptions o;
        o.members = 3;
        o.non_voters = 0;
        o.write_fail = w;
        o.sync_fail = f;
        o.storage_faults = false;
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            auto r = sim::run_seed(seed, o);
            EXPECT_TRUE(r.ok) << r.failure;
        }
    }
}

uint64_t number(const char* s) {
    return std::strtoull(s, nullptr, 10);
}

}  // namespace

int main(int argc, char** argv) {
    if (const char* v = std::getenv("SIM_SEEDS")) g_seeds = number(v);
    if (const char* v = std::getenv("SIM_FIRST_SEED")) g_first = number(v);
    if (const char* v = std::getenv("SIM_SEED")) g_only = number(v);
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc)
            g_seeds = number(argv[++i]);
        else if (!std::strcmp(argv[i], "--first-seed") && i + 1 < argc)
            g_first = number(argv[++i]);
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
            g_only = number(argv[++i]);
        else
            rest.push_back(argv[i]);
    }
    int n = int(rest.size());
    rest.push_back(nullptr);  // gtest expects argv[argc] == nullptr
    testing::InitGoogleTest(&n, rest.data());
    return RUN_ALL_TESTS();
}
