// nodegroupremove GROUP: removes a group definition.
#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool(
        "nodegroupremove", argc, argv, po::options_description("Options"),
        "Usage: nodegroupremove GROUP\nRemoves a node group.", [](const CommandLine& cl) {
            if (cl.args.size() != 1)
                throw CliError(
                    "nodegroupremove: give exactly one group, e.g. nodegroupremove rack1");
            proto::RemoveGroup cmd;
            cmd.group = cl.args.front();
            ApiClient client(resolve_paths(cl.vm).api_socket());
            run_write(client, std::move(cmd));
            return 0;
        });
}
