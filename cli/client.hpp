// Shared code of the CLI tools: common options, the connection to the local
// confluentd and the one way every tool reports an error.
//
// Each tool is main() -> run_tool(name, argc, argv, options, usage, body).
// run_tool parses the command line; body checks the arguments and talks to
// confluentd through ApiClient; any CliError (and any failure reply) ends up
// as exactly one line on stderr and the exit status of its outcome
// (proto/outcome.hpp, kExitStatusHelp): 1 bad input or usage, 2 refused
// (nothing changed; confluentd unreachable), 3 no quorum, 4 outcome unknown.
//
// Threading: single-threaded programs.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/app/config.hpp"
#include "proto/api.hpp"

namespace cc::cli {

namespace po = boost::program_options;

// A failure to report: what() is the one line printed on stderr, outcome
// says how the request ended and so the exit status. The default, BadRequest,
// is for usage errors and bad arguments (exit 1).
struct CliError : std::runtime_error {
    explicit CliError(const std::string& message, proto::Outcome o = proto::Outcome::BadRequest)
        : std::runtime_error(message), outcome(o) {}
    proto::Outcome outcome;
    int exit_code() const { return proto::exit_code(outcome); }
};

// The exit status table every tool's --help ends with (the one copy of it
// in the tools; README.md "Exit status" repeats it).
extern const char* const kExitStatusHelp;

// Whether any word of the command line is one of `flags` (before parsing:
// --help and --version must answer whatever else is on the line).
bool has_flag(int argc, char** argv, std::initializer_list<std::string_view> flags);
// --etc-dir, --state-dir, --run-dir, --help, --version: every tool has them.
void add_common_options(po::options_description& opts);
// Parses the command line: options in `opts` (plus the common ones) and
// positional arguments, returned in order. Prints `usage` and the options and
// returns nothing for --help.
// Stores argv into vm against `opts`, every word that is no option's value
// collected in "args" (allow_unregistered: unknown options are skipped).
void store_command_line(int argc, char** argv, const po::options_description& opts,
                        po::variables_map& vm, bool allow_unregistered = false);
std::optional<std::vector<std::string>> parse_command_line(int argc, char** argv,
                                                           po::options_description opts,
                                                           const std::string& usage,
                                                           po::variables_map& vm);
// The settings the common options and the environment select.
cc::app::Config resolve_paths(const po::variables_map& vm);

// One connection to confluentd's API socket.
class ApiClient {
  public:
    // Connects; CliError "cannot reach confluentd at <socket>: <reason>"
    // (Refused: nothing was sent, exit 2).
    explicit ApiClient(const std::filesystem::path& socket);
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // Sends one request and returns its answer (a split ApiObjects answer is
    // joined). CliError when the daemon goes away or answers garbage: for a
    // request that changes something (a write, invite, join, delete, a
    // nodepower other than status) the outcome is Unknown (it may or may not
    // have been applied, exit 4), for a query Refused (exit 2).
    proto::ApiResponse call(const proto::ApiRequest& request);

    // Whether a request changes something (so a lost answer leaves it unknown).
    static bool changes(const proto::ApiRequest& request);

  private:
    std::string read_exact(size_t n);
    [[noreturn]] void lost(const std::string& what) const;
    std::filesystem::path socket_;
    int fd_ = -1;
    bool changing_ = false;  // the request in flight changes something
};

// The line for a failure reply, confluent style ("Error: Bad Request - ...",
// "Error: Not Found - ...", NotInCollective: just the message, otherwise
// "Error: " and the message, the outcome's default text when it is empty).
std::string error_text(const proto::ApiError& e);

// The CliError for a failure reply: error_text and the reply's outcome.
CliError failure(const proto::ApiError& e);

// Sends a write and prints its result lines ("n1: created"); a failure is
// thrown as CliError with the confluent-style line and its outcome (a
// failed CommandResult through proto::outcome_of).
void run_write(ApiClient& client, proto::Command command);

// Unwraps an answer expected to be objects; failures become CliError.
proto::ApiObjects expect_objects(proto::ApiResponse r);

// "n1: attr: value" lines, with " (inherited from group G)" when blame.
std::vector<std::string> attribute_lines(const proto::ApiObjects& objects, bool blame);

// A tool's parsed command line: its options and its positional arguments.
struct CommandLine {
    po::variables_map vm;
    std::vector<std::string> args;
};

// Runs a tool: refuses non-root callers (exit 2), parses the command line
// (`opts` plus the common options; --help prints `usage`, the options and
// kExitStatusHelp and exits 0), runs body, and turns CliError into one stderr
// line and its exit status, option errors (bad command lines) into one line
// and exit status 1.
int run_tool(const char* name, int argc, char** argv, po::options_description opts,
             const std::string& usage, const std::function<int(const CommandLine&)>& body);

}  // namespace cc::cli
