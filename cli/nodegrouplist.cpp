// nodegrouplist: group names one per line, natural order (with `everything`).
// --json: ["everything", "rack1", ...] (docs/json.md).
#include <iostream>

#include "cli/json_output.hpp"
#include "cli/json_tool.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_json_tool("nodegrouplist", argc, argv, po::options_description("Options"),
                         "Usage: nodegrouplist [--json]\nLists the node groups.",
                         [](const CommandLine& cl) {
                             if (!cl.args.empty())
                                 throw CliError("nodegrouplist: takes no arguments");
                             proto::ApiGroupQuery q;
                             q.names_only = true;
                             ApiClient client(resolve_paths(cl.vm).api_socket());
                             auto objs = expect_objects(client.call(q));
                             if (cl.vm.count("json")) {
                                 std::cout << json_names(objs);
                                 return 0;
                             }
                             for (const auto& o : objs.objects) std::cout << o.name << "\n";
                             return 0;
                         });
}
