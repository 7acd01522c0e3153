// A failed fsync ends confluentd with exit status 74 (daemon/app/exit_status.hpp),
// shown on real members: one member runs the real confluentd with the fault
// injector tests/faults/failsync.c preloaded (LD_PRELOAD), which makes
// fsync/fdatasync fail with EIO once the test creates a trigger file. The
// member must log one line and stop at once, the others must go on, and the
// member must start again from what it left on disk and catch up.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/app/exit_status.hpp"
#include "daemon/util/fs.hpp"
#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void form(Cluster& c, size_t n) {
    for (size_t i = 1; i < n; ++i) c.invite_and_join(i - 1, i);
}

// From its next start, member `m` runs with the injector preloaded: its
// syncs fail with EIO while `trigger` exists, only on files whose path
// starts with `prefix` when one is given.
void preload_failsync(cc::it::Member& m, const fs::path& trigger, const std::string& prefix = "") {
    ASSERT_TRUE(fs::exists(CC_FAILSYNC)) << CC_FAILSYNC;
    m.daemon_env = {std::string("LD_PRELOAD=") + CC_FAILSYNC,
                    "CC_FAILSYNC_TRIGGER=" + trigger.string()};
    if (!prefix.empty()) m.daemon_env.push_back("CC_FAILSYNC_PATH=" + prefix);
    // In the ASan build the injector comes before the ASan runtime in the
    // library list, which ASan refuses by default; the injector is not
    // instrumented, so the order does not matter to it.
    const char* asan = std::getenv("ASAN_OPTIONS");
    m.daemon_env.push_back(std::string("ASAN_OPTIONS=") +
                           (asan && *asan ? std::string(asan) + ":" : "") +
                           "verify_asan_link_order=0");
}

void arm(const fs::path& trigger) {
    std::ofstream(trigger).put('\n');
    ASSERT_TRUE(fs::exists(trigger));
}

// The lines member `m` logged in its last run (after the harness's start marker).
std::vector<std::string> last_run(const cc::it::Member& m) {
    std::string log = m.log();
    const std::string marker = "---- confluentd start ----\n";
    auto at = log.rfind(marker);
    std::istringstream in(at == std::string::npos ? log : log.substr(at + marker.size()));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Member `m` stopped on a failed sync: exactly one "fsync failed" line in
// its last run, naming EIO, the last line it wrote. Returns that line.
std::string expect_one_fsync_line_last(const cc::it::Member& m) {
    auto lines = last_run(m);
    std::string found;
    int count = 0;
    for (const auto& l : lines) {
        EXPECT_EQ(l.find("cannot be preloaded"), std::string::npos) << l;
        if (l.find("fsync failed") != std::string::npos) {
            ++count;
            found = l;
        }
    }
    EXPECT_EQ(count, 1) << m.log();
    EXPECT_FALSE(lines.empty());
    if (!lines.empty()) {
        EXPECT_EQ(lines.back(), found) << "logged after the fsync line:\n" << m.log();
    }
    EXPECT_NE(found.find(" ERROR "), std::string::npos) << found;
    EXPECT_NE(found.find(": Input/output error; what reached the disk is unknown, so confluentd "
                         "stops now (exit status 74); check the disk, then start it again"),
              std::string::npos)
        << found;
    std::string log = m.log();
    EXPECT_TRUE(!log.empty() && log.back() == '\n') << "the line is cut short";
    return found;
}

std::string x_is(int n) {
    return "n1: custom.x: " + std::to_string(n) + "\n";
}

const std::string kThree =
    "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";

TEST(Durability, followerStopsWith74OnAFailedLogSyncAndCatchesUpAfterARestart) {
    Cluster c(3);
    fs::path trigger = c[2].root / "failsync-armed";
    preload_failsync(c[2], trigger);
    c.start_all();
    form(c, 3);
    ASSERT_EQ(c.show_until(0, kThree), kThree);

    // Unarmed, the injector lets every sync through: mgt3 follows.
    EXPECT_EQ(c.ok(0, "nodedefine", {"n1"}), "n1: created\n");
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "custom.x=0"}), "n1: 0\n");
    EXPECT_EQ(c.out_until(2, "nodeattrib", {"n1", "custom.x"}, x_is(0)), x_is(0)) << c[2].log();

    // Armed: the next entry mgt3 receives cannot be made durable.
    ASSERT_NO_FATAL_FAILURE(arm(trigger));
    auto armed = Clock::now();
    int n = 0;
    int status = -1;
    while (status < 0 && Clock::now() - armed < 10s) {
        ++n;
        // mgt1 and mgt2 are a majority: every write succeeds.
        auto r = c.run(0, "nodeattrib", {"n1", "custom.x=" + std::to_string(n)});
        EXPECT_EQ(r.status, 0) << r;
        status = c[2].wait_exit(50ms);
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - armed);
    ASSERT_EQ(status, cc::app::kExitDurabilityLost) << c[2].log();
    std::cout << "mgt3 exited " << status << " " << took.count() << " ms after arming, after " << n
              << " writes\n";
    auto line = expect_one_fsync_line_last(c[2]);
    std::cout << "its last line: " << line << "\n";
    // The log segment (or directory) it was syncing, or a cfg/ file it was writing.
    EXPECT_NE(line.find("fsync failed: cannot sync "), std::string::npos) << line;
    EXPECT_TRUE(line.find(" " + c[2].state.string() + "/") != std::string::npos ||
                line.find(" " + c[2].etc.string() + "/") != std::string::npos)
        << line;

    // The two others go on committing, and mgt1 shows mgt3 offline.
    for (int k = 0; k < 5; ++k) {
        ++n;
        EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "custom.x=" + std::to_string(n)}),
                  "n1: " + std::to_string(n) + "\n");
    }
    EXPECT_EQ(c.out_until(1, "nodeattrib", {"n1", "custom.x"}, x_is(n)), x_is(n));
    const std::string offline =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
        "Offline collective members:\n    mgt3\n";
    EXPECT_EQ(c.show_until(0, offline), offline);

    // Disarmed and started as usual: mgt3 opens what it left on disk and
    // catches up to the last value.
    fs::remove(trigger);
    c[2].daemon_env.clear();
    c[2].start();
    EXPECT_EQ(c.out_until(2, "nodeattrib", {"n1", "custom.x"}, x_is(n), 20s), x_is(n))
        << c[2].log();
    EXPECT_EQ(c.show_until(0, kThree), kThree);
    // And it takes part again: a write through it reaches mgt1.
    EXPECT_EQ(c.ok(2, "nodeattrib", {"n1", "custom.x=back"}), "n1: back\n");
    EXPECT_EQ(c.out_until(0, "nodeattrib", {"n1", "custom.x"}, "n1: custom.x: back\n"),
              "n1: custom.x: back\n");
}

// Only the term/vote file fails to sync, on mgt5 of five; the leader is
// killed, so mgt5 must save a new term (when it stands or votes) and stops
// before it votes or sends anything: its hardstate on disk is the one from
// before. The three others elect a leader and go on.
TEST(Durability, followerStopsWith74WhenItCannotSaveANewTermAndTheRestElectALeader) {
    Cluster c(5);
    fs::path trigger = c[4].root / "failsync-armed";
    // As the kernel names the file (readlink of /proc/self/fd): no symlinks.
    fs::path hardstate = fs::canonical(c[4].root) / "state" / "collective" / "hardstate";
    preload_failsync(c[4], trigger, hardstate.string());
    c.start_all();
    form(c, 5);
    EXPECT_EQ(c.ok(3, "nodedefine", {"n1"}), "n1: created\n");
    EXPECT_EQ(c.out_until(4, "nodelist", {"n1"}, "n1\n"), "n1\n") << c[4].log();
    std::string before = cc::fs::read_file(c[4].state / "collective" / "hardstate");

    // Log syncs still succeed while armed: only a term or vote change fails.
    ASSERT_NO_FATAL_FAILURE(arm(trigger));
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "custom.x=1"}), "n1: 1\n");
    EXPECT_EQ(c.out_until(4, "nodeattrib", {"n1", "custom.x"}, x_is(1)), x_is(1));
    EXPECT_TRUE(c[4].running());

    c[0].kill9();
    auto killed = Clock::now();
    int status = c[4].wait_exit(15s);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
    ASSERT_EQ(status, cc::app::kExitDurabilityLost) << c[4].log();
    std::cout << "mgt5 exited " << status << " " << took.count()
              << " ms after the leader was killed\n";
    auto line = expect_one_fsync_line_last(c[4]);
    std::cout << "its last line: " << line << "\n";
    EXPECT_NE(line.find("fsync failed: cannot sync " +
                        (c[4].state / "collective" / "hardstate.tmp").string() + ": "),
              std::string::npos)
        << line;
    // What is on disk is the term and vote from before; no leftover.
    EXPECT_EQ(cc::fs::read_file(c[4].state / "collective" / "hardstate"), before);
    EXPECT_FALSE(fs::exists(c[4].state / "collective" / "hardstate.tmp"));

    // mgt2..mgt4, three of five, elect a leader and commit.
    std::string leader;
    for (auto deadline = Clock::now() + 15s; Clock::now() < deadline && leader.empty();
         std::this_thread::sleep_for(50ms)) {
        auto r = c.run(1, "collective", {"show"});
        if (r.out.rfind("Quorum: True\nLeader: mgt", 0) == 0 &&
            r.out.find("Leader: mgt1\n") == std::string::npos)
            leader = r.out.substr(r.out.find("Leader: ") + 8, 4);
    }
    ASSERT_FALSE(leader.empty()) << c[1].log();
    EXPECT_NE(leader, "mgt5");
    EXPECT_EQ(c.ok(1, "nodeattrib", {"n1", "custom.x=2"}), "n1: 2\n");
    EXPECT_EQ(c.out_until(3, "nodeattrib", {"n1", "custom.x"}, x_is(2)), x_is(2));

    // mgt5 disarmed and back: it loads its hardstate, follows the new leader
    // and catches up.
    fs::remove(trigger);
    c[4].daemon_env.clear();
    c[4].start();
    EXPECT_EQ(c.out_until(4, "nodeattrib", {"n1", "custom.x"}, x_is(2), 20s), x_is(2))
        << c[4].log();
}

}  // namespace
