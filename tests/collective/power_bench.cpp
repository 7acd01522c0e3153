// nodepower benchmark (a benchmark program, not a test; run by
// scripts/bench-power.sh): three confluentd members on loopback and 100 real
// BMCs (OpenIPMI ipmi_sim, tests/support/ipmi_sim.hpp). Nodes n1..n50 are
// managed by mgt2 and n51..n100 by mgt3 (groups rack2, rack3, which carry the
// manager and the BMC credentials); `nodepower n1-n100` is run with the real
// CLI on mgt1, which manages none of them, so every node travels to its
// manager and back. Timed as a script sees it: from the CLI's fork to its
// exit. Also timed, once each: `nodepower n1-n100 on` the same way, and
// `nodepower l1-l100` for 100 nodes (on the same BMCs) that mgt1 manages
// itself, for comparison.
//
//   power_bench [RUNS]     (default 11 status runs)
//
// Prints one line per measurement on stdout, progress on stderr. Exits 1 when
// any run failed (exit status not 0, stderr not empty, or not 100 lines
// "NAME: off"/"NAME: on" in noderange order) or the setup failed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "proto/peer.hpp"
#include "tests/collective/cluster.hpp"
#include "tests/support/ipmi_sim.hpp"

namespace {

using cc::ct::Cluster;
using cc::it::CmdResult;
using cc::test::SimBmc;
using namespace std::chrono_literals;

constexpr size_t kNodes = 100;

std::string bmc_address(const SimBmc& sim) {
    return "127.0.0.1:" + std::to_string(sim.port());
}

// Runs a setup tool on member i; throws unless it exits 0 with nothing on
// stderr (anything, with `quiet` false: `collective invite` tells on stderr
// that it generated the member's certificate).
std::string must(Cluster& c, size_t i, const std::string& tool,
                 const std::vector<std::string>& args, bool quiet = true) {
    CmdResult r = c.run(i, tool, args);
    if (r.status != 0 || (quiet && !r.err.empty())) {
        std::string line = tool;
        for (const auto& a : args) line += " " + a;
        throw std::runtime_error(line + " on mgt" + std::to_string(i + 1) + " failed (exit " +
                                 std::to_string(r.status) + "): " + r.out + r.err);
    }
    return r.out;
}

// Forms the collective (mgt2 joins mgt1, mgt3 joins mgt2) and waits until
// every member has its own link to every other at peer protocol v3: routed
// requests travel on the asking member's link.
void form(Cluster& c) {
    for (size_t i = 1; i < c.size(); ++i) {
        std::string token =
            must(c, i - 1, "collective", {"invite", "mgt" + std::to_string(i + 1)}, false);
        token = token.substr(0, token.find('\n'));
        must(c, i, "collective", {"join", c.address(i - 1), "-i", token}, false);
    }
    for (size_t i = 0; i < c.size(); ++i)
        for (size_t j = 0; j < c.size(); ++j) {
            if (i == j) continue;
            const std::string line = "connected to member mgt" + std::to_string(j + 1) + " at " +
                                     c.address(j) + ":13001 (peer protocol v" +
                                     std::to_string(proto::kPeerVersionMax) + ")";
            if (!c[i].wait_for_log(line, 30s))
                throw std::runtime_error("mgt" + std::to_string(i + 1) + " never logged \"" + line +
                                         "\"; its log:\n" + c[i].log());
        }
}

// Waits until every member answers `nodeattrib args` as mgt1 does, so that
// each manager has applied every definition.
void settle(Cluster& c, const std::vector<std::string>& args) {
    const std::string expected = must(c, 0, "nodeattrib", args);
    for (size_t i = 1; i < c.size(); ++i)
        if (c.out_until(i, "nodeattrib", args, expected, 30s) != expected)
            throw std::runtime_error("mgt" + std::to_string(i + 1) +
                                     " did not catch up with the node definitions");
}

// "<prefix>1: <state>\n...<prefix>100: <state>\n".
std::string every_node(const std::string& prefix, const std::string& state) {
    std::string out;
    for (size_t i = 1; i <= kNodes; ++i) out += prefix + std::to_string(i) + ": " + state + "\n";
    return out;
}

// One timed CLI run of `nodepower args` on member i: milliseconds, or a
// negative value (and the reason on stderr) when the run failed.
double timed_nodepower(Cluster& c, size_t i, const std::vector<std::string>& args,
                       const std::string& expected) {
    const auto t0 = std::chrono::steady_clock::now();
    CmdResult r = c.run(i, "nodepower", args);
    const auto t1 = std::chrono::steady_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    if (r.status == 0 && r.err.empty() && r.out == expected) return ms;
    std::cerr << "FAILED: nodepower";
    for (const auto& a : args) std::cerr << " " << a;
    std::cerr << " on mgt" << i + 1 << " (exit " << r.status << ", " << ms << " ms)\n"
              << "stdout:\n"
              << r.out << "stderr:\n"
              << r.err;
    return -1;
}

std::string fmt_ms(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", ms);
    return buf;
}

// How many times `text` occurs in `log`.
size_t count_in(const std::string& log, const std::string& text) {
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
}

int bench(size_t runs) {
    if (SimBmc::program().empty()) {
        std::cerr << "power_bench: ipmi_sim is not installed (scripts/install-deps.sh installs "
                     "openipmi)\n";
        return 1;
    }
    // On the main thread: a SimBmc dies with the thread that started it.
    std::cerr << "starting " << kNodes << " ipmi_sim BMCs\n";
    std::vector<std::unique_ptr<SimBmc>> sims;
    for (size_t i = 0; i < kNodes; ++i) sims.push_back(std::make_unique<SimBmc>());

    std::cerr << "starting 3 members and forming the collective\n";
    Cluster c(3);
    c.start_all();
    form(c);

    std::cerr << "defining " << 2 * kNodes << " nodes\n";
    for (const char* member : {"mgt1", "mgt2", "mgt3"})
        must(c, 0, "nodegroupdefine",
             {std::string("rack") + member[3], "secret.hardwaremanagementuser=admin",
              "secret.hardwaremanagementpassword=sim-password",
              std::string("collective.manager=") + member});
    for (size_t i = 0; i < kNodes; ++i) {
        const std::string bmc = "hardwaremanagement.manager=" + bmc_address(*sims[i]);
        // n1..n50 on mgt2, n51..n100 on mgt3; l1..l100 (the same BMCs) on mgt1.
        must(c, 0, "nodedefine",
             {"n" + std::to_string(i + 1), i < kNodes / 2 ? "groups=rack2" : "groups=rack3", bmc});
        must(c, 0, "nodedefine", {"l" + std::to_string(i + 1), "groups=rack1", bmc});
    }
    settle(c, {"n1-n100,l1-l100", "collective.manager", "hardwaremanagement.manager",
               "secret.hardwaremanagementuser", "secret.hardwaremanagementpassword"});

    bool failed = false;
    std::cerr << runs << " timed runs of nodepower n1-n100 on mgt1\n";
    std::vector<double> times;
    for (size_t k = 0; k < runs; ++k) {
        const double ms = timed_nodepower(c, 0, {"n1-n100"}, every_node("n", "off"));
        if (ms < 0)
            failed = true;
        else
            times.push_back(ms);
    }
    const double local = timed_nodepower(c, 0, {"l1-l100"}, every_node("l", "off"));
    const double on = timed_nodepower(c, 0, {"n1-n100", "on"}, every_node("n", "on"));
    failed |= local < 0 || on < 0;

    // Every n-node ran on its manager, none on mgt1.
    const std::string log1 = c[0].log(), log2 = c[1].log(), log3 = c[2].log();
    if (count_in(log1, "power on of n") != 0 || count_in(log2, "power on of n") != kNodes / 2 ||
        count_in(log3, "power on of n") != kNodes / 2) {
        std::cerr << "FAILED: the power on lines are not 0/50/50 on mgt1/mgt2/mgt3\n";
        failed = true;
    }
    for (const auto& sim : sims)
        if (sim->power_state() != "on") {
            std::cerr << "FAILED: the BMC on port " << sim->port() << " is " << sim->power_state()
                      << " after nodepower on\n";
            failed = true;
        }

    if (!times.empty()) {
        std::sort(times.begin(), times.end());
        const size_t n = times.size();
        const double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
        std::cout << "nodepower status, 100 nodes on 2 managers, from a member managing none: "
                  << "median " << fmt_ms(median) << " ms, min " << fmt_ms(times.front())
                  << " ms, max " << fmt_ms(times.back()) << " ms over " << n << " runs";
        if (n != runs) std::cout << " (" << runs - n << " failed)";
        std::cout << "\n";
    }
    if (on >= 0)
        std::cout << "nodepower on, 100 nodes on 2 managers, from a member managing none: "
                  << fmt_ms(on) << " ms (1 run)\n";
    if (local >= 0)
        std::cout << "nodepower status, 100 nodes managed by the member asked (local): "
                  << fmt_ms(local) << " ms (1 run)\n";
    std::cout.flush();
    return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    size_t runs = 11;
    if (argc > 2 || (argc == 2 && (std::atoi(argv[1]) < 1))) {
        std::cerr << "usage: power_bench [RUNS]   (RUNS >= 1, default 11)\n";
        return 2;
    }
    if (argc == 2) runs = static_cast<size_t>(std::atoi(argv[1]));
    try {
        return bench(runs);
    } catch (const std::exception& e) {
        std::cerr << "power_bench: " << e.what() << "\n";
        return 1;
    }
}
