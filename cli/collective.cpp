// collective gencert              create this member's key and certificate
// collective invite NAME [-n] [--ttl S]  print a one-time token for server NAME
// collective invite --list        the invitations pending on this member
// collective invite --revoke NAME drop the invitation pending for NAME
// collective join SERVER [-i TOKEN|-|@FILE]  join the collective SERVER belongs to
// collective show [-v|--json]     quorum, leader, active and offline members
// collective delete NAME          remove an offline member
// collective recover [--yes]      drop the unreachable members when a majority is lost for good
//
// Each subcommand takes only its own options (kSubcommands); one that does
// not apply is a usage error rather than silently ignored.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/client.hpp"
#include "cli/json_tool.hpp"
#include "daemon/collective/show_format.hpp"
#include "daemon/crypto/invitation_book.hpp"
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

std::string utc_time(int64_t epoch) {
    std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

// collective invite --list --json (docs/json.md): one object, an
// invitation per line.
std::string invitations_json(const proto::ApiInvitationList& list) {
    using cc::collective::json_string;
    std::string out = "{\n  \"member\": " + json_string(list.member) + ",\n  \"invitations\": [";
    for (size_t k = 0; k < list.invitations.size(); ++k) {
        const auto& i = list.invitations[k];
        out += std::string(k ? "," : "") + "\n    {\"name\": " + json_string(i.name) +
               ", \"role\": " + (i.nonvoting ? "\"nonvoter\"" : "\"voter\"") +
               ", \"expires\": " + std::to_string(i.expires) +
               ", \"expires_utc\": " + json_string(utc_time(i.expires)) +
               ", \"seconds_left\": " + std::to_string(std::max<int64_t>(i.expires - list.now, 0)) +
               ", \"invited_by\": " + json_string(list.member) + "}";
    }
    out += list.invitations.empty() ? "]\n}\n" : "\n  ]\n}\n";
    return out;
}

// collective invite --list: one row per invitation, columns aligned.
int invite_list(const cc::app::Config& config, bool json) {
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiInviteList{});
    auto* list = std::get_if<proto::ApiInvitationList>(&r);
    if (!list) fail(r, "the invitation list", false);
    if (json) {
        std::cout << invitations_json(*list);
        return 0;
    }
    if (list->invitations.empty()) {
        std::cout << "No invitations pending on " << list->member << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows{
        {"Name", "Role", "Expires (UTC)", "Left", "Invited by"}};
    for (const auto& i : list->invitations)
        rows.push_back({i.name, i.nonvoting ? "nonvoter" : "voter", utc_time(i.expires),
                        std::to_string(std::max<int64_t>(i.expires - list->now, 0)) + " s",
                        list->member});
    std::vector<size_t> width(rows.front().size(), 0);
    for (const auto& row : rows)
        for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
        std::string line;
        for (size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
        }
        std::cout << line << "\n";
    }
    return 0;
}

int invite_revoke(const cc::app::Config& config, const std::string& name) {
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiInviteRevoke{name});
    auto* done = std::get_if<proto::ApiDone>(&r);
    if (!done) fail(r, "the revoke", true);
    for (const auto& line : done->lines) std::cout << line << "\n";
    return 0;
}

// --ttl as typed: a whole number of seconds within the ceiling (parsed here
// so that "-5" or a huge number gets a clear line, never a wrapped value).
uint64_t parse_ttl(const std::string& text) {
    const auto max = static_cast<uint64_t>(cc::crypto::kMaxInvitationTtl.count());
    bool digits =
        !text.empty() && text.size() <= 19 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoull(text) == 0)
        throw CliError("collective invite: --ttl takes a number of seconds from 1 to " +
                       std::to_string(max) + ", not '" + text + "'");
    uint64_t ttl = std::stoull(text);
    if (ttl > max)
        throw CliError("collective invite: --ttl " + text +
                       " is longer than an invitation may stay valid (at most " +
                       std::to_string(max) + " seconds, 7 days); give a smaller --ttl");
    return ttl;
}

std::string trimmed(const std::string& text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// -i TOKEN as given, "-" for standard input, "@FILE" for a file: the last
// two keep the token out of argv (ps, shell history). A token never starts
// with '@' and is never "-" (base64).
std::string token_from(const std::string& given) {
    if (given != "-" && (given.empty() || given.front() != '@')) return given;
    std::string text;
    std::string where;
    if (given == "-") {
        where = "standard input";
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::string file = given.substr(1);
        where = file;
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw CliError("collective join: cannot read the token from " + file + ": " +
                           std::strerror(errno));
        std::ostringstream all;
        all << in.rdbuf();
        text = all.str();
    }
    std::string token = trimmed(text);
    if (token.empty())
        throw CliError("collective join: no token in " + where +
                       " (give the token printed by collective invite)");
    return token;
}

bool votes(const proto::ApiStatus& s, const std::string& name) {
    for (const auto& m : s.members)
        if (m.name == name) return m.voter;
    return false;
}

// Waits until the restarted daemon is the member `started.name` and has
// applied the member list change that admitted it (and, for a voter, the
// leader's promotion once it caught up).
// `progress` gets each new state, for a person watching (see join).
void wait_caught_up(const cc::app::Config& config, const proto::ApiJoinStarted& started,
                    const std::function<void(const std::string&)>& progress) {
    auto deadline = std::chrono::steady_clock::now() + kCatchUpBound;
    std::optional<std::chrono::steady_clock::time_point> caught_up;
    // A plain time point (epoch = reachable): GCC 12 warns falsely on an optional here.
    std::chrono::steady_clock::time_point unreachable_since{};
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
            progress(last);
            unreachable_since = {};
        } catch (const CliError& e) {
            last = e.what();  // the daemon is restarting
            progress("waiting for confluentd to restart as " + started.name);
            auto now = std::chrono::steady_clock::now();
            if (unreachable_since == std::chrono::steady_clock::time_point{})
                unreachable_since = now;
            // Joined, but not seen working: the script must look (exit 4).
            if (now - unreachable_since > kRestartBound)
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
    // Progress for a person at a terminal only: scripts get the usual lines.
    std::string shown;
    auto progress = [&shown, tty = ::isatty(STDERR_FILENO) == 1](const std::string& line) {
        if (!tty || line == shown) return;
        shown = line;
        std::cerr << "collective join: " << line << "\n" << std::flush;
    };
    progress("asking " + server + " to admit this member (it checks that it can reach us)");
    proto::ApiJoinStarted started;
    {
        ApiClient client(config.api_socket());
        auto r = client.call(proto::ApiJoin{server, token});
        auto* s = std::get_if<proto::ApiJoinStarted>(&r);
        if (!s) fail(r, "the join", true);
        started = *s;
    }
    if (started.key_generated) std::cout << "Certificate generated successfully\n" << std::flush;
    progress(server + " admitted " + started.name + " at index " +
             std::to_string(started.commit_index) + "; catching up");
    wait_caught_up(config, started, progress);
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

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

// collective recover: the daemon's plan (or why not here), the user's
// confirmation (terminal or --yes), then the same plan carried out.
int recover(const cc::app::Config& config, bool yes) {
    proto::ApiRecoverPlan plan;
    {
        ApiClient client(config.api_socket());
        auto r = client.call(proto::ApiRecover{false, {}});
        auto* p = std::get_if<proto::ApiRecoverPlan>(&r);
        if (!p) fail(r, "the recovery plan", false);
        plan = *p;
    }
    const std::string what = plan.dropped.empty() ? "start a new term with " + joined(plan.keep) +
                                                        " (nothing is dropped)"
                                                  : "drop " + joined(plan.dropped) + " for good";
    if (!yes && ::isatty(STDIN_FILENO) != 1)
        throw CliError(
            "collective recover: not confirmed and there is no terminal to ask on; add "
            "--yes to " +
            what + " (nothing was changed)");
    std::cout << "Keeps:  " << joined(plan.keep) << "\n"
              << "Drops:  " << joined(plan.dropped) << "\n"
              << "Log:    " << plan.member << " ends at index " << plan.last_index << " (term "
              << plan.last_term << "); entries held only by the dropped members are lost\n"
              << std::flush;
    if (!yes) {
        std::cerr << "collective recover: " << what << "? Type yes to continue: " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (trimmed(answer) != "yes")
            throw CliError("collective recover: not confirmed; nothing was changed",
                           proto::Outcome::Refused);
    }
    ApiClient client(config.api_socket());
    auto r = client.call(proto::ApiRecover{true, plan.dropped});
    auto* done = std::get_if<proto::ApiDone>(&r);
    if (!done) fail(r, "the recovery", true);
    for (const auto& line : done->lines) std::cout << line << "\n";
    return 0;
}

// What each subcommand takes: its usage, what it does and its own options
// (long names; the common --etc-dir, --state-dir, --run-dir, --help are
// taken by all).
struct Subcommand {
    const char* name;
    const char* usage;
    const char* summary;
    std::vector<std::string> options;
};

const std::vector<Subcommand> kSubcommands = {
    {"gencert", "gencert", "create this member's key and certificate", {}},
    {"invite",
     "invite NAME [-n] [--ttl SECONDS] | invite --list [--json] | invite --revoke NAME",
     "print a one-time token that lets server NAME join (it works only against this\n"
     "member), list the invitations pending here, or drop one",
     {"nonvoting", "ttl", "list", "revoke", "json"}},
    {"join",
     "join SERVER [-i TOKEN | -i - | -i @FILE]",
     "join the collective that SERVER belongs to (the token from the member that\n"
     "invited, SERVER; '-' reads it from standard input, @FILE from a file)",
     {"invitation"}},
    {"show",
     "show [-v] [--json]",
     "quorum, leader, active and offline members",
     {"verbose", "json"}},
    {"delete", "delete NAME", "remove an offline member", {}},
    {"recover",
     "recover [--yes]",
     "when a majority of the voting members is lost for good: record this member and\n"
     "the reachable members as the whole collective, in a new term. It shows the\n"
     "members it drops and this member's last log index (entries held only by the\n"
     "dropped members are lost) and asks for confirmation on the terminal. It must\n"
     "run on the reachable member with the longest log, not on a restored member\n"
     "still catching up; elsewhere it refuses and names where to run it. A dropped\n"
     "member must be wiped and invited again before it comes back.\n"
     "Exit status: 0 recovered (committed); 1 usage, or no terminal and no --yes;\n"
     "2 refused or not confirmed (nothing changed); 4 not committed within 5 s\n"
     "(check collective show)",
     {"yes"}},
};

const Subcommand* find_subcommand(const std::string& name) {
    for (const auto& s : kSubcommands)
        if (name == s.name) return &s;
    return nullptr;
}

po::options_description all_options() {
    po::options_description opts("Options");
    // clang-format off
    opts.add_options()
        ("nonvoting,n", "invite: the member joins without a vote")
        ("ttl", po::value<std::string>()->value_name("SECONDS"),
         "invite: seconds the invitation stays valid (default 3600, at most 604800: 7 days)")
        ("list", "invite: the invitations pending on this member")
        ("revoke", po::value<std::string>()->value_name("NAME"),
         "invite: drop the invitation pending for NAME on this member")
        ("invitation,i", po::value<std::string>()->value_name("TOKEN"),
         "join: the token printed by collective invite; '-' reads it from standard input, "
         "@FILE from FILE")
        ("verbose,v", "show: term, indexes, and each member's lag, last contact and link protocol")
        ("json", "show, and invite's list: the same as JSON")
        ("yes", "recover: do not ask for confirmation (needed without a terminal)");
    // clang-format on
    return opts;
}

// Only the options of `sub` (for its --help).
po::options_description options_of(const Subcommand& sub) {
    po::options_description opts(std::string("Options of collective ") + sub.name);
    const auto all = all_options();  // kept alive: options() refers into it
    for (const auto& o : all.options())
        if (std::find(sub.options.begin(), sub.options.end(), o->long_name()) != sub.options.end())
            opts.add(o);
    return opts;
}

// "-n/--nonvoting" or "--ttl", as the user may have typed it.
std::string option_text(const std::string& long_name) {
    const auto all = all_options();  // kept alive: options() refers into it
    for (const auto& o : all.options())
        if (o->long_name() == long_name) {
            auto shown = o->format_name();  // "-n [ --nonvoting ]" or "--ttl"
            if (shown.rfind("--", 0) == 0) return shown;
            return shown.substr(0, 2) + "/--" + long_name;
        }
    return "--" + long_name;
}

// Every option given on the command line must be one `sub` takes.
void check_options(const Subcommand& sub, const po::variables_map& vm) {
    for (const auto& [key, value] : vm) {
        if (key == "args" || key == "help" || key == "etc-dir" || key == "state-dir" ||
            key == "run-dir" || value.defaulted())
            continue;
        if (std::find(sub.options.begin(), sub.options.end(), key) != sub.options.end()) continue;
        std::string takes;
        for (const auto& o : sub.options) takes += (takes.empty() ? "" : ", ") + option_text(o);
        throw CliError(
            "collective " + std::string(sub.name) + ": " + option_text(key) +
            " does not apply to " + sub.name + " (" +
            (takes.empty() ? std::string("it takes no options") : "its options: " + takes) +
            "; see collective " + sub.name + " --help)");
    }
}

std::string usage_of(const Subcommand& sub) {
    return std::string("Usage: collective ") + sub.usage + "\n" + sub.summary;
}

std::string general_usage() {
    std::string u = "Usage: collective SUBCOMMAND [options]   (collective SUBCOMMAND --help)\n";
    for (const auto& s : kSubcommands) {
        std::string line = std::string("  ") + s.usage;
        u += line + "\n";
    }
    return u + "Each subcommand takes only its own options.";
}

void expect_args(const std::vector<std::string>& args, size_t n, const Subcommand& sub) {
    if (args.size() != n)
        throw CliError(std::string("usage: collective ") + sub.usage + " (see collective " +
                       sub.name + " --help)");
}

int invite_command(const cc::app::Config& config, const std::vector<std::string>& args,
                   const po::variables_map& vm, const Subcommand& sub) {
    bool list = vm.count("list") > 0;
    bool revoke = vm.count("revoke") > 0;
    bool creating = vm.count("nonvoting") > 0 || vm.count("ttl") > 0;
    int modes = int(list) + int(revoke) + int(creating || args.size() > 1);
    if (modes > 1)
        throw CliError(
            "collective invite: give one of NAME [-n] [--ttl SECONDS], --list or --revoke NAME "
            "(see collective invite --help)");
    if (vm.count("json") && !list)
        throw CliError("collective invite: --json goes with --list (see collective invite --help)");
    if (list) {
        expect_args(args, 1, sub);
        return invite_list(config, vm.count("json") > 0);
    }
    if (revoke) {
        expect_args(args, 1, sub);
        return invite_revoke(config, vm["revoke"].as<std::string>());
    }
    expect_args(args, 2, sub);
    uint64_t ttl = vm.count("ttl") ? parse_ttl(vm["ttl"].as<std::string>()) : 0;
    return invite(config, args[1], vm.count("nonvoting") > 0, ttl);
}

int run(const CommandLine& cl) {
    const auto& args = cl.args;
    const auto& vm = cl.vm;
    if (args.empty())
        throw CliError(
            "collective: give a subcommand: gencert, invite, join, show, delete or recover (see "
            "collective --help)");
    const std::string name = args.front();
    const Subcommand* sub = find_subcommand(name);
    if (sub == nullptr)
        throw CliError("collective: unknown subcommand '" + name +
                       "' (use gencert, invite, join, show, delete or recover)");
    check_options(*sub, vm);
    auto config = resolve_paths(vm);
    if (name == "gencert") {
        expect_args(args, 1, *sub);
        return gencert(config);
    }
    if (name == "show") {
        expect_args(args, 1, *sub);
        return show(config, vm.count("verbose") > 0, vm.count("json") > 0);
    }
    if (name == "invite") return invite_command(config, args, vm, *sub);
    if (name == "join") {
        expect_args(args, 2, *sub);
        return join(config, args[1],
                    vm.count("invitation") ? token_from(vm["invitation"].as<std::string>()) : "");
    }
    if (name == "recover") {
        expect_args(args, 1, *sub);
        return recover(config, vm.count("yes") > 0);
    }
    expect_args(args, 2, *sub);
    return remove(config, args[1]);
}

// The subcommand of a command line, when one can be told (for --help).
const Subcommand* subcommand_of(int argc, char** argv) {
    po::options_description opts = all_options();
    add_common_options(opts);
    try {
        po::variables_map vm;
        store_command_line(argc, argv, opts, vm, true);
        if (!vm.count("args")) return nullptr;
        return find_subcommand(vm["args"].as<std::vector<std::string>>().front());
    } catch (const po::error&) {
        return nullptr;  // the real parse reports it
    }
}

}  // namespace

int main(int argc, char** argv) {
    // --help of a subcommand shows only its options; otherwise every option
    // is parsed so that one given to the wrong subcommand gets a clear line.
    // With --json every failure is a JSON error document (docs/json.md).
    if (has_flag(argc, argv, {"--help", "-h"}))
        if (const Subcommand* sub = subcommand_of(argc, argv))
            return run_tool_json_errors("collective", argc, argv, options_of(*sub), usage_of(*sub),
                                        run);
    return run_tool_json_errors("collective", argc, argv, all_options(), general_usage(), run);
}
