// nodegrouplist: group names one per line, natural order (with `everything`).
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodegrouplist", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        auto args = parse_command_line(ac, av, po::options_description("Options"),
                                       "Usage: nodegrouplist\nLists the node groups.", vm);
        if (!args) return 0;
        if (!args->empty()) throw CliError("nodegrouplist: takes no arguments");
        proto::ApiGroupQuery q;
        q.names_only = true;
        ApiClient client(resolve_paths(vm).api_socket());
        for (const auto& o : expect_objects(client.call(q)).objects) std::cout << o.name << "\n";
        return 0;
    });
}
