// nodegroupattrib GROUP [attr ...]       show ("rack1: attr: value", then nodes)
// nodegroupattrib GROUP attr=value ...   set the group's values
// nodegroupattrib GROUP -c attr ...      clear the group's values
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodegroupattrib", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        po::options_description opts("Options");
        opts.add_options()("clear,c", "clear the named attributes");
        auto args = parse_command_line(ac, av, opts,
                                       "Usage: nodegroupattrib GROUP [attr ...]\n"
                                       "       nodegroupattrib GROUP attr=value ...\n"
                                       "       nodegroupattrib GROUP -c attr ...\n"
                                       "Shows, sets or clears node group attributes.",
                                       vm);
        if (!args) return 0;
        if (args->empty())
            throw CliError("nodegroupattrib: give a group, e.g. nodegroupattrib rack1");
        std::string group = args->front();
        std::vector<std::string> rest(args->begin() + 1, args->end());
        bool sets = false;
        for (const auto& a : rest) sets = sets || is_assignment(a);
        auto socket = resolve_paths(vm).api_socket();
        if (vm.count("clear")) {
            if (rest.empty()) throw CliError("nodegroupattrib: -c needs the attributes to clear");
            proto::ClearGroupAttributes cmd;
            cmd.group = group;
            for (const auto& a : rest) cmd.attributes.push_back(check_attribute_name(a));
            ApiClient client(socket);
            run_write(client, std::move(cmd));
        } else if (sets) {
            proto::SetGroupAttributes cmd;
            cmd.group = group;
            for (const auto& a : rest) {
                auto [name, value] = parse_assignment(a);
                cmd.attributes[name] = value;
            }
            ApiClient client(socket);
            run_write(client, std::move(cmd));
        } else {
            proto::ApiGroupQuery q;
            q.groups = {group};
            for (const auto& a : rest) q.attributes.push_back(check_attribute_name(a));
            ApiClient client(socket);
            for (const auto& l : attribute_lines(expect_objects(client.call(q)), false))
                std::cout << l << "\n";
        }
        return 0;
    });
}
