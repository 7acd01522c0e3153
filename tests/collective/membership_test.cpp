// Member list changes on real members: non-voting members, delete, re-invite
// with a new key, restore from four files, a member back at a new address,
// five members losing their leader,
// show -v/--json, and the SSH port seen by OpenSSH tools.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "daemon/state/member_files.hpp"
#include "proto/peer.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/read_file.hpp"

namespace {

using cc::ct::Cluster;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `collective show -v` with a figure for every member's lag.
// The leader's view has reached this member and covers every member (a
// member that just joined may still show "last contact -" in the first one).
bool no_dashes(const std::string& out) {
    return out.find("lag -") == std::string::npos &&
           out.find("last contact -") == std::string::npos;
}

// The line of `collective show -v` about `member` ("" when there is none).
std::string line_of(const std::string& show, const std::string& member) {
    const std::string start = "\n    " + member + ": ";
    const auto at = show.find(start);
    if (at == std::string::npos) return "";
    return show.substr(at + 1, show.find('\n', at + 1) - at - 1);
}

// What a member logs once its link to member i runs at peer protocol `version`.
std::string connected_to(Cluster& c, size_t i, uint32_t version) {
    return "connected to member mgt" + std::to_string(i + 1) + " at " + c.address(i) +
           ":13001 (peer protocol v" + std::to_string(version) + ")";
}

void form(Cluster& c, size_t n) {
    for (size_t i = 1; i < n; ++i) c.invite_and_join(i - 1, i);
}

TEST(Membership, nonVotingMemberAndDeleteOfOfflineMembersOnly) {
    Cluster c(3);
    c.start_all();
    c.invite_and_join(0, 1);
    c.invite_and_join(0, 2, /*nonvoting=*/true);
    const std::string all =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3 (nonvoting)\n";
    EXPECT_EQ(c.show_until(1, all), all);

    // Refused in the current state (exit 2); an unknown name is bad input (1).
    EXPECT_EQ(c.fails(1, "collective", {"delete", "mgt1"}, 2),
              "mgt1 is still active, stop the confluent service to remove it");
    EXPECT_EQ(c.fails(1, "collective", {"delete", "mgt3"}, 2),
              "mgt3 is still active, stop the confluent service to remove it");
    EXPECT_EQ(c.fails(1, "collective", {"delete", "mgt5"}),
              "mgt5 is not a recognized collective member");

    c[2].stop();
    const std::string offline =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n"
        "Offline collective members:\n    mgt3 (nonvoting)\n";
    EXPECT_EQ(c.show_until(0, offline), offline);
    EXPECT_EQ(c.show_until(1, offline, 20s), offline);
    EXPECT_EQ(c.ok(1, "collective", {"delete", "mgt3"}), "Successfully deleted mgt3\n");
    const std::string two = "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n";
    EXPECT_EQ(c.show_until(0, two), two);
    EXPECT_EQ(cc::state::load_collective(c[1].cfg() / "collective").membership.members.size(), 2u);
}

TEST(Membership, reinviteReplacesTheStaleEntryOfAReinstalledMember) {
    Cluster c(3);
    c.start_all();
    form(c, 3);
    std::string old_key = c[2].daemon_fingerprint();
    // mgt3 is reinstalled: nothing left, a new key will be made.
    c[2].kill9();
    fs::remove_all(c[2].state);
    for (const auto& e : fs::directory_iterator(c[2].etc))
        if (e.path().filename() != "confluent.toml") fs::remove_all(e.path());
    fs::create_directories(c[2].cfg());
    c[2].start();
    EXPECT_EQ(c.invite_and_join(1, 2), "Certificate generated successfully\nSuccess\n");
    std::string new_key = c[2].daemon_fingerprint();
    EXPECT_NE(new_key, old_key);
    const std::string three =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    EXPECT_EQ(c.show_until(0, three), three);
    auto list = cc::state::load_collective(c[0].cfg() / "collective").membership;
    ASSERT_EQ(list.members.size(), 3u);
    EXPECT_EQ(list.members[2].fingerprint, new_key);
    // It takes writes again.
    EXPECT_EQ(c.ok(2, "nodedefine", {"n9"}), "n9: created\n");
}

TEST(Membership, restoreFromFourFilesBringsBackTheConfiguration) {
    Cluster c(3);
    c.start_all();
    c.invite_and_join(0, 1);
    // Defined before mgt3 joins: its cfg/collective is newer than these.
    c.ok(0, "nodedefine", {"n[1-200]", "groups=rack1"});
    c.ok(1, "nodegroupattrib", {"everything", "collective.manager=mgt1"});
    c.invite_and_join(1, 2);
    c.ok(0, "nodedefine", {"n202"});
    c[2].kill9();
    // Keep the four files, lose everything else.
    fs::path keep = c[2].root / "keep";
    fs::create_directories(keep);
    for (const char* f : {"privkey.pem", "srvcert.pem"}) fs::copy(c[2].etc / f, keep / f);
    for (const char* f : {"collective", "myname"}) fs::copy(c[2].cfg() / f, keep / f);
    fs::remove_all(c[2].state);
    fs::remove_all(c[2].cfg());
    fs::create_directories(c[2].cfg());
    for (const char* f : {"privkey.pem", "srvcert.pem"}) {
        fs::remove(c[2].etc / f);
        fs::copy(keep / f, c[2].etc / f);
    }
    for (const char* f : {"collective", "myname"}) fs::copy(keep / f, c[2].cfg() / f);
    c.ok(0, "nodedefine", {"n201"});  // a change it missed while away
    c[2].start();
    EXPECT_EQ(c.out_until(2, "nodelist", {"n200,n201"}, "n200\nn201\n", 20s), "n200\nn201\n")
        << c[2].log();
    EXPECT_EQ(c.ok(2, "nodeattrib", {"n7", "collective.manager"}),
              "n7: collective.manager: mgt1\n");
    const std::string three =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    EXPECT_EQ(c.show_until(2, three), three);
}

TEST(Membership, memberBackAtANewAddressIsRecordedThroughTheLog) {
    Cluster c(3);
    c.start_all();
    form(c, 3);
    std::string old_address = c.address(2);
    std::string new_address = old_address.substr(0, old_address.rfind('.')) + ".40";
    ASSERT_EQ(c[2].stop(), 0);
    // Reinstalled elsewhere: same key and files, a new address; nothing
    // listens at the old one any more.
    c.move(2, new_address);
    c[2].start();
    auto recorded = [&](size_t i) {
        auto f = cc::state::load_collective(c[i].cfg() / "collective");
        for (const auto& m : f.membership.members)
            if (m.name == "mgt3") return m.address;
        return std::string("(missing)");
    };
    std::string want = new_address + ":13001";
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
        if (recorded(0) == want && recorded(1) == want && recorded(2) == want) break;
    }
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(recorded(i), want) << "member " << i;
    EXPECT_TRUE(c[0].wait_for_log("member mgt3 is now reached at " + want, 1s)) << c[0].log();
    // The leader replicates to it at the new address.
    c.ok(0, "nodedefine", {"moved1"});
    EXPECT_EQ(c.out_until(2, "nodelist", {"moved1"}, "moved1\n"), "moved1\n") << c[2].log();
    const std::string three =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    EXPECT_EQ(c.show_until(0, three), three);
}

TEST(Membership, rollingUpgrade_aMemberOnTheOlderProtocolJoinsAndWorks) {
    Cluster c(3);
    // mgt3 offers only peer protocol v1, as the previous build did.
    std::ofstream(c[2].etc / "confluent.toml", std::ios::app) << "peer_protocol_max = 1\n";
    c.start_all();
    form(c, 3);  // mgt3 joins through mgt2's invitation
    EXPECT_TRUE(c[0].wait_for_log(connected_to(c, 2, 1), 5s)) << c[0].log();
    EXPECT_TRUE(c[0].wait_for_log(connected_to(c, 1, proto::kPeerVersionMax), 5s)) << c[0].log();
    // Writes through the v1 member reach the leader and every member.
    EXPECT_EQ(c.ok(2, "nodedefine", {"up1"}), "up1: created\n");
    EXPECT_EQ(c.ok(2, "nodelist", {"up1"}), "up1\n");  // read-your-writes
    EXPECT_EQ(c.out_until(1, "nodelist", {"up1"}, "up1\n"), "up1\n");
    // LeaderView (v2) goes to mgt2 only: mgt3 shows dashes, mgt2 figures.
    auto v2 = c.out_until(1, "collective", {"show", "-v"}, no_dashes);
    EXPECT_EQ(v2.find("lag -"), std::string::npos) << v2;
    auto v1 = c.ok(2, "collective", {"show", "-v"});
    EXPECT_NE(v1.find("    mgt2: voter, active, address " + c.address(1) + ":13001, lag -"),
              std::string::npos)
        << v1;
    // The leader's show -v names each link's version: the member to upgrade stands out.
    const auto on_leader = c.ok(0, "collective", {"show", "-v"});
    const std::string newest = ", protocol v" + std::to_string(proto::kPeerVersionMax) + ", key ";
    EXPECT_NE(line_of(on_leader, "mgt3").find(", protocol v1, key "), std::string::npos)
        << on_leader;
    EXPECT_NE(line_of(on_leader, "mgt2").find(newest), std::string::npos) << on_leader;
    EXPECT_NE(line_of(on_leader, "mgt1").find(newest), std::string::npos) << on_leader;
    // Nothing it received was rejected (a v1 build drops links carrying v2 messages).
    EXPECT_EQ(c[2].log().find("sent a frame that was rejected"), std::string::npos) << c[2].log();
}

// Member i's cfg/nodes once its cfg writer has rendered `node` (bounded).
std::string nodes_file_with(Cluster& c, size_t i, const std::string& node) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string text;
    do {
        text = cc::test::read_file(c[i].cfg() / "nodes");
        if (text.find(node) != std::string::npos) break;
        std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return text;
}

// Exactly-once sessions (peer protocol v4) are used only while every
// member's link speaks v4; the leader re-checks whenever a link comes or goes
// (Daemon::all_members_speak caches its answer until then). A v3 member that
// comes back upgraded turns them on again without any other change.
TEST(Membership, rollingUpgrade_sessionsStartWhenTheLastOlderMemberComesBackUpgraded) {
    Cluster c(3);
    const auto toml = c[2].etc / "confluent.toml";
    const std::string before = cc::test::read_file(toml);
    std::ofstream(toml, std::ios::app)
        << "peer_protocol_max = " << proto::kPeerVersionSessions - 1 << "\n";
    c.start_all();
    form(c, 3);
    // A write through mgt1; then whether every member's cfg/nodes records
    // its session.
    auto write_then_check = [&](const std::string& node, bool sessions) {
        EXPECT_EQ(c.ok(0, "nodedefine", {node}), node + ": created\n");
        ASSERT_EQ(c.out_until(2, "nodelist", {node}, node + "\n"), node + "\n");
        for (size_t i = 0; i < 3; ++i) {
            const std::string nodes = nodes_file_with(c, i, node);
            EXPECT_EQ(nodes.find("#sessions") != std::string::npos, sessions)
                << "mgt" << i + 1 << "\n"
                << nodes;
        }
    };
    ASSERT_TRUE(c[0].wait_for_log(connected_to(c, 2, proto::kPeerVersionSessions - 1), 5s))
        << c[0].log();
    write_then_check("old1", false);  // plain commands only

    // mgt3 restarts on the current protocol.
    EXPECT_EQ(c[2].stop(), 0);
    std::ofstream(toml, std::ios::trunc) << before;
    c.start(2);
    ASSERT_TRUE(c[0].wait_for_log(connected_to(c, 2, proto::kPeerVersionMax), 10s)) << c[0].log();
    write_then_check("new1", true);
}

TEST(Membership, fiveMembersSurviveTheLossOfTheirLeader) {
    Cluster c(5);
    c.start_all();
    form(c, 5);
    c.ok(3, "nodedefine", {"n1"});
    c[0].kill9();
    // A new leader among the four, with quorum, on every survivor.
    std::string leader;
    for (auto deadline = std::chrono::steady_clock::now() + 15s;
         std::chrono::steady_clock::now() < deadline && leader.empty();
         std::this_thread::sleep_for(50ms)) {
        auto r = c.run(4, "collective", {"show"});
        if (r.out.rfind("Quorum: True\nLeader: mgt", 0) == 0 &&
            r.out.find("Leader: mgt1\n") == std::string::npos)
            leader = r.out.substr(r.out.find("Leader: ") + 8, 4);
    }
    ASSERT_FALSE(leader.empty());
    // Writes through any member, read back on another.
    EXPECT_EQ(c.ok(1, "nodeattrib", {"n1", "location.rack=7"}), "n1: 7\n");
    EXPECT_EQ(c.ok(1, "nodeattrib", {"n1", "location.rack"}), "n1: location.rack: 7\n");
    auto v = c.ok(2, "collective", {"show", "--json"});
    EXPECT_NE(v.find("\"quorum\":true"), std::string::npos) << v;
    EXPECT_NE(v.find("\"offline\":[\"mgt1\"]"), std::string::npos) << v;
    auto verbose = c.ok(4, "collective", {"show", "-v"});
    EXPECT_NE(verbose.find("Offline collective members:\n    mgt1\n"), std::string::npos)
        << verbose;
    EXPECT_NE(verbose.find("Voters that may still fail before quorum is lost: "), std::string::npos)
        << verbose;
}

TEST(Membership, showVerboseGivesTermIndexesLagAndMarginOnLeaderAndFollowers) {
    Cluster c(3);
    c.start_all();
    form(c, 3);
    auto v = c.ok(0, "collective", {"show", "-v"});
    EXPECT_EQ(v.rfind("Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n"
                      "This member: mgt1 (leader)\nTerm: ",
                      0),
              0u)
        << v;
    EXPECT_NE(v.find("Voters that may still fail before quorum is lost: 1\n"), std::string::npos)
        << v;
    // How long the leader has led, as this member saw it.
    EXPECT_NE(v.find("\nLeader for: "), std::string::npos) << v;
    EXPECT_NE(v.find(" (as seen by this member)\n"), std::string::npos) << v;
    EXPECT_NE(c[0].log().find("mgt1 is the leader of term "), std::string::npos) << c[0].log();
    EXPECT_NE(v.find("    mgt2: voter, active, address " + c.address(1) + ":13001, lag "),
              std::string::npos)
        << v;
    auto j = c.ok(1, "collective", {"show", "--json"});
    EXPECT_EQ(j.rfind("{\"quorum\":true,\"leader\":\"mgt1\",\"active\":[\"mgt2\",\"mgt3\"]", 0), 0u)
        << j;
    // A follower shows the leader's view of lag and last contact (sent once
    // a second), not dashes.
    auto f = c.out_until(2, "collective", {"show", "-v"}, no_dashes);
    EXPECT_NE(f.find("This member: mgt3 (follower)\n"), std::string::npos) << f;
    EXPECT_EQ(f.find("lag -"), std::string::npos) << f;
    EXPECT_EQ(f.find("last contact -"), std::string::npos) << f;
    for (const char* m : {"mgt2", "mgt3"})
        EXPECT_NE(f.find(std::string("    ") + m + ": voter, active, address "), std::string::npos)
            << f;
    EXPECT_NE(f.find("    mgt1: voter, leader, address " + c.address(0) + ":13001, lag 0, "),
              std::string::npos)
        << f;
    auto fj = c.ok(2, "collective", {"show", "-v", "--json"});
    EXPECT_EQ(fj.find("\"lag\":null"), std::string::npos) << fj;
}

TEST(Membership, sshKeyscanSeesTheKeyPinnedInCfgCollective) {
    Cluster c(2);
    c.start_all();
    form(c, 2);
    // OpenSSH tools run under timeout(1), so a hang fails the test instead of stalling it.
    auto scan = cc::it::run_program(
        "/usr/bin/timeout",
        {"20", "/usr/bin/ssh-keyscan", "-T", "5", "-t", "ecdsa", "-p", "13001", c.address(1)}, {});
    ASSERT_EQ(scan.status, 0) << scan;
    fs::path keys = c[0].root / "scanned";
    { std::ofstream(keys) << scan.out; }
    auto fp = cc::it::run_program("/usr/bin/ssh-keygen", {"-lf", keys.string()}, {});
    ASSERT_EQ(fp.status, 0) << fp;
    auto list = cc::state::load_collective(c[0].cfg() / "collective").membership;
    EXPECT_NE(fp.out.find(" " + list.members[1].fingerprint + " "), std::string::npos)
        << fp.out << " vs " << list.members[1].fingerprint;

    // An OpenSSH client with a key the collective does not know is refused.
    fs::path stranger = c[0].root / "stranger";
    auto gen = cc::it::run_program("/usr/bin/ssh-keygen",
                                   {"-q", "-t", "ecdsa", "-N", "", "-f", stranger.string()}, {});
    ASSERT_EQ(gen.status, 0) << gen;
    auto ssh =
        cc::it::run_program("/usr/bin/ssh",
                            {"-F", "/dev/null", "-i", stranger.string(), "-o", "BatchMode=yes",
                             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                             "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "-p", "13001",
                             "-s", "mgt9@" + c.address(1), "confluent-collective@v1"},
                            {});
    EXPECT_NE(ssh.status, 0) << ssh;
    EXPECT_NE(ssh.err.find("Permission denied"), std::string::npos) << ssh.err;
}

}  // namespace
