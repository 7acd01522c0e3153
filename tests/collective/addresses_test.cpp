// Which address a member is recorded at, with real processes on loopback.
// Members started with --listen only (no --advertise) are reached at their
// listen address: their connections leave from it, so the others record it
// rather than the source the kernel would pick (127.0.0.1 on loopback, another
// interface on a multi-homed server). A join whose address does not lead
// back to the joiner is refused at once, with the address tried and what to
// set, and nothing is recorded.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/collective/cluster.hpp"
#include "tests/support/read_file.hpp"

namespace {

using cc::test::read_file;

using cc::ct::Cluster;
using namespace std::chrono_literals;

// "127.0.R.N" -> "127.0.R.last": an address of the cluster's own /24.
std::string in_subnet(const std::string& address, int last) {
    return address.substr(0, address.rfind('.') + 1) + std::to_string(last);
}

// Member i listens on its address and advertises `advertise`.
void listen_and_advertise(Cluster& c, size_t i, const std::string& advertise) {
    std::ofstream toml(c[i].etc / "confluent.toml");
    toml << "[collective]\nlisten = \"" << c.address(i) << "\"\nadvertise = \"" << advertise
         << "\"\n";
}

std::string token_for(Cluster& c, size_t inviter, const std::string& name) {
    auto r = c.run(inviter, "collective", {"invite", name});  // stderr: key generated
    EXPECT_EQ(r.status, 0) << r;
    return r.out.substr(0, r.out.find('\n'));
}

TEST(Addresses, listenOnlyMembers_joinAtTheirListenAddressReplicateAndFailOver) {
    Cluster c(3);
    for (size_t i = 0; i < c.size(); ++i) c.move(i, c.address(i), /*advertise=*/false);
    c.start_all();
    c.invite_and_join(0, 1);
    c.invite_and_join(0, 2);
    EXPECT_EQ(c.show_until(0,
                           "Quorum: True\nLeader: mgt1\nActive collective members:\n    "
                           "mgt2\n    mgt3\n"),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n    mgt2\n    mgt3\n");
    // Recorded at their listen addresses, not at the connections' 127.0.0.1.
    auto members = read_file(c[0].cfg() / "collective");
    for (size_t i = 0; i < c.size(); ++i)
        EXPECT_NE(members.find(c.address(i) + ":13001"), std::string::npos) << members;
    EXPECT_EQ(members.find("127.0.0.1:"), std::string::npos) << members;

    c.ok(0, "nodedefine", {"n1"});
    EXPECT_EQ(c.out_until(2, "nodelist", {}, "n1\n"), "n1\n");

    // The leader goes: a write through another member still succeeds.
    c[0].kill9();
    cc::it::CmdResult w;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
        w = c.run(1, "nodedefine", {"n2"});
        if (w.status == 0) break;
    }
    ASSERT_EQ(w.status, 0) << w << c[1].log();
    EXPECT_EQ(c.out_until(2, "nodelist", {}, "n1\nn2\n"), "n1\nn2\n");
}

// The joiner says it is reached where nothing listens: the inviter cannot
// reach it, and says so within the probe's bound.
TEST(Addresses, joinWhoseAddressLeadsNowhere_failsFastWithTheAddressAndWhatToSet) {
    Cluster c(2);
    const std::string nowhere = in_subnet(c.address(0), 250);
    listen_and_advertise(c, 1, nowhere);
    c.start_all();
    auto token = token_for(c, 0, "mgt2");
    auto start = std::chrono::steady_clock::now();
    auto r = c.run(1, "collective", {"join", c.address(0), "-i", token});
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, 35s);
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "") << r;
    EXPECT_EQ(r.err, "mgt1 could not reach mgt2 at " + nowhere +
                         ":13001 (Connection refused); start confluentd on mgt2 with --listen or "
                         "--advertise set to an address mgt1 can reach\n")
        << r;
    // Nothing was recorded: mgt1 is still alone.
    EXPECT_EQ(c.ok(0, "collective", {"show"}),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n");
}

// The symptom as met: the address given for the joiner is the inviter's own
// (what the inviter saw as the source of a loopback connection). The inviter
// meets its own key there, not the joiner's, and refuses at once.
TEST(Addresses, joinWhoseAddressIsTheInvitersOwn_failsFastNamingTheAddress) {
    Cluster c(2);
    listen_and_advertise(c, 1, c.address(0));
    c.start_all();
    auto token = token_for(c, 0, "mgt2");
    auto start = std::chrono::steady_clock::now();
    auto err = c.fails(1, "collective", {"join", c.address(0), "-i", token}, 2);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 35s);
    EXPECT_EQ(err, "mgt1 could not reach mgt2 at " + c.address(0) +
                       ":13001 (another server answers there, not mgt2); start confluentd on "
                       "mgt2 with --listen or --advertise set to an address mgt1 can reach");
    // The invitation is used up (a verified proof), but mgt2 was not recorded.
    EXPECT_EQ(c.ok(0, "collective", {"show"}),
              "Quorum: True\nLeader: mgt1\nActive collective members:\n");
}

}  // namespace
