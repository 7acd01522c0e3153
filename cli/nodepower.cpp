// nodepower [-p] NODERANGE [STATE]: reads or sets the power of each node
// through its BMC, as confluent's nodepower. The daemon runs each node on its
// manager (collective.manager; a lone server runs them all) and answers one
// result per node, in noderange order: "n1: on" on stdout for each node
// carried out ("n1: off->on" with -p, confluent's --showprevious), "n1:
// <error>" on stderr for each that failed, in that order; exit 0 when every
// node was carried out, 2 when any failed.
#include <array>
#include <iostream>
#include <string_view>

#include "cli/client.hpp"

using namespace cc::cli;

namespace {

constexpr std::array<std::string_view, 7> kStates = {"status", "on",       "off",    "reset",
                                                     "boot",   "shutdown", "softoff"};

po::options_description options() {
    po::options_description opts("Options");
    opts.add_options()("showprevious,p", "show the previous power state too: n1: off->on");
    return opts;
}

std::string state_list() {
    std::string out;
    for (auto s : kStates) {
        if (!out.empty()) out += ", ";
        out += s;
    }
    return out;
}

const char* const kUsage =
    "Usage: nodepower [-p] NODERANGE [status|on|off|reset|boot|shutdown|softoff]\n"
    "Reads or sets the power state of the nodes through their BMCs (IPMI at\n"
    "hardwaremanagement.manager, with secret.hardwaremanagementuser and\n"
    "secret.hardwaremanagementpassword). In a collective each node is handled by\n"
    "its manager (collective.manager), whichever member you ask.\n"
    "\n"
    "States (default status):\n"
    "  status    show the current state: on or off\n"
    "  on        power on\n"
    "  off       power off at once (hard)\n"
    "  reset     hard reset, whatever the state (prints reset)\n"
    "  boot      power on if off, reset if on\n"
    "  shutdown  ask the operating system to shut down and wait until off\n"
    "  softoff   the same as shutdown\n"
    "\n"
    "Prints one line per node in noderange order: \"n1: on\" on stdout for a node\n"
    "carried out, \"n1: <error>\" on stderr for one that failed (unreachable\n"
    "manager or BMC, wrong password, ...). When some nodes failed the exit status\n"
    "is 2 and the other nodes were still carried out.\n"
    "\n"
    "With -p each line also shows the state before the action, as confluent does:\n"
    "\"n1: off->on\" (status: \"n1: on->on\").";

}  // namespace

int main(int argc, char** argv) {
    return run_tool("nodepower", argc, argv, options(), kUsage, [](const CommandLine& cl) {
        if (cl.args.empty() || cl.args.size() > 2)
            throw CliError(
                "nodepower: give a noderange and at most one state, e.g. nodepower n1-n4 "
                "status (states: " +
                state_list() + ")");
        proto::ApiNodeOperation request;
        request.noderange = cl.args[0];
        request.operation = "power";
        request.argument = cl.args.size() > 1 ? cl.args[1] : "status";
        request.show_previous = cl.vm.count("showprevious") > 0;
        bool known = false;
        for (auto s : kStates) known = known || s == request.argument;
        if (!known)
            throw CliError("nodepower: unknown state \"" + request.argument +
                           "\" (states: " + state_list() + ")");

        ApiClient client(resolve_paths(cl.vm).api_socket());
        auto r = client.call(request);
        if (auto* e = std::get_if<proto::ApiError>(&r)) throw failure(*e);
        auto* results = std::get_if<proto::ApiNodeResults>(&r);
        if (!results)
            throw CliError(
                request.argument == "status"
                    ? "confluentd answered nodepower with something else"
                    : "confluentd answered nodepower with something else; the nodes' power "
                      "may or may not have been changed: read it back with nodepower " +
                          request.noderange + " status",
                request.argument == "status" ? proto::Outcome::Internal : proto::Outcome::Unknown);
        bool all_ok = true;
        for (auto n : results->results) {
            // A daemon of an older build ignores -p: it did the action but
            // cannot say what the state was before.
            if (n.ok && request.show_previous && n.previous.empty()) {
                n.ok = false;
                n.text +=
                    "; the previous state is unknown: confluentd runs a version "
                    "without nodepower -p (restart it after the upgrade)";
            }
            if (n.ok) {
                std::cout << n.node << ": "
                          << (request.show_previous ? n.previous + "->" : std::string()) << n.text
                          << "\n";
            } else {
                all_ok = false;
                std::cout.flush();  // keep noderange order on a shared terminal
                std::cerr << n.node << ": " << n.text << "\n";
            }
        }
        std::cout.flush();
        return all_ok ? 0 : proto::exit_code(proto::Outcome::Refused);
    });
}
