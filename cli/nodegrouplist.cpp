// nodegrouplist: group names one per line, natural order (with `everything`).
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodegrouplist", argc, argv, po::options_description("Options"),
                    "Usage: nodegrouplist\nLists the node groups.", [](const CommandLine& cl) {
                        if (!cl.args.empty()) throw CliError("nodegrouplist: takes no arguments");
                        proto::ApiGroupQuery q;
                        q.names_only = true;
                        ApiClient client(resolve_paths(cl.vm).api_socket());
                        for (const auto& o : expect_objects(client.call(q)).objects)
                            std::cout << o.name << "\n";
                        return 0;
                    });
}
