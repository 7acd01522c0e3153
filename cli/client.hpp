// Shared code of the CLI tools: common options, the connection to the local
// confluentd and the one way every tool reports an error.
//
// Each tool is main() -> run_tool(name, argc, argv, body). body parses its
// own arguments and talks to confluentd through ApiClient; any CliError (and
// any failure reply) ends up as exactly one line on stderr and exit status 1.
//
// Threading: single-threaded programs.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/app/config.hpp"
#include "proto/api.hpp"

namespace cc::cli {

namespace po = boost::program_options;

// A failure to report: what() is the one line printed on stderr.
struct CliError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --etc-dir, --state-dir, --run-dir, --help: every tool has them.
void add_common_options(po::options_description& opts);
// Parses the command line: options in `opts` (plus the common ones) and
// positional arguments, returned in order. Prints `usage` and the options and
// returns nothing for --help.
std::optional<std::vector<std::string>> parse_command_line(int argc, char** argv,
                                                           po::options_description opts,
                                                           const std::string& usage,
                                                           po::variables_map& vm);
// The settings the common options and the environment select.
cc::app::Config resolve_paths(const po::variables_map& vm);

// Parses "attr=value" (value may be empty, name may not); CliError otherwise.
std::pair<std::string, std::string> parse_assignment(const std::string& arg);
// True when arg has the form of an assignment (contains '=').
bool is_assignment(const std::string& arg);
// A bare attribute name; CliError when it is empty or holds '='.
std::string check_attribute_name(const std::string& arg);

// One connection to confluentd's API socket.
class ApiClient {
  public:
    // Connects; CliError "cannot reach confluentd at <socket>: <reason>".
    explicit ApiClient(const std::filesystem::path& socket);
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // Sends one request and returns its answer (a split ApiObjects answer is
    // joined). CliError when the daemon goes away or answers garbage.
    proto::ApiResponse call(const proto::ApiRequest& request);

  private:
    std::string read_exact(size_t n);
    std::filesystem::path socket_;
    int fd_ = -1;
};

// The line for a failure reply, confluent style ("Error: Bad Request - ...").
std::string error_text(const proto::ApiError& e);

// Sends a write and prints its result lines ("n1: created"); a failure is
// thrown as CliError with the confluent-style line.
void run_write(ApiClient& client, proto::Command command);

// Unwraps an answer expected to be objects; failures become CliError.
proto::ApiObjects expect_objects(proto::ApiResponse r);

// "n1: attr: value" lines, with " (inherited from group G)" when blame.
std::vector<std::string> attribute_lines(const proto::ApiObjects& objects, bool blame);

// Runs a tool: refuses non-root callers, turns CliError and option errors
// (and bad command lines) into one stderr line and exit status 1.
int run_tool(const char* name, int argc, char** argv, const std::function<int(int, char**)>& body);

}  // namespace cc::cli
