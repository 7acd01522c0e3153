// nodegroupdefine GROUP [attr=value ...]: creates a group ("rack1: created").
#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodegroupdefine", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        auto args = parse_command_line(
            ac, av, po::options_description("Options"),
            "Usage: nodegroupdefine GROUP [attr=value ...]\nDefines a node group.", vm);
        if (!args) return 0;
        if (args->empty())
            throw CliError("nodegroupdefine: give the group to define, e.g. nodegroupdefine rack1");
        proto::DefineGroup cmd;
        cmd.group = args->front();
        for (size_t i = 1; i < args->size(); ++i) {
            auto [name, value] = parse_assignment((*args)[i]);
            cmd.attributes[name] = value;
        }
        ApiClient client(resolve_paths(vm).api_socket());
        run_write(client, std::move(cmd));
        return 0;
    });
}
