// Issue 11: a flood of idle and garbage connections to the collective (SSH)
// port, from 100 loopback source addresses, against three real members. The
// members refuse what is over their pre-authentication limits at once and
// close the rest at the login grace time (3 s here), so the flood stays
// bounded in threads, descriptors and time; meanwhile writes keep
// committing, and a member restarted in the middle of it rejoins within 10 s.
// The flood only connects to this test's own members (127.0.R.10-12:13001).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/collective/cluster.hpp"
#include "tests/collective/flooder.hpp"

namespace {

using cc::ct::Cluster;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// "Threads:" or the open descriptors of a running daemon.
size_t proc_threads(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
    return 0;
}
size_t proc_fds(pid_t pid) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        ++n;
    return n;
}

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST(Flood, idleAndGarbageConnectionsNeitherStopWritesNorKeepARestartedMemberOut) {
    size_t nofile = cc::ct::raise_nofile(4096);
    ASSERT_GE(nofile, 1200u) << "the test needs ~1,200 descriptors (ulimit -Hn)";
    Cluster c(3);
    for (size_t i = 0; i < 3; ++i) {  // the [collective] table is the file's last
        std::ofstream(c[i].etc / "confluent.toml", std::ios::app) << "login_grace_time = 3\n";
    }
    c.start_all();
    for (size_t i = 1; i < 3; ++i) c.invite_and_join(0, i);
    c.ok(0, "nodedefine", {"n1"});

    std::vector<cc::ct::Flooder::Target> targets;
    for (size_t i = 0; i < 3; ++i) targets.push_back({c.address(i), 13001});
    auto flood_start = Clock::now();
    cc::ct::Flooder flood(targets, 10, 100, std::min<size_t>(1500, nofile - 300), 400);
    std::this_thread::sleep_for(2s);

    // Writes on mgt1 in a loop, each one must commit.
    std::atomic<bool> stop_writes{false};
    std::atomic<int> last_ok{0}, failures{0};
    std::string first_failure;
    std::thread writer([&] {
        for (int i = 1; !stop_writes; ++i) {
            auto r = c[0].cli("nodeattrib", {"n1", "flood.counter=" + std::to_string(i)});
            if (r.status == 0) {
                last_ok = i;
            } else if (failures++ == 0) {
                first_failure = r.err;
            }
        }
    });

    size_t max_threads = 0, max_fds = 0;
    auto sample = [&] {
        for (size_t i = 0; i < 3; ++i) {
            if (!c[i].running()) continue;
            max_threads = std::max(max_threads, proc_threads(c[i].pid()));
            max_fds = std::max(max_fds, proc_fds(c[i].pid()));
        }
    };
    for (int k = 0; k < 4; ++k) {
        std::this_thread::sleep_for(1s);
        sample();
    }

    // Restart mgt3 mid-flood: it must see the leader and catch up within 10 s.
    EXPECT_EQ(c[2].stop(), 0);
    auto restart = Clock::now();
    c.start(2);
    const int written_before = last_ok;
    std::string show;
    bool leader_seen = false;
    while (since(restart) < 10 && !leader_seen) {
        show = c.run(2, "collective", {"show"}).out;
        leader_seen = std::regex_search(show, std::regex("Leader: mgt[12]\n"));
        if (!leader_seen) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(leader_seen) << show;
    bool caught_up = false;
    std::string attr;
    while (since(restart) < 10 && !caught_up) {
        attr = c.run(2, "nodeattrib", {"n1", "flood.counter"}).out;
        std::smatch m;
        caught_up = std::regex_search(attr, m, std::regex("flood.counter: (\\d+)")) &&
                    std::stoi(m[1]) >= written_before;
        if (!caught_up) std::this_thread::sleep_for(100ms);
    }
    double rejoin_s = since(restart);
    EXPECT_TRUE(caught_up) << "mgt3 shows " << attr << ", " << written_before
                           << " was committed before its restart";
    EXPECT_LT(rejoin_s, 10.0);

    while (since(flood_start) < 20) {
        std::this_thread::sleep_for(1s);
        sample();
    }
    stop_writes = true;
    writer.join();
    auto stats = flood.stop();
    double flood_s = since(flood_start);

    std::cout << "flood: " << stats.connected << " connections in " << flood_s << " s ("
              << stats.closed_by_server << " closed by the members, " << stats.refused
              << " refused), longest life " << stats.longest_life_s << " s, oldest open "
              << stats.oldest_open_s << " s; members peaked at " << max_threads << " threads, "
              << max_fds << " descriptors; " << last_ok << " writes, " << failures
              << " failed; mgt3 rejoined in " << rejoin_s << " s\n";
    EXPECT_GE(stats.connected, 2000u);
    EXPECT_EQ(failures, 0) << first_failure;
    EXPECT_GE(last_ok, 10);
    // Bounded in time: the login grace (3 s) plus scheduling slack.
    EXPECT_LT(stats.longest_life_s, 6.0);
    EXPECT_LT(stats.oldest_open_s, 6.0)
        << "oldest open: " << stats.oldest_open << "; members at " << c.address(0) << ", "
        << c.address(1) << ", " << c.address(2) << " (mgt3 restarted)";
    // Bounded in count: 64 unauthenticated connections from non-members plus
    // the daemon's own threads, whatever the flood's 1,500.
    EXPECT_LT(max_threads, 160u);
    EXPECT_LT(max_fds, 400u);
    EXPECT_TRUE(c[2].log().find("SSH listener: refused") != std::string::npos);
}

}  // namespace
