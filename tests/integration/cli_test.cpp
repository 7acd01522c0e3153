// The CLI tools against a real confluentd: happy paths with confluent's
// output formats, inheritance and blame, every bad input, and the exit
// status of each outcome (proto/outcome.hpp: 0 done, 1 bad input, 2 refused,
// 3 no quorum in tests/collective/bad_input_test.cpp, 4 unknown in
// tests/unit/api/api_server_test.cpp).
#include <gtest/gtest.h>
#include <pwd.h>

#include <regex>

#include "daemon/state/member_files.hpp"
#include "proto/peer.hpp"
#include "tests/integration/harness.hpp"

namespace {

using cc::it::CmdResult;
using cc::it::Member;

class Cli : public ::testing::Test {
  protected:
    void SetUp() override { m.start(); }
    // Runs a tool that must succeed and returns its stdout.
    std::string ok(const std::string& tool, const std::vector<std::string>& args) {
        auto r = m.cli(tool, args);
        EXPECT_EQ(r.status, 0) << tool << "\n" << r;
        EXPECT_EQ(r.err, "") << tool;
        return r.out;
    }
    // Runs a tool that must fail with exit `status` (1: bad input), one line
    // on stderr and nothing on stdout.
    std::string fails(const std::string& tool, const std::vector<std::string>& args,
                      int status = 1) {
        auto r = m.cli(tool, args);
        EXPECT_EQ(r.status, status) << tool << "\n" << r;
        EXPECT_EQ(r.out, "") << tool;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        return r.err;
    }
    Member m;
};

TEST_F(Cli, nodeDatabaseWalkthrough_printsConfluentFormats) {
    EXPECT_EQ(ok("nodedefine", {"n1"}), "n1: created\n");
    EXPECT_EQ(ok("nodeattrib", {"n1", "collective.manager=mgt1"}), "n1: mgt1\n");
    EXPECT_EQ(ok("nodeattrib", {"n1", "collective.manager"}), "n1: collective.manager: mgt1\n");
    EXPECT_EQ(fails("nodegroupattrib", {"rack1", "collective.manager=mgt1"}),
              "Error: Bad Request - rack1 group does not exist\n");
    EXPECT_EQ(ok("nodegroupdefine", {"rack1"}), "rack1: created\n");
    EXPECT_EQ(ok("nodegroupattrib", {"rack1", "collective.manager=mgt1"}), "rack1: mgt1\n");
    EXPECT_EQ(ok("nodedefine", {"n2", "groups=rack1"}), "n2: created\n");
    EXPECT_EQ(ok("nodeattrib", {"n2", "collective.manager", "groups"}),
              "n2: collective.manager: mgt1\nn2: groups: rack1,everything\n");
    EXPECT_EQ(ok("nodegroupattrib", {"rack1"}),
              "rack1: collective.manager: mgt1\nrack1: nodes: n2\n");
}

TEST_F(Cli, nodelist_listsInNaturalOrderAndByNoderange) {
    ok("nodedefine", {"n[1-3,10]"});
    ok("nodedefine", {"r[1-2]u[01-02]", "groups=rack"});
    EXPECT_EQ(ok("nodelist", {}), "n1\nn2\nn3\nn10\nr1u01\nr1u02\nr2u01\nr2u02\n");
    EXPECT_EQ(ok("nodelist", {"n1-n3,-n2"}), "n1\nn3\n");
    EXPECT_EQ(ok("nodelist", {"rack"}), "r1u01\nr1u02\nr2u01\nr2u02\n");
    EXPECT_EQ(ok("nodelist", {"rack@r1u01:r1u02"}), "r1u01\nr1u02\n");
    EXPECT_EQ(ok("nodelist", {"n2", "groups"}), "n2: groups: everything\n");
}

TEST_F(Cli, groupAttributes_areInheritedAndBlamed) {
    ok("nodegroupdefine", {"rack1", "location.room=a"});
    ok("nodedefine", {"n1-n2", "groups=rack1"});
    ok("nodeattrib", {"n2", "location.room=b"});
    EXPECT_EQ(ok("nodeattrib", {"n1-n2", "location.room", "-b"}),
              "n1: location.room: a (inherited from group rack1)\nn2: location.room: b\n");
    // Clearing the node's own value brings the inherited one back.
    EXPECT_EQ(ok("nodeattrib", {"n2", "-c", "location.room"}), "n2: location.room cleared\n");
    EXPECT_EQ(ok("nodeattrib", {"n2", "location.room", "-b"}),
              "n2: location.room: a (inherited from group rack1)\n");
    // An empty own value masks the inherited one.
    ok("nodeattrib", {"n1", "location.room="});
    EXPECT_EQ(ok("nodeattrib", {"n1", "location.room"}), "n1: location.room: \n");
    EXPECT_EQ(ok("nodegroupattrib", {"rack1", "-c", "location.room"}),
              "rack1: location.room cleared\n");
    EXPECT_EQ(ok("nodegroupattrib", {"rack1"}), "rack1: nodes: n1,n2\n");
}

TEST_F(Cli, removeAndGroupList) {
    ok("nodegroupdefine", {"rack1"});
    ok("nodegroupdefine", {"rack10"});
    ok("nodegroupdefine", {"rack2"});
    EXPECT_EQ(ok("nodegrouplist", {}), "everything\nrack1\nrack2\nrack10\n");
    EXPECT_EQ(ok("nodegroupremove", {"rack2"}), "rack2: deleted\n");
    EXPECT_EQ(ok("nodegrouplist", {}), "everything\nrack1\nrack10\n");
    ok("nodedefine", {"n1-n3"});
    EXPECT_EQ(ok("noderemove", {"n1,n3"}), "n1: deleted\nn3: deleted\n");
    EXPECT_EQ(ok("nodelist", {}), "n2\n");
}

TEST_F(Cli, badInput_isOneLineExitOneAndChangesNothing) {
    ok("nodedefine", {"n1", "a=1"});
    EXPECT_NE(fails("nodeattrib", {"n5", "a"}).find("n5"), std::string::npos);
    EXPECT_NE(fails("nodeattrib", {"n5", "a=2"}).find("n5"), std::string::npos);
    EXPECT_NE(fails("nodegroupattrib", {"nosuch"}).find("nosuch group does not exist"),
              std::string::npos);
    EXPECT_NE(fails("nodelist", {"n[1-"}).find("n[1-"), std::string::npos);
    EXPECT_NE(fails("nodeattrib", {"n[1-", "a=2"}).find("n[1-"), std::string::npos);
    EXPECT_NE(fails("nodeattrib", {"n1", "=2"}).find("malformed attribute assignment '=2'"),
              std::string::npos);
    EXPECT_NE(fails("nodeattrib", {"n1", "a=2", "b"}).find("malformed attribute assignment 'b'"),
              std::string::npos);
    EXPECT_NE(fails("nodedefine", {"n1"}).find("already exists"), std::string::npos);
    EXPECT_NE(fails("noderemove", {"n9"}).find("n9"), std::string::npos);
    EXPECT_NE(fails("nodegroupremove", {"nosuch"}).find("nosuch"), std::string::npos);
    EXPECT_NE(fails("nodeattrib", {"n1", "--nosuchflag"}).find("nosuchflag"), std::string::npos);
    // Usage errors: exit 1 too.
    EXPECT_NE(fails("nodedefine", {}).find("give the nodes to define"), std::string::npos);
    EXPECT_NE(fails("collective", {"bogus"}).find("unknown subcommand 'bogus'"), std::string::npos);
    EXPECT_NE(fails("collective", {"show", "extra"}).find("usage: collective show"),
              std::string::npos);
    EXPECT_EQ(ok("nodeattrib", {"n1"}), "n1: a: 1\nn1: groups: everything\n");
    EXPECT_EQ(ok("nodelist", {}), "n1\n");
}

TEST_F(Cli, collectiveShow_onALoneServer_saysCollectiveModeIsOffAndExitsTwo) {
    EXPECT_EQ(fails("collective", {"show"}, 2), "Collective mode not enabled on this system\n");
    EXPECT_EQ(fails("collective", {"delete", "mgt2"}),
              "mgt2 is not a recognized collective member\n");
}

TEST_F(Cli, everyToolsHelp_endsWithTheExitStatusTable) {
    for (std::string tool :
         {"collective", "nodedefine", "nodeattrib", "nodelist", "noderemove", "nodegroupdefine",
          "nodegroupattrib", "nodegrouplist", "nodegroupremove"}) {
        auto r = m.cli(tool, {"--help"});
        EXPECT_EQ(r.status, 0) << tool << "\n" << r;
        auto at = r.out.find("Exit status");
        ASSERT_NE(at, std::string::npos) << tool << "\n" << r.out;
        for (std::string line : {"  0  done\n", "  1  bad input", "  2  refused", "  3  no quorum",
                                 "  4  outcome unknown"})
            EXPECT_NE(r.out.find(line, at), std::string::npos) << tool << ": " << line;
        // The table, then the pointer to the tool's man page (docs/man).
        EXPECT_TRUE(r.out.ends_with("read it back before retrying\n\nSee man " + tool + "(1).\n"))
            << tool << "\n"
            << r.out;
    }
}

TEST_F(Cli, nonRootCaller_isRefused) {
    passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    auto r = m.cli("nodelist", {}, nobody->pw_uid);
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
}

// --version: one line on every program, for any user, without a daemon
// (an administrator checks each member's build during a rolling upgrade).
TEST(CliWithoutDaemon, everyProgramsVersion_isOneLine_forAnyUser_withoutADaemon) {
    Member m;  // not started
    passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    const std::string rest = std::string(" (confluent-collective) ") + CC_VERSION +
                             ", peer protocol v1 to v" + std::to_string(proto::kPeerVersionMax) +
                             "\n";
    ASSERT_TRUE(std::regex_match(
        rest, std::regex(R"( \(confluent-collective\) \d+\.\d+\.\d+, peer protocol v1 to v\d+\n)")))
        << rest;
    for (std::string tool :
         {"collective", "nodedefine", "nodeattrib", "nodelist", "noderemove", "nodegroupdefine",
          "nodegroupattrib", "nodegrouplist", "nodegroupremove", "nodepower", "nodediscover"})
        for (auto uid : {uid_t(0), nobody->pw_uid}) {
            auto r = m.cli(tool, {"--version"}, uid);
            EXPECT_EQ(r.status, 0) << tool << " " << uid << "\n" << r;
            EXPECT_EQ(r.out, tool + rest) << uid;
            EXPECT_EQ(r.err, "") << tool;
        }
    // After a subcommand too; a bad option still fails.
    auto r = m.cli("collective", {"invite", "--version"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "collective" + rest);
    EXPECT_EQ(m.cli("nodelist", {"--versions"}).status, 1);
    r = cc::it::run_program(CC_CONFLUENTD, {"--version"}, m.env(), nobody->pw_uid);
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "confluentd" + rest);
    // The daemon's log says which build started.
    m.start();
    EXPECT_NE(m.log().find("starting confluentd" + rest.substr(0, rest.size() - 1) + ": "),
              std::string::npos)
        << m.log();
}

TEST(CliWithoutDaemon, missingDaemon_namesTheSocketAndExitsTwo) {
    // Nothing was sent, so nothing changed: refused (exit 2), for reads and writes.
    Member m;
    auto r = m.cli("nodelist", {});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.err, "cannot reach confluentd at " + (m.run / "api.sock").string() +
                         ": No such file or directory\n");
    r = m.cli("nodeattrib", {"n1", "a=1"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_NE(r.err.find("cannot reach confluentd at "), std::string::npos);
    r = m.cli("collective", {"show"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_NE(r.err.find("cannot reach confluentd at "), std::string::npos);
}

TEST_F(Cli, runDirFlag_winsOverTheEnvironment) {
    // A wrong CONFLUENT_RUN_DIR is overridden by --run-dir.
    auto r = cc::it::run_program(cc::it::tool_path("nodelist"), {"--run-dir", m.run.string()},
                                 {"CONFLUENT_RUN_DIR=/nonexistent"});
    EXPECT_EQ(r.status, 0) << r;
    r = cc::it::run_program(cc::it::tool_path("nodelist"), {}, {"CONFLUENT_RUN_DIR=/nonexistent"});
    EXPECT_EQ(r.status, 2) << r;  // cannot reach confluentd there
    EXPECT_NE(r.err.find("/nonexistent/api.sock"), std::string::npos);
}

}  // namespace

namespace {

TEST(CollectiveShow, memberOfACollectiveOfOne_printsTheReferenceFormat) {
    cc::it::Member m("mgt1");
    m.start();
    ASSERT_EQ(m.stop(), 0);
    cc::state::save_collective(
        m.cfg() / "collective",
        {0, proto::Membership{{{"mgt1", "127.0.0.1:13001", "", proto::Role::Voter}}}});
    m.start();
    // The lone voter elects itself; until then show reports no quorum.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    cc::it::CmdResult r;
    do {
        r = m.cli("collective", {"show"});
    } while (r.out.find("Quorum: True") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "Quorum: True\nLeader: mgt1\nActive collective members:\n");
    EXPECT_EQ(r.err, "");
}

}  // namespace
