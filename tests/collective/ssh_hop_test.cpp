// The reference page's one-liner, run for real through OpenSSH:
//
//   collective join mgt1 -i $(ssh mgt1 collective invite mgt3)
//
// on mgt3, by /bin/sh, with `ssh` going to an sshd of the test's own
// (tests/collective/sshd.hpp) that stands for mgt1: its sessions find the
// built tools on PATH and mgt1's directories in CONFLUENT_*_DIR (SetEnv), so
// the remote `collective invite` asks mgt1's daemon. `mgt1` is resolved by
// the test's ssh_config for ssh, and by a private /etc/hosts in this test's
// own mount namespace for `collective join` (tests/collective/private_hosts.hpp).
// Then `ssh mgt1 collective show --json`, parsed as a script would.
//
// Needs root (the mount namespace; sshd logging in as root) and Debian's
// openssh-server (scripts/install-deps.sh). Without sshd the test fails: it
// is the test of the remote hop.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/collective/cluster.hpp"
#include "tests/collective/private_hosts.hpp"
#include "tests/collective/sshd.hpp"
#include "tests/support/json_value.hpp"
#include "tests/support/skip_or_fail.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using cc::ct::Cluster;
using cc::ct::Sshd;
using cc::test::JsonValue;
using cc::test::parse_json;
using namespace std::chrono_literals;

std::string cli_dir() {
    return std::filesystem::path(cc::it::tool_path("collective")).parent_path().string();
}

std::vector<std::string> names_of(const JsonValue& members) {
    std::vector<std::string> out;
    for (const auto& m : members.array) out.push_back(m.at("name").string);
    return out;
}

TEST(SshHop, referenceOneLiner_joinsMgt3ThroughRealSsh_andShowJsonReadsMgt1) {
    ASSERT_TRUE(std::filesystem::exists(Sshd::kBinary))
        << Sshd::kBinary << " is missing: install Debian's openssh-server "
        << "(scripts/install-deps.sh, as root)";
    if (::geteuid() != 0) SKIP_OR_FAIL("needs root: a private /etc/hosts, sshd logging in");

    Cluster c(3);
    {
        std::ofstream hosts(c[0].root / "hosts");
        hosts << "127.0.0.1 localhost\n";
        for (size_t i = 0; i < 3; ++i) hosts << c.address(i) << " mgt" << i + 1 << "\n";
    }
    auto why = cc::ct::private_hosts(c[0].root / "hosts");
    ASSERT_EQ(why, "") << "a private /etc/hosts for mgt1..mgt3";
    c.start_all();
    c.invite_and_join(0, 1);

    // sshd on mgt1's address: its sessions are mgt1's.
    cc::test::TempDir dir("cc-sshd");
    std::vector<std::string> session_env = c[0].env();
    session_env.push_back("PATH=" + cli_dir() + ":/usr/bin:/bin");
    Sshd sshd(dir.path(), c.address(0), session_env);
    const std::string config = sshd.client_config("mgt1").string();

    // The one-liner, by a real shell, on mgt3 (its own directories).
    auto mgt3_env = c[2].env();
    mgt3_env.push_back("PATH=" + cli_dir() + ":/usr/bin:/bin");
    auto join = cc::it::run_program(
        "/bin/sh",
        {"-c", "collective join mgt1 -i $(ssh -F '" + config + "' mgt1 collective invite mgt3)"},
        mgt3_env);
    EXPECT_EQ(join.status, 0) << join << "\nsshd:\n" << sshd.log() << "\nmgt1:\n" << c[0].log();
    EXPECT_EQ(join.out, "Certificate generated successfully\nSuccess\n") << join;
    EXPECT_EQ(join.err, "") << join;
    // The invitation was made and used on mgt1: none is left pending there.
    EXPECT_EQ(c.ok(0, "collective", {"invite", "--list"}), "No invitations pending on mgt1\n");

    // `ssh mgt1 collective show --json`, until every member is seen active.
    auto show = [&] {
        return cc::it::run_program("/usr/bin/ssh",
                                   {"-F", config, "mgt1", "collective", "show", "--json"}, {});
    };
    cc::it::CmdResult r;
    JsonValue v;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        r = show();
        ASSERT_EQ(r.status, 0) << r << "\nsshd:\n" << sshd.log();
        ASSERT_EQ(r.err, "") << r;
        ASSERT_NO_THROW(v = parse_json(r.out)) << r.out;
        if (v.at("offline").strings().empty() || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(v.at("self").string, "mgt1") << "the remote command asked another member:\n" << r.out;
    EXPECT_TRUE(v.at("quorum").boolean) << r.out;
    EXPECT_EQ(v.at("leader").string, "mgt1") << r.out;
    EXPECT_EQ(v.at("active").strings(), (std::vector<std::string>{"mgt2", "mgt3"})) << r.out;
    EXPECT_EQ(v.at("offline").strings(), std::vector<std::string>{}) << r.out;
    EXPECT_EQ(names_of(v.at("members")), (std::vector<std::string>{"mgt1", "mgt2", "mgt3"}))
        << r.out;
    for (const auto& m : v.at("members").array) {
        EXPECT_TRUE(m.at("voter").boolean) << r.out;
        EXPECT_EQ(m.at("state").string, m.at("name").string == "mgt1" ? "leader" : "active")
            << r.out;
    }
    // mgt3 sees the same collective from its side.
    EXPECT_EQ(c.ok(2, "collective", {"show"}),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n");
}

}  // namespace
