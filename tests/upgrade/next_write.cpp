// next_write [NOTE]: proposes a proto::NextBuildCommand (the tests' stand-in
// for a command kind of a newer build) through the local confluentd, the way
// every tool writes: prints "next: applied" and exits 0, or one line on
// stderr and the outcome's exit status (proto/outcome.hpp).
#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("next_write", argc, argv, po::options_description("Options"),
                    "Usage: next_write [NOTE]\nTEST ONLY: writes a next-build command.",
                    [](const CommandLine& cl) {
                        ApiClient client(resolve_paths(cl.vm).api_socket());
                        run_write(client,
                                  proto::NextBuildCommand{cl.args.empty() ? "x" : cl.args.front()});
                        return 0;
                    });
}
