// collective gencert              create this member's key and certificate
// collective invite NAME [-n]     print a one-time token for server NAME
// collective join SERVER [-i TOKEN]  join the collective SERVER belongs to
// collective show [-v|--json]     quorum, leader, active and offline members
// collective delete NAME          remove an offline member

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/client.hpp"
#include "daemon/collective/show_format.hpp"
#include "daemon/crypto/key.hpp"
#include "daemon/util/host_name.hpp"

using namespace cc::cli;

namespace {

// How long `join` waits for the restarted daemon to catch up with the
// collective (a large configuration takes a while to transfer and write).
constexpr auto kCatchUpBound = std::chrono::seconds(300);
constexpr auto kLinkGrace = std::chrono::seconds(3);
// How long the daemon may stay unreachable while it restarts as a member.
constexpr auto kRestartBound = std::chrono::seconds(30);

// Collective commands print the daemon's line as it is: the texts are the
// ones administrators know ("Invalid token", "Collective does not have quorum").
// The exit status is the outcome's (proto/outcome.hpp). `changes`: the
// request changes something, so a reply this tool cannot use leaves it unknown.
[[noreturn]] void fail(const proto::ApiResponse& r, const char* what, bool changes) {
    if (auto* e = std::get_if<proto::ApiError>(&r)) {
        auto o = e->code == proto::Outcome::Done ? proto::Outcome::Internal : e->code;
        throw CliError(proto::text_or_default(o, e->message), o);
    }
    if (changes)
        throw CliError(std::string("confluentd answered ") + what +
                           " with something else; it may or may not have been carried out",
                       proto::Outcome::Unknown);
    throw CliError(std::string("confluentd answered ") + what + " with something else",
                   proto::Outcome::Internal);
}

int gencert(const cc::app::Config& config) {
    if (cc::crypto::key_exists(config.etc_dir)) {
        std::cerr << (config.etc_dir / cc::crypto::kPrivateKeyFile).string()
                  << " already exists; keeping it (remove it first to generate a new key)\n";
        return 0;
    }
    try {
        cc::crypto::generate_key_and_cert(config.etc_dir, cc::util::short_host_name());
    } catch (const std::exception& e) {
        throw CliError(std::string("cannot generate the key and certificate: ") + e.what(),
                       proto::Outcome::Refused);
    }
    std::cout << "Certificate generated successfully\n";
    return 0;
}

proto::ApiStatus status(ApiClient& client, bool verbose = false) {
    auto r = client.call(proto::ApiStatusQuery{verbose});
    auto* s = std::get_if<proto::ApiStatus>(&r);
    if (!s) fail(r, "the status query", false);
    return *s;
}

int show(const cc::app::Config& config, bool verbose, bool json) {
    ApiClient client(config.api_socket());
    auto s = status(client, verbose || json);
    if (!s.in_collective)
        throw CliError(std::string(proto::default_text(proto::Outcome::NotInCollective)),
                       proto::Outcome::NotInCollective);
    if (json)
        std::cout << cc::collective::format_show_json(s);
    else
        std::cout << (verbose ? cc::collective::format_show_verbose(s)
                              : cc::collective::format_show(s));
    return 0;
}

int invite(const cc::app::Config& config, const std::string& name, bool nonvoting, uint64_t ttl) {
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiInvite{name, nonvoting, ttl});
    auto* inv = std::get_if<proto::ApiInvitation>(&r);
    if (!inv) fail(r, "the invitation", true);
    // stdout carries only the token, so that $(collective invite NAME) works.
    if (inv->key_generated) std::cerr << "Certificate generated successfully\n";
    std::cout << inv->token << "\n";
    return 0;
}

bool votes(const proto::ApiStatus& s, const std::string& name) {
    for (const auto& m : s.members)
        if (m.name == name) return m.voter;
    return false;
}

// Waits until the restarted daemon is the member `started.name` and has
// applied the member list change that admitted it (and, for a voter, the
// leader's promotion once it caught up).
void wait_caught_up(const cc::app::Config& config, const proto::ApiJoinStarted& started) {
    auto deadline = std::chrono::steady_clock::now() + kCatchUpBound;
    std::optional<std::chrono::steady_clock::time_point> caught_up, unreachable_since;
    std::string last = "confluentd did not restart";
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            ApiClient client(config.api_socket());
            auto s = status(client);
            if (s.boot_id != started.previous_boot_id && s.my_name == started.name &&
                s.in_collective && s.applied_index >= started.commit_index &&
                (!started.will_vote || votes(s, started.name))) {
                // Caught up; give the links to the other members a moment to
                // come up, so that `collective show` right after is complete.
                if (!caught_up) caught_up = std::chrono::steady_clock::now();
                if (s.offline.empty() || std::chrono::steady_clock::now() > *caught_up + kLinkGrace)
                    return;
            }
            last = "this member has applied index " + std::to_string(s.applied_index) + " of " +
                   std::to_string(started.commit_index);
            unreachable_since.reset();
        } catch (const CliError& e) {
            last = e.what();  // the daemon is restarting
            auto now = std::chrono::steady_clock::now();
            if (!unreachable_since) unreachable_since = now;
            // Joined, but not seen working: the script must look (exit 4).
            if (now - *unreachable_since > kRestartBound)
                throw CliError(
                    "joined, but confluentd did not come back after restarting as a "
                    "member (" +
                        last + "); see its log",
                    proto::Outcome::Unknown);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw CliError("joined, but this member has not caught up with the collective yet (" + last +
                       "); see confluentd's log",
                   proto::Outcome::Unknown);
}

int join(const cc::app::Config& config, const std::string& server, std::string token) {
    if (token.empty()) {
        std::cerr << "Paste the invitation here: " << std::flush;
        std::getline(std::cin, token);
    }
    proto::ApiJoinStarted started;
    {
        ApiClient client(config.api_socket());
        auto r = client.call(proto::ApiJoin{server, token});
        auto* s = std::get_if<proto::ApiJoinStarted>(&r);
        if (!s) fail(r, "the join", true);
        started = *s;
    }
    if (started.key_generated) std::cout << "Certificate generated successfully\n" << std::flush;
    wait_caught_up(config, started);
    std::cout << "Success\n";
    return 0;
}

int remove(const cc::app::Config& config, const std::string& name) {
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiDeleteMember{name});
    auto* done = std::get_if<proto::ApiDone>(&r);
    if (!done) fail(r, "the delete", true);
    for (const auto& line : done->lines) std::cout << line << "\n";
    return 0;
}

const char* kUsage =
    "Usage: collective SUBCOMMAND [options]\n"
    "  gencert                  create this member's key and certificate\n"
    "  invite NAME [-n]         print a one-time token that lets server NAME join\n"
    "  join SERVER [-i TOKEN]   join the collective that SERVER belongs to\n"
    "  show [-v] [--json]       quorum, leader, active and offline members\n"
    "  delete NAME              remove an offline member";

void expect_args(const std::vector<std::string>& args, size_t n, const std::string& usage) {
    if (args.size() != n) throw CliError("usage: collective " + usage + " (see collective --help)");
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description opts("Options");
    // clang-format off
    opts.add_options()
        ("nonvoting,n", "invite: the member joins without a vote")
        ("ttl", po::value<uint64_t>(), "invite: seconds the invitation stays valid (default 3600)")
        ("invitation,i", po::value<std::string>(), "join: the token printed by collective invite")
        ("verbose,v", "show: term, indexes, lag and last contact of each member")
        ("json", "show: the same as JSON");
    // clang-format on
    return run_tool("collective", argc, argv, opts, kUsage, [](const CommandLine& cl) {
        const auto& args = cl.args;
        const auto& vm = cl.vm;
        if (args.empty())
            throw CliError(
                "collective: give a subcommand: gencert, invite, join, show or delete (see "
                "collective --help)");
        const std::string sub = args.front();
        auto config = resolve_paths(vm);
        if (sub == "gencert") {
            expect_args(args, 1, "gencert");
            return gencert(config);
        }
        if (sub == "show") {
            expect_args(args, 1, "show [-v] [--json]");
            return show(config, vm.count("verbose") > 0, vm.count("json") > 0);
        }
        if (sub == "invite") {
            expect_args(args, 2, "invite NAME [-n]");
            uint64_t ttl = vm.count("ttl") ? vm["ttl"].as<uint64_t>() : 0;
            if (vm.count("ttl") && ttl == 0)
                throw CliError("collective invite: --ttl must be a positive number of seconds");
            return invite(config, args[1], vm.count("nonvoting") > 0, ttl);
        }
        if (sub == "join") {
            expect_args(args, 2, "join SERVER [-i TOKEN]");
            return join(config, args[1],
                        vm.count("invitation") ? vm["invitation"].as<std::string>() : "");
        }
        if (sub == "delete") {
            expect_args(args, 2, "delete NAME");
            return remove(config, args[1]);
        }
        throw CliError("collective: unknown subcommand '" + sub +
                       "' (use gencert, invite, join, show or delete)");
    });
}
