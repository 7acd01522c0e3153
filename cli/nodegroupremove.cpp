// nodegroupremove GROUP: removes a group definition.
#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodegroupremove", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        auto args = parse_command_line(ac, av, po::options_description("Options"),
                                       "Usage: nodegroupremove GROUP\nRemoves a node group.", vm);
        if (!args) return 0;
        if (args->size() != 1)
            throw CliError("nodegroupremove: give exactly one group, e.g. nodegroupremove rack1");
        proto::RemoveGroup cmd;
        cmd.group = args->front();
        ApiClient client(resolve_paths(vm).api_socket());
        run_write(client, std::move(cmd));
        return 0;
    });
}
