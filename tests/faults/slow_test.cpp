// The long fault tests (label `slow`): failover figures over many kills of
// the leader, and a steady write load with no fault that must never change
// leader. Their result lines feed RELIABILITY.md.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "tests/faults/cluster.hpp"
#include "tests/faults/expect.hpp"
#include "tests/faults/failover.hpp"
#include "tests/faults/verify.hpp"
#include "tests/faults/workload.hpp"

namespace {

using namespace cc::faults;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Failover, kill9OfTheLeader_elevenTimes_medianUnderOneSecond) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    ASSERT_EQ(c->at(0).cli("nodedefine", {"probe"}).status, 0);
    WorkloadOptions o;
    o.clients_per_member = 1;
    o.think = 20ms;
    o.seed = 41;
    Workload w(*c, o);
    w.start();
    std::vector<double> ack, show;
    for (int i = 0; i < 11; ++i) {
        std::this_thread::sleep_for(1s);
        auto s = measure_failover(*c);
        std::cout << "FAILOVER kill " << i + 1 << " of " << s.killed
                  << ": first_ack_ms=" << s.first_ack_ms << " show_ms=" << s.show_ms << std::endl;
        ack.push_back(s.first_ack_ms);
        show.push_back(s.show_ms);
    }
    w.stop();
    std::cout << "FAILOVER first acknowledged write: " << spread(ack) << "\n"
              << "FAILOVER collective show new leader: " << spread(show) << std::endl;
    std::sort(ack.begin(), ack.end());
    EXPECT_LT(ack[ack.size() / 2], 1000.0);
    expect_clean("Failover.kill9Leader x11", verify_after_heal(*c, w), *c);
}

TEST(SteadyLoad, sixtySecondsWithoutFaults_neverChangesLeader) {
    CLUSTER_OR_SKIP(c, formed_or_null(3));
    Workload w(*c, WorkloadOptions{});
    size_t l = c->wait_all_follow();
    auto term = c->at(l).status()->term;
    w.start();
    auto end = Clock::now() + 60s;
    size_t changes = 0, polls = 0;
    while (Clock::now() < end) {
        for (size_t i = 0; i < c->size(); ++i) {
            auto st = c->at(i).status();
            ++polls;
            if (!st || st->leader != c->at(l).name() || st->term != term || !st->quorum) {
                ++changes;
                ADD_FAILURE() << c->at(i).name() << " saw a change:\n" << c->describe();
            }
        }
        std::this_thread::sleep_for(100ms);
    }
    w.stop();
    std::cout << "STEADY 60s: polls=" << polls << " leader_or_term_changes=" << changes
              << " writes_acked=" << w.acknowledged_writes() << std::endl;
    EXPECT_EQ(changes, 0u);
    expect_clean("SteadyLoad.60s", verify_after_heal(*c, w), *c);
}

}  // namespace
