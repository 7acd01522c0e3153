// Faults on a lone confluentd (a collective of one): crashes under load, a
// torn log tail, a full disk. Each test runs clients, injects the fault,
// heals it and checks the history (tests/faults/verify.hpp).
#include <gtest/gtest.h>

#include <thread>

#include "tests/faults/cluster.hpp"
#include "tests/faults/disk.hpp"
#include "tests/faults/expect.hpp"
#include "tests/faults/verify.hpp"
#include "tests/faults/workload.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using namespace cc::faults;
using namespace std::chrono_literals;

WorkloadOptions busy(uint64_t seed) {
    WorkloadOptions o;
    o.clients_per_member = 4;
    o.keys_per_member = 4;
    o.think = 2ms;
    o.seed = seed;
    return o;
}

TEST(SingleMember, kill9UnderLoad_losesNoAcknowledgedWrite) {
    Cluster c(1);
    c.start_all();
    Workload w(c, busy(11));
    w.start();
    for (int round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(700ms);
        c.at(0).kill9();
        c.at(0).start();
    }
    std::this_thread::sleep_for(500ms);
    w.stop();
    expect_clean("SingleMember.kill9UnderLoad rounds=5", verify_after_heal(c, w), c);
}

TEST(SingleMember, tornRecordAfterKill9_isCutOffAndNothingAcknowledgedIsLost) {
    Cluster c(1);
    c.start_all();
    Workload w(c, busy(12));
    w.start();
    for (int round = 0; round < 4; ++round) {
        std::this_thread::sleep_for(700ms);
        c.at(0).kill9();
        append_torn_record(c.at(0).log_dir());
        c.at(0).start();
        EXPECT_NE(c.at(0).log().rfind("WARN"), std::string::npos);
    }
    std::this_thread::sleep_for(500ms);
    w.stop();
    expect_clean("SingleMember.tornRecordAfterKill9 rounds=4", verify_after_heal(c, w), c);
}

TEST(SingleMember, fullDiskUnderLoad_refusesWritesCleanlyAndRecovers) {
    Cluster c(1);
    SmallDisk disk(c.at(0).state, 8);
    if (!disk.mounted()) SKIP_OR_FAIL("cannot mount a tmpfs here (needs CAP_SYS_ADMIN)");
    c.start_all();
    Workload w(c, busy(13));
    w.start();
    std::this_thread::sleep_for(1s);
    disk.fill();
    // The log goes on into the space preallocated for it (up to 256 KiB) before
    // an append meets the full disk: wait for the first refusal.
    auto full_until = std::chrono::steady_clock::now() + 30s;
    while (w.refused_writes() == 0 && std::chrono::steady_clock::now() < full_until)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(500ms);
    auto acked_while_full = w.acknowledged_writes();
    disk.unfill();
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (w.acknowledged_writes() < acked_while_full + 20 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    w.stop();
    // The write whose append fails says so; the lone leader then re-elects
    // itself once its disk works again, and meanwhile writes are refused
    // ("recovering from a failed log write; nothing was changed", or no
    // quorum). All are definite refusals, which the history check holds them to.
    size_t no_space = 0;
    for (const auto& op : w.history()) {
        if (!op.write || op.outcome != Outcome::Failed) continue;
        bool full = op.error.find("No space left on device") != std::string::npos;
        no_space += full;
        bool definite = op.error.find("nothing was changed") != std::string::npos ||
                        op.error == "Collective does not have quorum";
        EXPECT_TRUE(definite) << op.error;
    }
    EXPECT_GT(no_space, 0u) << "the full disk never refused a write";
    EXPECT_GE(w.acknowledged_writes(), acked_while_full + 20) << "writes did not recover";
    EXPECT_TRUE(c.at(0).running());
    expect_clean("SingleMember.fullDiskUnderLoad", verify_after_heal(c, w), c);
}

}  // namespace

namespace {

using namespace cc::faults;
using namespace std::chrono_literals;

// The harness's own teeth on real processes: cutting acknowledged records
// off a lone member's log (and its cfg/nodes, so the files cannot hide it)
// really loses writes, and the checks must say so.
TEST(SingleMember, harnessReportsLostWrites_whenAcknowledgedRecordsAreCut) {
    Cluster c(1);
    c.start_all();
    WorkloadOptions o;
    o.clients_per_member = 1;
    o.keys_per_member = 1;
    o.write_percent = 100;
    o.think = 0ms;
    Workload w(c, o);
    w.start();
    while (w.acknowledged_writes() < 30) std::this_thread::sleep_for(5ms);
    w.stop();
    c.at(0).kill9();
    truncate_log_tail(c.at(0).log_dir(), 500);
    std::filesystem::remove(c.at(0).cfg() / "nodes");
    c.at(0).start();
    auto v = verify_after_heal(c, w);
    std::cout << "harness teeth: " << v.summary() << std::endl;
    EXPECT_GT(v.lost, 0u);
    EXPECT_NE(v.linearizable, "yes");
}

}  // namespace
