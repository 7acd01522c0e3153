// run_tool for the tools with --json (docs/json.md): the same command line,
// body and exit statuses, plus
//   - the --json option (the body reads it as cl.vm.count("json"));
//   - with --json, any failure (usage error, bad input, an error answer, not
//     root) is printed as one JSON error document on stderr instead of the
//     plain line: {"error": "<the plain line>", "exit": N}, N being the exit
//     status, which stays the same as without --json. stdout stays empty then.
//
// The plain line is the one run_tool prints (run_tool is the one place that
// turns failures into lines); with --json its stderr is caught and rewritten.
//
// Threading: single-threaded programs.
#pragma once

#include "cli/client.hpp"

namespace cc::cli {

int run_json_tool(const char* name, int argc, char** argv, po::options_description opts,
                  const std::string& usage, const std::function<int(const CommandLine&)>& body);

// The same for a tool whose `opts` already hold --json because only some of
// its subcommands read (collective show, nodediscover list): with --json on
// the command line every failure is the JSON error document, also the one
// saying that --json does not apply to the subcommand given.
int run_tool_json_errors(const char* name, int argc, char** argv, po::options_description opts,
                         const std::string& usage,
                         const std::function<int(const CommandLine&)>& body);

// Whether the command line asks for --json (also as an unambiguous prefix,
// "--j", which the option parser accepts too). Tools decide on the parsed
// options; this is for failures met before or while parsing.
bool asks_json(int argc, char** argv);

}  // namespace cc::cli
