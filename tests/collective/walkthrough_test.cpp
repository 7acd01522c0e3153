// The reference page (collective-mode.md) line by line on three real members,
// then the node database across members. Members are reached by their
// 127.0.0.N addresses instead of the host names mgt1..mgt3.
#include <gtest/gtest.h>

#include "daemon/state/member_files.hpp"
#include "tests/collective/cluster.hpp"

namespace {

using cc::ct::Cluster;

TEST(Walkthrough, referencePage_inviteJoinShowAndNodesOnThreeMembers) {
    Cluster c(3);
    c.start_all();

    // [root@mgt1 ~]# collective invite mgt2   (no key yet: the line goes to stderr)
    auto inv = c.run(0, "collective", {"invite", "mgt2"});
    ASSERT_EQ(inv.status, 0) << inv;
    EXPECT_EQ(inv.err, "Certificate generated successfully\n");
    ASSERT_EQ(inv.out.size(), 93u) << inv.out;  // 92 characters and a newline, as for mgt2
    EXPECT_EQ(inv.out.rfind("bWd0Mk", 0), 0u) << inv.out;  // base64("mgt2@...")
    std::string token = inv.out.substr(0, 92);

    // [root@mgt2 ~]# collective join mgt1 -i TOKEN
    EXPECT_EQ(c.ok(1, "collective", {"join", c.address(0), "-i", token}),
              "Certificate generated successfully\nSuccess\n");
    const std::string two = "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n";
    EXPECT_EQ(c.ok(1, "collective", {"show"}), two);
    EXPECT_EQ(c.ok(0, "collective", {"show"}), two);

    // Extend from mgt2, a follower.
    auto inv3 = c.ok(1, "collective", {"invite", "mgt3"});
    EXPECT_EQ(inv3.rfind("bWd0M0", 0), 0u) << inv3;
    EXPECT_EQ(c.ok(2, "collective", {"join", c.address(1), "-i", inv3.substr(0, 92)}),
              "Certificate generated successfully\nSuccess\n");
    const std::string three =
        "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n";
    EXPECT_EQ(c.ok(2, "collective", {"show"}), three);
    EXPECT_EQ(c.show_until(0, three), three);
    EXPECT_EQ(c.show_until(1, three), three);

    // Managing the nodes' active manager, from any member.
    EXPECT_EQ(c.ok(2, "nodedefine", {"n1"}), "n1: created\n");
    EXPECT_EQ(c.ok(2, "nodeattrib", {"n1", "collective.manager=mgt1"}), "n1: mgt1\n");
    EXPECT_EQ(c.ok(2, "nodeattrib", {"n1", "collective.manager"}),
              "n1: collective.manager: mgt1\n");  // read-your-writes on a follower
    EXPECT_EQ(c.ok(1, "nodegroupdefine", {"rack1"}), "rack1: created\n");
    EXPECT_EQ(c.ok(1, "nodegroupattrib", {"rack1", "collective.manager=mgt1"}), "rack1: mgt1\n");
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "collective.manager"}),
              "n1: collective.manager: mgt1\n");
    EXPECT_EQ(c.ok(0, "nodegroupattrib", {"rack1", "collective.manager"}),
              "rack1: collective.manager: mgt1\n");

    // Every member holds the same member list, with the keys it saw on SSH.
    auto list = cc::state::load_collective(c[0].cfg() / "collective").membership;
    ASSERT_EQ(list.members.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(list.members[i].name, "mgt" + std::to_string(i + 1));
        EXPECT_EQ(list.members[i].address, c.address(i) + ":13001");
        EXPECT_EQ(list.members[i].fingerprint, c[i].daemon_fingerprint());
        EXPECT_EQ(list.members[i].role, proto::Role::Voter);
    }
    EXPECT_EQ(cc::state::load_myname(c[2].cfg() / "myname"), "mgt3");
}

TEST(Walkthrough, oneLiner_joinWithTheTokenOfAnInviteSubstitution) {
    Cluster c(2);
    c.start_all();
    // collective join mgt1 -i $(collective invite mgt2): stdout of invite is the token alone.
    auto inv = c.run(0, "collective", {"invite", "mgt2"});
    ASSERT_EQ(inv.status, 0);
    std::string token = inv.out;
    token.pop_back();
    auto j = c.run(1, "collective", {"join", c.address(0), "-i", token});
    EXPECT_EQ(j.status, 0) << j;
    EXPECT_EQ(j.out, "Certificate generated successfully\nSuccess\n");
    // The joiner's old cfg/ is kept aside.
    bool backup = false;
    for (const auto& e : std::filesystem::directory_iterator(c[1].etc))
        backup |= e.path().filename().string().rfind("cfg.backup-", 0) == 0;
    EXPECT_TRUE(backup);
}

}  // namespace
