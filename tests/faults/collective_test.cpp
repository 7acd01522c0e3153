// Faults on a real collective of 3 or 5 confluentd processes, each in its own
// network namespace: kill -9 of the leader, of a follower, of two of five;
// a paused leader waking up; the leader isolated while its clients keep
// writing; asymmetric partitions; quorum loss; damaged log tails; a member
// restored from the four files during load; a full disk. Every test heals
// the fault and checks the history (verify.hpp).
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <thread>

#include "tests/faults/cluster.hpp"
#include "tests/faults/disk.hpp"
#include "tests/faults/expect.hpp"
#include "tests/faults/failover.hpp"
#include "tests/faults/verify.hpp"
#include "tests/faults/workload.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using namespace cc::faults;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

WorkloadOptions load(uint64_t seed) {
    WorkloadOptions o;
    o.clients_per_member = 2;
    o.keys_per_member = 3;
    o.think = 5ms;
    o.seed = seed;
    return o;
}

size_t other_than(const Cluster& c, std::initializer_list<size_t> not_these) {
    for (size_t i = 0; i < c.size(); ++i)
        if (std::find(not_these.begin(), not_these.end(), i) == not_these.end()) return i;
    throw std::logic_error("no member left");
}

TEST(Collective3, kill9OfTheLeader_threeTimes_losesNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(21));
    w.start();
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(1s);
        size_t l = c->wait_leader();
        c->at(l).kill9();
        std::this_thread::sleep_for(1500ms);
        c->at(l).start();
        c->wait_all_follow();
    }
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.kill9Leader rounds=3", verify_after_heal(*c, w), *c);
}

// Writes arriving while the survivors elect (probes every 25 ms, each held
// for the coming leader) must not delay the election: they once kept it off
// for as long as they came, 13 s (RELIABILITY.md, bug 5). The bound is loose
// for a busy machine; a healthy failover here takes well under 100 ms.
TEST(Collective3, kill9OfTheLeader_writesHeldMeanwhileDoNotDelayTheElection) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    ASSERT_EQ(c->at(0).cli("nodedefine", {"probe"}).status, 0);
    Workload w(*c, load(23));
    w.start();
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(1s);
        auto s = measure_failover(*c);
        std::cout << "FAILOVER kill " << round + 1 << " of " << s.killed
                  << ": first_ack_ms=" << s.first_ack_ms << std::endl;
        EXPECT_LT(s.first_ack_ms, 3000.0) << "kill " << round + 1 << " of " << s.killed;
    }
    w.stop();
    expect_clean("Collective3.kill9Leader heldWrites rounds=3", verify_after_heal(*c, w), *c);
}

TEST(Collective3, kill9OfAFollower_threeTimes_losesNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(22));
    w.start();
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(1s);
        size_t f = other_than(*c, {c->wait_leader()});
        c->at(f).kill9();
        std::this_thread::sleep_for(1500ms);
        c->at(f).start();
        c->wait_all_follow();
    }
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.kill9Follower rounds=3", verify_after_heal(*c, w), *c);
}

// Found bug 2 of RELIABILITY.md (fixed in session 2): cfg/collective's
// applied_index differed between members after log compaction and restarts
// ("applied_index = 4172" vs "applied_index = 10"; same member list). Every
// member now writes the file at the index of the entry that set its member
// list, so the divergent-files check of expect_clean must find nothing.
TEST(Collective5, kill9OfTwoOfFive_includingTheLeader_keepsWorking) {
    CLUSTER_OR_SKIP(c, formed_or_null(5));
    Workload w(*c, load(23));
    w.start();
    for (int round = 0; round < 2; ++round) {
        std::this_thread::sleep_for(1s);
        size_t l = c->wait_leader();
        size_t f = other_than(*c, {l});
        c->at(l).kill9();
        c->at(f).kill9();
        auto before = w.acknowledged_writes();
        // Writes in flight through the dead leader end at the 5 s proposal
        // timeout, so the survivors' clients may all wait that long first.
        std::this_thread::sleep_for(7s);
        EXPECT_GT(w.acknowledged_writes(), before + 10) << "three of five should keep writing";
        c->at(l).start();
        c->at(f).start();
        c->wait_all_follow();
    }
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective5.kill9TwoOfFive rounds=2", verify_after_heal(*c, w), *c);
}

TEST(Collective3, pausedLeaderThatWakesUp_doesNotActAsLeader) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(24));
    w.start();
    std::this_thread::sleep_for(1s);
    size_t old = c->wait_leader();
    c->at(old).pause();
    std::this_thread::sleep_for(3s);  // the others elect a leader meanwhile
    size_t fresh = c->wait_leader();
    EXPECT_NE(fresh, old);
    c->at(old).resume();
    // Once awake it follows the new leader; the history check proves it
    // acknowledged nothing on its own in between.
    EXPECT_EQ(c->wait_all_follow(), fresh);
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.pausedLeaderWakesUp", verify_after_heal(*c, w), *c);
}

TEST(Collective3, isolatedLeader_refusesItsClientsWritesAndLosesNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(25));
    w.start();
    std::this_thread::sleep_for(1s);
    size_t l = c->wait_leader();
    c->net().isolate(l);
    auto cut = now_ns();  // once every route is in place
    auto majority_before = w.acknowledged_writes();
    // Probe writes on the isolated leader every 100 ms (its own clients may
    // sit in writes that were in flight at the cut).
    // Each probe on its own thread: one that waits does not hold up the next.
    std::vector<Op> probes(50);
    std::vector<std::thread> probers;
    for (size_t i = 0; i < probes.size(); ++i) {
        probers.emplace_back([&, i] { probes[i] = w.write_once(l); });
        std::this_thread::sleep_for(100ms);
    }
    for (auto& t : probers) t.join();
    auto healed = now_ns();
    c->net().heal();
    std::cout << "isolated leader: probes " << probes.size() << std::endl;
    EXPECT_GT(w.acknowledged_writes(), majority_before) << "the majority should keep writing";
    c->wait_all_follow();
    std::this_thread::sleep_for(1s);
    w.stop();
    // Nothing sent to the isolated leader after the cut can have reached a
    // majority before the heal: an acknowledgement would be a lie.
    size_t lied = 0;
    for (const auto& op : w.history())
        if (op.write && op.member == l && op.call_ns >= cut && op.ret_ns <= healed &&
            op.outcome == Outcome::Ok)
            ++lied;
    EXPECT_EQ(lied, 0u);
    // Once it has stepped down (check-quorum: at most 2 election timeouts),
    // every write fails at once with the reference text.
    size_t refused = 0;
    for (const auto& p : probes) {
        if (p.call_ns - cut < 1'500'000'000) continue;
        ++refused;
        EXPECT_EQ(p.outcome, Outcome::Failed) << p.error;
        EXPECT_EQ(p.error, "Collective does not have quorum");
        EXPECT_LT(p.ret_ns - p.call_ns, 1'000'000'000);
    }
    EXPECT_GT(refused, 20u);
    expect_clean("Collective3.isolatedLeader 5s probes=" + std::to_string(probes.size()),
                 verify_after_heal(*c, w), *c);
}

TEST(Collective3, asymmetricPartitions_loseNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(26));
    w.start();
    std::this_thread::sleep_for(1s);
    // The leader cannot send to one follower (that follower still reaches it).
    size_t l = c->wait_leader();
    size_t f = other_than(*c, {l});
    c->net().block(l, f);
    std::this_thread::sleep_for(3s);
    c->net().heal();
    c->wait_all_follow();
    // A follower hears nobody, but everybody hears it.
    l = c->wait_leader();
    f = other_than(*c, {l});
    for (size_t i = 0; i < c->size(); ++i) c->net().block(i, f);
    std::this_thread::sleep_for(3s);
    c->net().heal();
    c->wait_all_follow();
    // The leader hears nobody, but everybody hears it.
    l = c->wait_leader();
    for (size_t i = 0; i < c->size(); ++i) c->net().block(i, l);
    std::this_thread::sleep_for(3s);
    c->net().heal();
    c->wait_all_follow();
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.asymmetricPartitions x3", verify_after_heal(*c, w), *c);
}

TEST(Collective3, quorumLoss_refusesWritesAtOnceServesReadsAndRecoversAlone) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    ASSERT_EQ(c->at(0).cli("nodedefine", {"q1", "a=1"}).status, 0);
    size_t survivor = c->wait_leader();
    for (size_t i = 0; i < c->size(); ++i)
        if (i != survivor) c->at(i).kill9();
    auto& s = c->at(survivor);
    // collective show says so once the leader notices (check-quorum).
    auto deadline = Clock::now() + 10s;
    cc::it::CmdResult show;
    do {
        show = s.cli("collective", {"show"});
    } while (show.out.find("Quorum: False") == std::string::npos && Clock::now() < deadline);
    EXPECT_NE(show.out.find("Quorum: False"), std::string::npos) << show;
    // Writes fail within a second, with the reference text; reads answer.
    for (int i = 0; i < 5; ++i) {
        auto t0 = Clock::now();
        auto r = s.cli("nodeattrib", {"q1", "a=" + std::to_string(i + 2)});
        auto took = Clock::now() - t0;
        EXPECT_NE(r.status, 0);
        EXPECT_EQ(r.err, "Error: Collective does not have quorum\n") << r;
        EXPECT_LT(took, 1s);
    }
    auto r = s.cli("nodeattrib", {"q1", "a"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "q1: a: 1\n");
    // One member back: writes work again without any command.
    size_t back = other_than(*c, {survivor});
    c->at(back).start();
    deadline = Clock::now() + 20s;
    do {
        r = s.cli("nodeattrib", {"q1", "a=9"});
    } while (r.status != 0 && Clock::now() < deadline);
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(c->at(back).cli("nodeattrib", {"q1", "a"}).out, "q1: a: 9\n");
}

TEST(Collective3, damagedLogTailOnAFollower_isCutAndCaughtUp) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(27));
    w.start();
    for (int round = 0; round < 4; ++round) {
        std::this_thread::sleep_for(1s);
        size_t f = other_than(*c, {c->wait_leader()});
        // Its clients wait: until it catches up, its log may lack writes it
        // acknowledged (the damage took them), which the others still hold.
        w.set_enabled(f, false);
        c->at(f).kill9();
        if (round % 2 == 0)
            truncate_log_tail(c->at(f).log_dir(), 300);
        else
            flip_log_bit(c->at(f).log_dir(), 20);
        c->at(f).start();
        c->wait_all_follow();
        w.set_enabled(f, true);
    }
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.damagedLogTail truncate=2 bitflip=2", verify_after_heal(*c, w), *c);
}

TEST(Collective3, memberRestoredFromFourFilesDuringLoad_catchesUp) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(28));
    w.start();
    std::this_thread::sleep_for(2s);
    size_t f = other_than(*c, {c->wait_leader()});
    w.set_enabled(f, false);
    c->at(f).kill9();
    c->wipe_to_four_files(f);
    std::this_thread::sleep_for(1s);
    c->at(f).start();
    c->wait_all_follow();
    w.set_enabled(f, true);
    std::this_thread::sleep_for(2s);
    w.stop();
    expect_clean("Collective3.restoredFromFourFiles", verify_after_heal(*c, w), *c);
}

// Failed (refused_applied) until bug 1 of RELIABILITY.md was fixed, the bug
// Bug.fullDiskOnTheLeader_* pins down: writes refused with "nothing was
// changed" were applied.
TEST(Collective3, fullDiskOnTheLeader_othersCarryOnAndItRecovers) {
    CLUSTER_OR_SKIP(c, cluster_or_null(3));
    // mgt1 forms the collective and leads it at first.
    SmallDisk disk(c->at(0).state, 16);
    if (!disk.mounted()) SKIP_OR_FAIL("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
    c->start_all();
    c->form();
    Workload w(*c, load(29));
    w.start();
    std::this_thread::sleep_for(1s);
    disk.fill();
    auto before = w.acknowledged_writes();
    std::this_thread::sleep_for(4s);
    EXPECT_GT(w.acknowledged_writes(), before + 10) << "the other two should keep writing";
    disk.unfill();
    c->wait_all_follow();
    std::this_thread::sleep_for(1s);
    w.stop();
    EXPECT_TRUE(c->at(0).running());
    expect_clean("Collective3.fullDiskOnLeader", verify_after_heal(*c, w), *c);
}

// Lossy, slow links: everything each member sends loses 10 % of its packets
// and arrives 30 ms late, so every direction of every pair does. The kernel
// here has no netem, so the userspace links (TUN devices and a forwarder in
// this process, tun_links.hpp) do the losing and the delaying.
TEST(Collective3, packetLossAndDelay_loseNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3, Links::Userspace));
    Workload w(*c, load(30));
    // Before the fault: start() defines the workload's nodes with one write
    // that it does not retry, and that write can fail on lossy links.
    w.start();
    auto before = c->net().link_stats();
    for (size_t i = 0; i < c->size(); ++i) ASSERT_TRUE(c->net().degrade(i, 10, 30));
    std::this_thread::sleep_for(6s);
    for (size_t i = 0; i < c->size(); ++i) c->net().clear_degrade(i);
    auto after = c->net().link_stats();
    uint64_t lost = after.lost - before.lost;
    uint64_t sent = lost + after.delivered - before.delivered;
    EXPECT_GT(lost, 0u) << "the links lost nothing: the fault was not applied";
    c->wait_all_follow();
    w.stop();
    expect_clean("Collective3.packetLoss10pct.delay30ms packets_lost=" + std::to_string(lost) +
                     "/" + std::to_string(sent),
                 verify_after_heal(*c, w), *c);
}

// Without netem, loss is approximated by flapping links: every 30 ms each
// direction of each pair is cut with probability 10 % for that slot.
TEST(Collective3, flakyLinks_loseNothing) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, load(31));
    w.start();
    std::mt19937_64 rng(31);
    auto end = Clock::now() + 6s;
    size_t slots = 0;
    while (Clock::now() < end) {
        for (size_t a = 0; a < c->size(); ++a)
            for (size_t b = 0; b < c->size(); ++b) {
                if (a == b) continue;
                if (rng() % 10 == 0)
                    c->net().block(a, b);
                else
                    c->net().unblock(a, b);
            }
        ++slots;
        std::this_thread::sleep_for(30ms);
    }
    c->net().heal();
    c->wait_all_follow();
    std::this_thread::sleep_for(1s);
    w.stop();
    expect_clean("Collective3.flakyLinks 10pct slots=" + std::to_string(slots),
                 verify_after_heal(*c, w), *c);
}

}  // namespace
