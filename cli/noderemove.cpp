// noderemove NODERANGE: removes nodes ("n1: removed").
#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool(
        "noderemove", argc, argv, po::options_description("Options"),
        "Usage: noderemove NODERANGE\nRemoves the nodes.", [](const CommandLine& cl) {
            if (cl.args.size() != 1)
                throw CliError("noderemove: give exactly one noderange, e.g. noderemove n1-n4");
            proto::RemoveNodes cmd;
            cmd.noderange = cl.args.front();
            ApiClient client(resolve_paths(cl.vm).api_socket());
            run_write(client, std::move(cmd));
            return 0;
        });
}
