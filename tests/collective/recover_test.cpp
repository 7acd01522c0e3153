// collective recover on real members: five members of which three are lost
// for good (refused on the survivor with the shorter log, carried out on the
// other, a dropped member restarted later changes nothing), and the
// two-member restore case (one voter restored from its four files, so it
// may not vote until a leader exists: recover on the other voter only).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon/state/member_files.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/read_file.hpp"

namespace {

using cc::test::read_file;

using cc::ct::Cluster;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs `collective recover --yes` on member i until it succeeds (it is
// refused, exit 2, until this member has heard the others' log positions:
// about one election timeout); the last result.
cc::it::CmdResult recover_until_done(Cluster& c, size_t i) {
    cc::it::CmdResult r;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
        r = c.run(i, "collective", {"recover", "--yes"});
        if (r.status != 2) break;
    }
    return r;
}

// Runs `collective recover --yes` on member i until it is refused with a
// line containing `text`; that line.
std::string refused_with(Cluster& c, size_t i, const std::string& text) {
    cc::it::CmdResult r;
    for (auto deadline = std::chrono::steady_clock::now() + 15s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
        r = c.run(i, "collective", {"recover", "--yes"});
        if (r.status == 2 && r.err.find(text) != std::string::npos) break;
    }
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    return r.err;
}

TEST(Recover, fiveMembersThreeLostForGood) {
    // The tools inherit our standard input: make sure it is no terminal.
    ASSERT_NE(std::freopen("/dev/null", "r", stdin), nullptr);
    Cluster c(5);
    c.start_all();
    for (size_t i = 1; i < 5; ++i) c.invite_and_join(i - 1, i);
    // While the collective has quorum, recover is refused (exit 2).
    auto with_quorum = c.fails(3, "collective", {"recover", "--yes"}, 2);
    EXPECT_NE(with_quorum.find("a leader with quorum is reachable"), std::string::npos)
        << with_quorum;

    // mgt5 misses a write, then mgt1-mgt3 are lost for good.
    ASSERT_EQ(c[4].stop(), 0);
    c.ok(0, "nodedefine", {"n1"});
    EXPECT_EQ(c.out_until(3, "nodelist", {"n1"}, "n1\n"), "n1\n");
    // All three at the same moment: stopped one after the other, the others
    // could elect a leader between two stops (a member whose process ends is
    // replaced at once, Core::lost_link) and bring mgt5 up to date.
    for (size_t i = 0; i < 3; ++i) ::kill(c[i].pid(), SIGKILL);
    for (size_t i = 0; i < 3; ++i) c[i].kill9();
    c.start(4);

    // mgt5's log is behind mgt4's: refused there, naming mgt4.
    auto behind = refused_with(c, 4, "behind");
    EXPECT_NE(behind.find("is behind the log of mgt4"), std::string::npos) << behind;
    EXPECT_NE(behind.find("run collective recover on mgt4 instead"), std::string::npos) << behind;

    // No terminal and no --yes: one line saying to add --yes (exit 1).
    std::string no_tty;
    for (auto deadline = std::chrono::steady_clock::now() + 15s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
        auto r = c.run(3, "collective", {"recover"});
        if (r.status == 1) {
            no_tty = c.fails(3, "collective", {"recover"}, 1);
            break;
        }
    }
    EXPECT_EQ(no_tty,
              "collective recover: not confirmed and there is no terminal to ask on; add --yes "
              "to drop mgt1, mgt2, mgt3 for good (nothing was changed)");

    auto r = recover_until_done(c, 3);
    ASSERT_EQ(r.status, 0) << r << c[3].log();
    EXPECT_NE(
        r.out.find("Keeps:  mgt4, mgt5\nDrops:  mgt1, mgt2, mgt3\nLog:    mgt4 ends at index "),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("Recovered: the collective is now mgt4, mgt5 (dropped mgt1, mgt2, mgt3)"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.err, "");

    // Writes commit again, on both survivors; show has the two, with quorum.
    EXPECT_EQ(c.ok(4, "nodedefine", {"n2"}), "n2: created\n");
    EXPECT_EQ(c.out_until(3, "nodelist", {"n1,n2"}, "n1\nn2\n"), "n1\nn2\n");
    const std::string two = "Quorum: True\nLeader: mgt4\nActive collective members:\n    mgt5\n";
    EXPECT_EQ(c.show_until(3, two), two);
    EXPECT_EQ(c.show_until(4, two), two);
    for (size_t i : {3, 4})
        EXPECT_EQ(cc::state::load_collective(c[i].cfg() / "collective").membership.members.size(),
                  2u);

    // A dropped member restarted: refused on every link, no writes, one
    // line saying to wipe it and invite it again; the survivors unchanged.
    // The cfg writer writes behind the log: wait until the files hold n2.
    for (size_t i : {3, 4})
        for (auto deadline = std::chrono::steady_clock::now() + 10s;
             std::chrono::steady_clock::now() < deadline &&
             read_file(c[i].cfg() / "nodes").find("[n2]") == std::string::npos;
             std::this_thread::sleep_for(50ms)) {
        }
    std::this_thread::sleep_for(500ms);
    std::map<std::string, std::string> before;
    for (size_t i : {3, 4})
        for (const char* f : {"collective", "nodes", "nodegroups"})
            before[std::to_string(i) + f] = read_file(c[i].cfg() / f);
    c.start(2);
    const std::string wipe =
        "this member (mgt3) is no longer in the collective: mgt4 refused its key (deleted, or "
        "dropped by collective recover); it takes no writes; wipe it and invite it again: on "
        "mgt3 run 'collective join mgt4 -i $(ssh mgt4 collective invite mgt3)'";
    const std::string wipe5 =
        "this member (mgt3) is no longer in the collective: mgt5 refused its key";
    EXPECT_TRUE(c[2].wait_for_log(wipe, 10s) || c[2].wait_for_log(wipe5, 1s)) << c[2].log();
    auto refused = c.fails(2, "nodedefine", {"n3"}, 2);
    EXPECT_NE(refused.find("is no longer in the collective"), std::string::npos) << refused;
    EXPECT_NE(refused.find("wipe it and invite it again"), std::string::npos) << refused;
    EXPECT_TRUE(c[3].wait_for_log("refused SSH key", 5s)) << c[3].log();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(c.ok(3, "collective", {"show"}), two);
    EXPECT_EQ(c.fails(4, "nodelist", {"n3"}), "Error: Not Found - Unknown node n3");
    EXPECT_NE(before["3nodes"].find("[n2]"), std::string::npos) << before["3nodes"];
    for (size_t i : {3, 4})
        for (const char* f : {"collective", "nodes", "nodegroups"})
            EXPECT_EQ(read_file(c[i].cfg() / f), before[std::to_string(i) + f]) << i << f;
}

TEST(Recover, twoVotersOneRestoredFromFourFiles) {
    Cluster c(2);
    c.start_all();
    c.invite_and_join(0, 1);
    c.ok(0, "nodedefine", {"n[1-5]"});
    EXPECT_EQ(c.out_until(1, "nodelist", {"n5"}, "n5\n"), "n5\n");
    // mgt1 (the leader) is reinstalled from its four files: it may not vote
    // until a leader has brought it up to date, and mgt2 alone cannot lead.
    c[0].kill9();
    fs::path keep = c[0].root / "keep";
    fs::create_directories(keep);
    for (const char* f : {"privkey.pem", "srvcert.pem"}) fs::copy(c[0].etc / f, keep / f);
    for (const char* f : {"collective", "myname"}) fs::copy(c[0].cfg() / f, keep / f);
    fs::remove_all(c[0].state);
    fs::remove_all(c[0].cfg());
    fs::create_directories(c[0].cfg());
    for (const char* f : {"privkey.pem", "srvcert.pem"}) {
        fs::remove(c[0].etc / f);
        fs::copy(keep / f, c[0].etc / f);
    }
    for (const char* f : {"collective", "myname"}) fs::copy(keep / f, c[0].cfg() / f);
    c[0].start();

    auto on_restored = refused_with(c, 0, "run collective recover on mgt2");
    EXPECT_EQ(on_restored,
              "mgt1 is a restored member still catching up: its log may lack committed entries; "
              "run collective recover on mgt2 instead; nothing was changed\n");

    // At a terminal it asks; anything but "yes" changes nothing (exit 2).
    ASSERT_NE(std::freopen("/dev/null", "r", stdin), nullptr);
    cc::it::CmdResult asked;
    for (auto deadline = std::chrono::steady_clock::now() + 15s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
        asked = cc::it::run_program(
            "/usr/bin/script", {"-qec", cc::it::tool_path("collective") + " recover", "/dev/null"},
            c[1].env());
        if (asked.out.find("Type yes to continue") != std::string::npos) break;
    }
    EXPECT_EQ(asked.status, 2) << asked;
    EXPECT_NE(asked.out.find("collective recover: start a new term with mgt1, mgt2 (nothing is "
                             "dropped)? Type yes to continue"),
              std::string::npos)
        << asked;
    EXPECT_NE(asked.out.find("not confirmed; nothing was changed"), std::string::npos) << asked;

    auto r = recover_until_done(c, 1);
    ASSERT_EQ(r.status, 0) << r << c[1].log();
    EXPECT_NE(r.out.find("Keeps:  mgt1, mgt2\nDrops:  none\n"), std::string::npos) << r.out;
    const std::string both = "Quorum: True\nLeader: mgt2\nActive collective members:\n    mgt1\n";
    EXPECT_EQ(c.show_until(0, both), both);
    EXPECT_EQ(c.out_until(0, "nodelist", {"n5"}, "n5\n"), "n5\n") << c[0].log();
    EXPECT_EQ(c.ok(0, "nodedefine", {"n6"}), "n6: created\n");
    EXPECT_EQ(c.out_until(1, "nodelist", {"n6"}, "n6\n"), "n6\n");
}

}  // namespace
