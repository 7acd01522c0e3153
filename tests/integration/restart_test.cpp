// Crash, restart and file-damage behaviour of a real confluentd.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "tests/integration/harness.hpp"

namespace {

using cc::it::CmdResult;
using cc::it::Member;
namespace fs = std::filesystem;

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << s;
}

std::string value_of(const Member& m, const std::string& node, const std::string& attr) {
    auto r = m.cli("nodeattrib", {node, attr});
    EXPECT_EQ(r.status, 0) << r.err;
    auto prefix = node + ": " + attr + ": ";
    if (r.out.rfind(prefix, 0) != 0) return "<" + r.out + ">";
    return r.out.substr(prefix.size(), r.out.size() - prefix.size() - 1);
}

TEST(Restart, kill9AfterConcurrentAcknowledgedWrites_losesNone) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n[1-8]"}).status, 0);
    constexpr int kClients = 8;
    std::atomic<bool> stop{false};
    std::vector<std::atomic<int>> acked(kClients);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 1; !stop; ++i) {
                auto r =
                    m.cli("nodeattrib", {"n" + std::to_string(c + 1), "seq=" + std::to_string(i)});
                if (r.status != 0) return;  // the daemon died under us
                acked[c] = i;
            }
        });
    }
    // Let every client get some writes acknowledged, then crash the daemon.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (bool all = false; !all && std::chrono::steady_clock::now() < deadline;) {
        all = true;
        for (int c = 0; c < kClients; ++c) all = all && acked[c] >= 5;
        std::this_thread::yield();
    }
    m.kill9();
    stop = true;
    for (auto& t : clients) t.join();
    m.start();
    for (int c = 0; c < kClients; ++c) {
        auto v = value_of(m, "n" + std::to_string(c + 1), "seq");
        // The last acknowledged write, or a later one that was in flight.
        EXPECT_GE(std::stoi(v), acked[c]) << "client " << c;
    }
}

TEST(Restart, replaysTheLogOverOlderCfgFiles) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1", "a=1"}).status, 0);
    ASSERT_EQ(m.stop(), 0);
    auto old_nodes = read(m.cfg() / "nodes");
    ASSERT_NE(old_nodes.find("n1"), std::string::npos);
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n2", "a=2"}).status, 0);
    ASSERT_EQ(m.cli("nodeattrib", {"n1", "a=3"}).status, 0);
    m.kill9();
    // Put the files back to their older state: the log has what they lack.
    write(m.cfg() / "nodes", old_nodes);
    m.start();
    EXPECT_EQ(value_of(m, "n1", "a"), "3");
    EXPECT_EQ(value_of(m, "n2", "a"), "2");
}

TEST(Restart, sigtermWritesCfgFilesAndExitsZero) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodegroupdefine", {"rack1", "x=y"}).status, 0);
    ASSERT_EQ(m.cli("nodedefine", {"n1", "groups=rack1"}).status, 0);
    EXPECT_EQ(m.stop(), 0);
    EXPECT_NE(m.log().find("stopping on SIGTERM"), std::string::npos);
    auto nodes = read(m.cfg() / "nodes");
    auto groups = read(m.cfg() / "nodegroups");
    EXPECT_NE(nodes.find("n1"), std::string::npos) << nodes;
    EXPECT_NE(nodes.find("rack1"), std::string::npos) << nodes;
    EXPECT_NE(groups.find("rack1"), std::string::npos) << groups;
    EXPECT_FALSE(fs::exists(m.run / "api.sock"));
}

TEST(Restart, corruptCfgFile_stopsTheDaemonNamingFileAndLine) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1"}).status, 0);
    ASSERT_EQ(m.stop(), 0);
    auto text = read(m.cfg() / "nodes");
    write(m.cfg() / "nodes", text + "\n[this is = not toml\n");
    size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 2;
    EXPECT_EQ(m.start_expect_exit(), 1);
    auto log = m.log();
    EXPECT_NE(log.find((m.cfg() / "nodes").string() + ":" + std::to_string(lines) + ": "),
              std::string::npos)
        << log;
}

TEST(Restart, anApiSocketThatCannotBeOpenedStopsTheDaemonWithExit1) {
    // Exit 1, not 0: systemd's Restart=on-failure must try again.
    Member m;
    fs::create_directories(m.run / "api.sock" / "occupied");
    EXPECT_EQ(m.start_expect_exit(), 1);
    EXPECT_NE(m.log().find("stopping on the API socket cannot be opened"), std::string::npos)
        << m.log();
}

TEST(Restart, tornLogTail_isCutOffAndAcknowledgedWritesSurvive) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1"}).status, 0);
    ASSERT_EQ(m.cli("nodeattrib", {"n1", "a=1"}).status, 0);
    m.kill9();
    fs::path segment = cc::it::newest_segment_cut_to_records(m.log_dir());
    // Half a record: a length and a few bytes, as a crash mid-write leaves it.
    std::ofstream(segment, std::ios::binary | std::ios::app)
        << std::string("\x40\x00\x00\x00\x12\x34", 6);
    m.start();
    EXPECT_EQ(value_of(m, "n1", "a"), "1");
    EXPECT_NE(m.log().find("log segment " + segment.string() + ": dropped 6"), std::string::npos)
        << m.log();
    EXPECT_EQ(m.cli("nodeattrib", {"n1", "a=2"}).status, 0);
    EXPECT_EQ(value_of(m, "n1", "a"), "2");
}

}  // namespace

namespace {

TEST(Restart, lostStateDir_continuesTheLogAfterTheCfgFiles) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1", "a=1"}).status, 0);
    ASSERT_EQ(m.cli("nodeattrib", {"n1", "a=2"}).status, 0);
    ASSERT_EQ(m.stop(), 0);
    fs::remove_all(m.state);
    m.start();
    EXPECT_NE(m.log().find("the log continues after the files"), std::string::npos) << m.log();
    EXPECT_EQ(value_of(m, "n1", "a"), "2");
    ASSERT_EQ(m.cli("nodeattrib", {"n1", "a=3"}).status, 0);
    // The new entries are applied (not skipped as already seen) and replayed
    // after a crash.
    m.kill9();
    m.start();
    EXPECT_EQ(value_of(m, "n1", "a"), "3");
}

}  // namespace

namespace {

TEST(Restart, secondDaemonOnTheSameDirs_refusesToStartAndLeavesTheFirstServing) {
    Member m;
    m.start();
    ASSERT_EQ(m.cli("nodedefine", {"n1"}).status, 0);
    auto second = cc::it::run_program(CC_CONFLUENTD, {}, m.env());
    EXPECT_EQ(second.status, 1) << second;
    EXPECT_NE(second.err.find("another confluentd is already running"), std::string::npos)
        << second;
    EXPECT_EQ(m.cli("nodelist", {}).out, "n1\n");
}

}  // namespace
