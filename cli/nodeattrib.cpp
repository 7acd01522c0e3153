// nodeattrib NODERANGE [attr ...]        show ("n1: attr: value"), -b with origin
// nodeattrib NODERANGE attr=value ...    set the nodes' own values
// nodeattrib NODERANGE -c attr ...       clear the nodes' own values
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodeattrib", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        po::options_description opts("Options");
        opts.add_options()("blame,b", "show where inherited values come from")(
            "clear,c", "clear the named attributes (inherited values show again)");
        auto args = parse_command_line(ac, av, opts,
                                       "Usage: nodeattrib NODERANGE [attr ...]\n"
                                       "       nodeattrib NODERANGE attr=value ...\n"
                                       "       nodeattrib NODERANGE -c attr ...\n"
                                       "Shows, sets or clears node attributes.",
                                       vm);
        if (!args) return 0;
        if (args->empty()) throw CliError("nodeattrib: give a noderange, e.g. nodeattrib n1");
        std::string range = args->front();
        std::vector<std::string> rest(args->begin() + 1, args->end());
        bool clear = vm.count("clear") > 0;
        bool sets = false;
        for (const auto& a : rest) sets = sets || is_assignment(a);
        auto socket = resolve_paths(vm).api_socket();
        if (clear) {
            if (rest.empty()) throw CliError("nodeattrib: -c needs the attributes to clear");
            proto::ClearNodeAttributes cmd;
            cmd.noderange = range;
            for (const auto& a : rest) cmd.attributes.push_back(check_attribute_name(a));
            ApiClient client(socket);
            run_write(client, std::move(cmd));
        } else if (sets) {
            proto::SetNodeAttributes cmd;
            cmd.noderange = range;
            for (const auto& a : rest) {
                auto [name, value] = parse_assignment(a);
                cmd.attributes[name] = value;
            }
            ApiClient client(socket);
            run_write(client, std::move(cmd));
        } else {
            proto::ApiNodeQuery q;
            q.noderange = range;
            for (const auto& a : rest) q.attributes.push_back(check_attribute_name(a));
            q.blame = vm.count("blame") > 0;
            ApiClient client(socket);
            for (const auto& l : attribute_lines(expect_objects(client.call(q)), q.blame))
                std::cout << l << "\n";
        }
        return 0;
    });
}
