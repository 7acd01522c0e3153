// nodelist [NODERANGE] [attr ...]: node names one per line, natural order;
// with attributes, "n1: attr: value" lines as nodeattrib prints them.
#include <iostream>

#include "cli/client.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool("nodelist", argc, argv, [](int ac, char** av) {
        po::variables_map vm;
        po::options_description opts("Options");
        opts.add_options()("blame,b", "show where inherited values come from");
        auto args = parse_command_line(
            ac, av, opts,
            "Usage: nodelist [NODERANGE] [attr ...]\nLists nodes (all without a noderange), "
            "optionally with attributes.",
            vm);
        if (!args) return 0;
        proto::ApiNodeQuery q;
        if (!args->empty()) q.noderange = args->front();
        for (size_t i = 1; i < args->size(); ++i)
            q.attributes.push_back(check_attribute_name((*args)[i]));
        q.names_only = q.attributes.empty();
        q.blame = vm.count("blame") > 0;
        ApiClient client(resolve_paths(vm).api_socket());
        auto objs = expect_objects(client.call(q));
        if (q.names_only) {
            for (const auto& o : objs.objects) std::cout << o.name << "\n";
        } else {
            for (const auto& l : attribute_lines(objs, q.blame)) std::cout << l << "\n";
        }
        return 0;
    });
}
