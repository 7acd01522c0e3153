// nodepower on real members and real BMCs: three confluentd processes on
// loopback, one OpenIPMI ipmi_sim process per node (tests/support/ipmi_sim.hpp).
// Each request runs on the node's manager (collective.manager), whichever
// member it was asked of; the manager logs one line per node it ran
// ("power on of n3 (BMC 127.0.0.1:PORT) for mgt2: on"), which shows where
// each node went. Errors are per node: the other nodes are still carried
// out, and the tool exits 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proto/peer.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/ipmi_sim.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using cc::ct::Cluster;
using cc::it::CmdResult;
using cc::test::SimBmc;
using namespace std::chrono_literals;

std::string bmc_address(uint16_t port) {
    return "127.0.0.1:" + std::to_string(port);
}
std::string bmc_address(const SimBmc& sim) {
    return bmc_address(sim.port());
}

// `count` SimBmcs, all powered off, one per node.
std::vector<std::unique_ptr<SimBmc>> start_bmcs(size_t count) {
    std::vector<std::unique_ptr<SimBmc>> sims;  // on the test's thread: PDEATHSIG is per thread
    for (size_t i = 0; i < count; ++i) sims.push_back(std::make_unique<SimBmc>());
    return sims;
}

// The credentials every SimBmc takes (SimBmc::Options' defaults), for a group.
std::vector<std::string> group_args(const std::string& group, const std::string& manager) {
    std::vector<std::string> args{group, "secret.hardwaremanagementuser=admin",
                                  "secret.hardwaremanagementpassword=sim-password"};
    if (!manager.empty()) args.push_back("collective.manager=" + manager);
    return args;
}

// "n1: off\n...nK: off\n" for n1..nK.
std::string every_node(size_t count, const std::string& state) {
    std::string out;
    for (size_t i = 1; i <= count; ++i) out += "n" + std::to_string(i) + ": " + state + "\n";
    return out;
}

// Forms the collective and waits until every member has its own link to
// every other, at the protocol both offer (`max[i]`: what member i offers,
// this build's newest when not given); routed requests travel on the asking
// member's link.
void form(Cluster& c, std::vector<uint32_t> max = {}) {
    for (size_t i = 1; i < c.size(); ++i) c.invite_and_join(i - 1, i);
    max.resize(c.size(), proto::kPeerVersionMax);
    for (size_t i = 0; i < c.size(); ++i)
        for (size_t j = 0; j < c.size(); ++j) {
            if (i == j) continue;
            const std::string line = "connected to member mgt" + std::to_string(j + 1) + " at " +
                                     c.address(j) + ":13001 (peer protocol v" +
                                     std::to_string(std::min(max[i], max[j])) + ")";
            EXPECT_TRUE(c[i].wait_for_log(line, 10s)) << "mgt" << i + 1 << ": " << line << "\n"
                                                      << c[i].log();
        }
}

// Waits until every member answers `nodeattrib args` as the first does, so
// that each manager has applied every write made so far.
void settle(Cluster& c, const std::vector<std::string>& args) {
    const std::string expected = c.ok(0, "nodeattrib", args);
    for (size_t i = 1; i < c.size(); ++i)
        ASSERT_EQ(c.out_until(i, "nodeattrib", args, expected), expected) << "on mgt" << i + 1;
}

// How many times `text` occurs in `log`.
size_t count_in(const std::string& log, const std::string& text) {
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
}

class Nodepower : public ::testing::Test {
  protected:
    void SetUp() override {
        if (SimBmc::program().empty())
            SKIP_OR_FAIL("ipmi_sim is not installed (scripts/install-deps.sh installs openipmi)");
    }
};

// n1,n2 on mgt1, n3,n4 on mgt2, n5,n6 on mgt3, through groups rack1..rack3
// that carry the manager and the BMC credentials.
TEST_F(Nodepower, eachNodeRunsOnItsManager_whicheverMemberIsAsked) {
    auto sims = start_bmcs(6);
    Cluster c(3);
    c.start_all();
    form(c);
    for (size_t r = 1; r <= 3; ++r)
        c.ok(0, "nodegroupdefine",
             group_args("rack" + std::to_string(r), "mgt" + std::to_string(r)));
    for (size_t i = 0; i < 6; ++i)
        c.ok(0, "nodedefine",
             {"n" + std::to_string(i + 1), "groups=rack" + std::to_string(i / 2 + 1),
              "hardwaremanagement.manager=" + bmc_address(*sims[i])});
    settle(c, {"n1-n6", "collective.manager", "hardwaremanagement.manager"});

    // status from each member: the same six lines, in noderange order.
    for (size_t i = 0; i < 3; ++i)
        EXPECT_EQ(c.ok(i, "nodepower", {"n1-n6"}), every_node(6, "off")) << "from mgt" << i + 1;
    EXPECT_EQ(c.ok(2, "nodepower", {"n1-n6", "status"}), every_node(6, "off"));
    for (const auto& sim : sims) EXPECT_TRUE(sim->actions().empty());

    // on, asked of mgt2: every chassis on, each by its own manager.
    EXPECT_EQ(c.ok(1, "nodepower", {"n1-n6", "on"}), every_node(6, "on"));
    for (size_t n = 0; n < 6; ++n) {
        SCOPED_TRACE("n" + std::to_string(n + 1));
        EXPECT_EQ(sims[n]->power_state(), "on");
        EXPECT_EQ(sims[n]->actions(), std::vector<std::string>{"power 1"});
        const size_t manager = n / 2;
        const std::string node = "n" + std::to_string(n + 1);
        const std::string line =
            "power on of " + node + " (BMC " + bmc_address(*sims[n]) + ") for mgt2: on";
        EXPECT_TRUE(c[manager].wait_for_log(line, 5s)) << c[manager].log();
        for (size_t other = 0; other < 3; ++other) {
            const std::string log = c[other].log();
            EXPECT_EQ(count_in(log, "power on of " + node + " "), other == manager ? 1u : 0u)
                << "mgt" << other + 1 << "'s log:\n"
                << log;
        }
    }
    // A manager's own requests are logged as for itself.
    EXPECT_EQ(c.ok(0, "nodepower", {"n1", "off"}), "n1: off\n");
    EXPECT_TRUE(
        c[0].wait_for_log("power off of n1 (BMC " + bmc_address(*sims[0]) + ") for mgt1: off", 5s))
        << c[0].log();
    EXPECT_EQ(sims[0]->power_state(), "off");
    EXPECT_EQ(c.ok(2, "nodepower", {"n1,n6"}), "n1: off\nn6: on\n");
}

// -p (confluent's --showprevious): each line shows the state before the
// action, "n1: off->on", for nodes run here and on another manager alike;
// with status the state twice ("n1: on->on"), as confluent prints it.
TEST_F(Nodepower, showPrevious_printsTheStateBeforeTheAction) {
    auto sims = start_bmcs(2);
    Cluster c(2);
    c.start_all();
    form(c);
    for (size_t r = 1; r <= 2; ++r) {
        const std::string n = std::to_string(r);
        c.ok(0, "nodegroupdefine", group_args("rack" + n, "mgt" + n));
        c.ok(0, "nodedefine",
             {"n" + n, "groups=rack" + n,
              "hardwaremanagement.manager=" + bmc_address(*sims[r - 1])});
    }
    settle(c, {"n1,n2", "collective.manager", "hardwaremanagement.manager"});

    // Asked of mgt1: n1 runs there, n2 on mgt2.
    EXPECT_EQ(c.ok(0, "nodepower", {"n1,n2", "on", "-p"}), "n1: off->on\nn2: off->on\n");
    for (const auto& sim : sims) EXPECT_EQ(sim->power_state(), "on");
    EXPECT_EQ(c.ok(1, "nodepower", {"-p", "n1,n2"}), "n1: on->on\nn2: on->on\n");
    EXPECT_EQ(c.ok(1, "nodepower", {"n1", "off", "--showprevious"}), "n1: on->off\n");
    EXPECT_EQ(c.ok(0, "nodepower", {"n1,n2", "boot", "-p"}), "n1: off->on\nn2: on->reset\n");
    EXPECT_EQ(sims[0]->actions(), (std::vector<std::string>{"power 1", "power 0", "power 1"}));
    EXPECT_EQ(sims[1]->actions(), (std::vector<std::string>{"power 1", "reset 1"}));
    // Without -p the lines are as before.
    EXPECT_EQ(c.ok(0, "nodepower", {"n1,n2"}), "n1: on\nn2: on\n");

    // A failed node keeps its one error line on stderr; the others run.
    c.ok(0, "nodeattrib", {"n2", "secret.hardwaremanagementpassword=wrong"});
    settle(c, {"n2", "secret.hardwaremanagementpassword"});
    CmdResult r = c.run(0, "nodepower", {"n1,n2", "off", "-p"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "n1: on->off\n");
    EXPECT_EQ(r.err, "n2: authentication failed: wrong user or password for BMC " +
                         bmc_address(*sims[1]) + "\n");
    EXPECT_EQ(sims[1]->power_state(), "on");

    // Bad use is the tool's own one-line error (exit 1), nothing sent.
    EXPECT_EQ(c.fails(0, "nodepower", {"-p"}),
              "nodepower: give a noderange and at most one state, e.g. nodepower n1-n4 status "
              "(states: status, on, off, reset, boot, shutdown, softoff)");
    EXPECT_EQ(c.fails(0, "nodepower", {"n1", "cycle", "-p"}),
              "nodepower: unknown state \"cycle\" (states: status, on, off, reset, boot, "
              "shutdown, softoff)");
    EXPECT_EQ(sims[0]->actions().size(), 4u);
}

// Per-node errors, each on its own line on stderr, in noderange order among
// the good nodes' lines on stdout; exit 2; the good nodes are carried out.
TEST_F(Nodepower, perNodeErrors_leaveTheOtherNodesDone) {
    auto sims = start_bmcs(3);  // n1 (wrong password), n3, n5
    const uint16_t silent = SimBmc::unused_port();
    Cluster c(3);
    c.start_all();
    // A manager that is not a member can only be set on a lone server (a
    // collective refuses it): set on mgt1 before it forms one, and kept.
    c.ok(0, "nodedefine",
         {"n9", "collective.manager=mgt9", "hardwaremanagement.manager=" + bmc_address(*sims[1])});
    form(c);
    c.ok(0, "nodegroupdefine", group_args("rack1", "mgt1"));
    c.ok(0, "nodegroupdefine", group_args("rack3", "mgt3"));
    c.ok(0, "nodegroupdefine", group_args("nomanager", ""));
    c.ok(0, "nodedefine",
         {"n1", "groups=rack1", "hardwaremanagement.manager=" + bmc_address(*sims[0])});
    c.ok(0, "nodedefine",
         {"n2", "groups=rack1", "hardwaremanagement.manager=" + bmc_address(silent)});
    c.ok(0, "nodedefine",
         {"n3", "groups=rack1", "hardwaremanagement.manager=" + bmc_address(*sims[1])});
    c.ok(0, "nodedefine", {"n4", "groups=rack1"});  // no BMC address
    c.ok(0, "nodedefine",
         {"n5", "groups=rack3", "hardwaremanagement.manager=" + bmc_address(*sims[2])});
    c.ok(0, "nodedefine",
         {"n7", "groups=nomanager", "hardwaremanagement.manager=" + bmc_address(*sims[1])});
    EXPECT_EQ(c.ok(0, "nodeattrib", {"n1", "secret.hardwaremanagementpassword=wrong"}),
              "n1: ********\n");
    settle(c, {"n1-n5,n7,n9", "collective.manager", "hardwaremanagement.manager",
               "secret.hardwaremanagementpassword"});

    // Wrong password: the BMC is not touched, the other nodes are.
    CmdResult r = c.run(1, "nodepower", {"n1,n3,n5", "on"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "n3: on\nn5: on\n");
    EXPECT_EQ(r.err, "n1: authentication failed: wrong user or password for BMC " +
                         bmc_address(*sims[0]) + "\n");
    EXPECT_EQ(sims[0]->power_state(), "off");
    EXPECT_TRUE(sims[0]->actions().empty());
    EXPECT_EQ(sims[1]->power_state(), "on");
    EXPECT_EQ(sims[2]->power_state(), "on");

    // A BMC that never answers fails within the daemon's BMC timeout (5 s),
    // and names the address; the errors without a BMC call come at once.
    auto t0 = std::chrono::steady_clock::now();
    r = c.run(2, "nodepower", {"n2,n3,n4,n7,n9"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "n3: on\n");
    EXPECT_EQ(r.err, "n2: BMC " + bmc_address(silent) + " did not answer within 5000 ms\n" +
                         "n4: hardwaremanagement.manager is not set for this node\n"
                         "n7: collective mode is active, but collective.manager is not set for "
                         "this node\n"
                         "n9: \"mgt9\" is not recognized as a collective member\n");
    EXPECT_LT(took, 10s);

    // A manager that is lost: its nodes fail with the reason, the others run.
    c[2].kill9();
    t0 = std::chrono::steady_clock::now();
    r = c.run(0, "nodepower", {"n3,n5"});
    took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "n3: on\n");
    const std::string prefix = "n5: Collective member mgt3 is unreachable (";
    EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
    EXPECT_EQ(r.err.size() > prefix.size() + 2 ? r.err.substr(r.err.size() - 2) : r.err, ")\n")
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_LT(took, 17s);
    EXPECT_EQ(sims[2]->power_state(), "on");  // nobody else touched mgt3's node

    // A bad state is the tool's own error (exit 1), nothing sent.
    EXPECT_EQ(c.fails(0, "nodepower", {"n3", "cycle"}),
              "nodepower: unknown state \"cycle\" (states: status, on, off, reset, boot, "
              "shutdown, softoff)");
}

// mgt3 offers peer protocol v2 at most (a build before routed requests): its
// nodes are refused per node with what to do, the rest run.
TEST_F(Nodepower, aManagerOnAnOlderProtocol_isNamedPerNode) {
    auto sims = start_bmcs(2);
    Cluster c(3);
    std::ofstream(c[2].etc / "confluent.toml", std::ios::app) << "peer_protocol_max = 2\n";
    c.start_all();
    form(c, {proto::kPeerVersionMax, proto::kPeerVersionMax, 2});
    c.ok(0, "nodegroupdefine", group_args("rack1", "mgt1"));
    c.ok(0, "nodegroupdefine", group_args("rack3", "mgt3"));
    c.ok(0, "nodedefine",
         {"n1", "groups=rack1", "hardwaremanagement.manager=" + bmc_address(*sims[0])});
    c.ok(0, "nodedefine",
         {"n5", "groups=rack3", "hardwaremanagement.manager=" + bmc_address(*sims[1])});
    settle(c, {"n1,n5", "collective.manager", "hardwaremanagement.manager"});

    CmdResult r = c.run(0, "nodepower", {"n5"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "n5: mgt3 runs a version without power control; upgrade it\n");
    r = c.run(1, "nodepower", {"n1,n5", "on"});
    EXPECT_EQ(r.status, 2) << r;
    EXPECT_EQ(r.out, "n1: on\n");
    EXPECT_EQ(r.err, "n5: mgt3 runs a version without power control; upgrade it\n");
    EXPECT_EQ(sims[0]->power_state(), "on");
    EXPECT_EQ(sims[1]->power_state(), "off");
    EXPECT_TRUE(sims[1]->actions().empty());
    // Nothing it received was rejected: no routed message went to mgt3.
    EXPECT_EQ(c[2].log().find("sent a frame that was rejected"), std::string::npos) << c[2].log();
}

// After the leader moved a killed manager's nodes to their candidates,
// nodepower reaches those nodes' BMCs through their new managers.
TEST_F(Nodepower, nodesOfAKilledManagerArePoweredThroughTheirNewManagers) {
    auto sims = start_bmcs(4);
    Cluster c(3);
    for (size_t i = 0; i < 3; ++i)
        std::ofstream(c[i].etc / "confluent.toml", std::ios::app) << "reassign_grace = 2\n";
    c.start_all();
    form(c);
    auto rack = group_args("rack3", "mgt3");
    rack.push_back("collective.managercandidates=mgt[1-2]");
    c.ok(0, "nodegroupdefine", rack);
    for (size_t i = 0; i < 4; ++i)
        c.ok(0, "nodedefine",
             {"n" + std::to_string(i + 1), "groups=rack3",
              "hardwaremanagement.manager=" + bmc_address(*sims[i])});
    settle(c, {"n1-n4", "collective.manager", "hardwaremanagement.manager"});
    EXPECT_EQ(c.ok(1, "nodepower", {"n1-n4"}), every_node(4, "off"));

    c[2].kill9();
    auto moved = [](const std::string& out) { return out.find("mgt3") == std::string::npos; };
    auto managers = c.out_until(0, "nodeattrib", {"n1-n4", "collective.manager"}, moved, 20s);
    ASSERT_TRUE(moved(managers)) << managers << c[0].log();
    ASSERT_EQ(c.out_until(1, "nodeattrib", {"n1-n4", "collective.manager"}, managers), managers);

    // Asked of mgt2: each node on through its new manager, two each.
    EXPECT_EQ(c.ok(1, "nodepower", {"n1-n4", "on"}), every_node(4, "on"));
    for (const auto& sim : sims) EXPECT_EQ(sim->power_state(), "on");
    // The managers' log lines (their reader threads may lag the answer).
    for (size_t i : {0, 1}) {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (count_in(c[i].log(), "power on of n") < 2 &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(20ms);
        EXPECT_EQ(count_in(c[i].log(), "power on of n"), 2u) << c[i].log();
    }
}

// A lone server runs every node itself, whatever collective.manager says.
TEST_F(Nodepower, aLoneServerRunsEveryNode_withAnyManagerOrNone) {
    SimBmc sim;
    cc::it::Member m;
    m.start();
    auto ok = [&](const std::string& tool, const std::vector<std::string>& args) {
        CmdResult r = m.cli(tool, args);
        EXPECT_EQ(r.status, 0) << tool << "\n" << r;
        EXPECT_EQ(r.err, "") << tool;
        return r.out;
    };
    ok("nodegroupdefine", group_args("everyone", ""));
    ok("nodedefine", {"n1", "groups=everyone", "hardwaremanagement.manager=" + bmc_address(sim)});
    EXPECT_EQ(ok("nodepower", {"n1"}), "n1: off\n");
    ok("nodeattrib", {"n1", "collective.manager=mgt9"});
    EXPECT_EQ(ok("nodepower", {"n1", "on"}), "n1: on\n");
    EXPECT_EQ(sim.power_state(), "on");
    ok("nodeattrib", {"n1", "collective.manager=mgt1"});
    EXPECT_EQ(ok("nodepower", {"n1", "reset"}), "n1: reset\n");
    ok("nodeattrib", {"n1", "-c", "collective.manager"});
    EXPECT_EQ(ok("nodepower", {"n1", "off"}), "n1: off\n");
    EXPECT_EQ(sim.actions(), (std::vector<std::string>{"power 1", "reset 1", "power 0"}));
    EXPECT_TRUE(m.wait_for_log("power off of n1 (BMC " + bmc_address(sim) + ")", 5s)) << m.log();
}

}  // namespace
