// nodedefine NODERANGE [attr=value ...]: creates nodes ("n1: created").
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodedefine", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        auto args = parse_command_line(
            ac, av, po::options_description("Options"),
            "Usage: nodedefine NODERANGE [attr=value ...]\nDefines new nodes, optionally with "
            "attributes (e.g. groups=rack1).",
            vm);
        if (!args) return 0;
        if (args->empty())
            throw CliError("nodedefine: give the nodes to define, e.g. nodedefine n1-n4");
        proto::DefineNodes cmd;
        cmd.noderange = args->front();
        for (size_t i = 1; i < args->size(); ++i) {
            auto [name, value] = parse_assignment((*args)[i]);
            cmd.attributes[name] = value;
        }
        ApiClient client(resolve_paths(vm).api_socket());
        run_write(client, std::move(cmd));
        return 0;
    });
}
