// nodelist [NODERANGE] [attr ...]: node names one per line, natural order;
// with attributes, "n1: attr: value" lines as nodeattrib prints them.
// --json: ["n1", ...], or with attributes nodeattrib's JSON (docs/json.md).
#include <iostream>
#include <span>

#include "cli/attr_args.hpp"
#include "cli/json_output.hpp"
#include "cli/json_tool.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    po::options_description opts("Options");
    opts.add_options()("blame,b", "show where inherited values come from");
    return run_json_tool(
        "nodelist", argc, argv, opts,
        "Usage: nodelist [NODERANGE] [attr ...] [-b] [--json]\nLists nodes (all without a "
        "noderange), optionally with attributes.",
        [](const CommandLine& cl) {
            proto::ApiNodeQuery q;
            if (!cl.args.empty()) {
                q.noderange = cl.args.front();
                q.attributes = check_attribute_names(std::span(cl.args).subspan(1));
            }
            q.names_only = q.attributes.empty();
            q.blame = cl.vm.count("blame") > 0;
            bool json = cl.vm.count("json") > 0;
            ApiClient client(resolve_paths(cl.vm).api_socket());
            auto objs = expect_objects(client.call(q));
            if (json) {
                std::cout << (q.names_only ? json_names(objs) : json_attributes(objs, q.blame));
            } else if (q.names_only) {
                for (const auto& o : objs.objects) std::cout << o.name << "\n";
            } else {
                for (const auto& l : attribute_lines(objs, q.blame)) std::cout << l << "\n";
            }
            return 0;
        });
}
