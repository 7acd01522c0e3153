// Rolling upgrades with two real builds of confluentd (tests/upgrade/
// CMakeLists.txt): `confluentd_next` knows one command kind more
// (proto::NextBuildCommand) than `confluentd`.
//  - A member of the older build that meets a committed entry it cannot
//    decode stays up, keeps the collective's majority (it stores, acks and
//    votes), refuses reads and writes with a clear error (exit status 2),
//    says why in its log and in `collective show -v`, and applies again once
//    it runs the newer build.
//  - A leader refuses to commit a kind that a voter's peer protocol version
//    cannot decode, and changes nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "proto/peer.hpp"
#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;
using namespace std::chrono_literals;

void form(Cluster& c, size_t n) {
    for (size_t i = 1; i < n; ++i) c.invite_and_join(0, i);
}

cc::it::CmdResult next_write(Cluster& c, size_t i, const std::string& note) {
    return cc::it::run_program(CC_NEXT_WRITE, {note}, c[i].env());
}

TEST(Upgrade, olderMemberMeetsAnEntryItCannotDecode_staysUpRefusesReadsAndResumesWhenUpgraded) {
    Cluster c(3);
    c[0].daemon_binary = CC_CONFLUENTD_NEXT;
    c[1].daemon_binary = CC_CONFLUENTD_NEXT;  // mgt3 stays on the older build
    c.start_all();
    form(c, 3);
    c.ok(0, "nodedefine", {"n1"});
    ASSERT_EQ(c.out_until(2, "nodelist", {}, "n1\n"), "n1\n");

    // Every voter speaks the protocol version of the kind: the leader commits it.
    auto w = next_write(c, 0, "first");
    ASSERT_EQ(w.status, 0) << w << c[0].log();
    EXPECT_EQ(w.out, "next: applied\n");

    // mgt3 cannot apply it: it says so once, and refuses reads and writes.
    ASSERT_TRUE(c[2].wait_for_log("needs a newer build", 10s)) << c[2].log();
    auto read = c.run(2, "nodelist", {});
    EXPECT_EQ(read.status, 2) << read;
    EXPECT_EQ(read.out, "");
    EXPECT_NE(read.err.find("cannot be applied by this build"), std::string::npos) << read;
    EXPECT_NE(read.err.find("needs a newer build of confluentd"), std::string::npos) << read;
    auto write = c.run(2, "nodedefine", {"n9"});
    EXPECT_EQ(write.status, 2) << write;
    EXPECT_NE(write.err.find("newer build"), std::string::npos) << write;
    auto verbose = c.ok(2, "collective", {"show", "-v"});
    EXPECT_NE(verbose.find("Cannot apply: committed entry"), std::string::npos) << verbose;
    EXPECT_TRUE(c[2].running()) << "a committed entry it cannot decode must not stop it";

    // It still counts for the majority: with mgt2 stopped, writes commit on
    // mgt1 and mgt3 alone.
    const std::string all =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    ASSERT_EQ(c.show_until(0, all), all);
    EXPECT_EQ(c[1].stop(), 0);
    c.ok(0, "nodedefine", {"n2"});
    c.ok(0, "nodeattrib", {"n2", "custom.x=after"});

    // Upgraded, mgt3 replays its log and serves reads again.
    EXPECT_EQ(c[2].stop(), 0);
    c[2].daemon_binary = CC_CONFLUENTD_NEXT;
    c.start(2);
    EXPECT_EQ(c.out_until(2, "nodeattrib", {"n2", "custom.x"}, "n2: custom.x: after\n"),
              "n2: custom.x: after\n")
        << c[2].log();
    EXPECT_EQ(c.ok(2, "nodelist", {}), "n1\nn2\n");
    EXPECT_EQ(c.ok(2, "collective", {"show", "-v"}).find("Cannot apply"), std::string::npos);
}

TEST(Upgrade, leaderRefusesAKindThatAVotersProtocolCannotDecode) {
    Cluster c(3);
    for (size_t i = 0; i < 3; ++i) c[i].daemon_binary = CC_CONFLUENTD_NEXT;
    // mgt3 offers only peer protocol v1 (as the build before LeaderView did).
    std::ofstream(c[2].etc / "confluent.toml", std::ios::app) << "peer_protocol_max = 1\n";
    c.start_all();
    form(c, 3);
    c.ok(0, "nodedefine", {"n1"});
    ASSERT_EQ(c.out_until(2, "nodelist", {}, "n1\n"), "n1\n");
    auto w = next_write(c, 0, "refused");
    EXPECT_EQ(w.status, 2) << w;
    EXPECT_EQ(w.out, "");
    // NextBuildCommand needs the newest version (proto/commands.hpp).
    const std::string needs =
        "needs peer protocol v" + std::to_string(proto::kPeerVersionMax) + ", but mgt3 speaks v1";
    EXPECT_NE(w.err.find(needs), std::string::npos) << w;
    EXPECT_NE(w.err.find("nothing was changed"), std::string::npos) << w;
    // Nothing entered the log: every member still applies and reads.
    c.ok(1, "nodedefine", {"n2"});
    EXPECT_EQ(c.out_until(2, "nodelist", {}, "n1\nn2\n"), "n1\nn2\n") << c[2].log();
    EXPECT_FALSE(c[2].wait_for_log("needs a newer build", 100ms));
}

}  // namespace
