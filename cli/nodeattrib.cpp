// nodeattrib NODERANGE [attr ...]        show ("n1: attr: value"), -b with origin,
//                                         --json as docs/json.md says
// nodeattrib NODERANGE attr=value ...    set the nodes' own values
// nodeattrib NODERANGE -c attr ...       clear the nodes' own values
#include "cli/attr_tools.hpp"
#include "cli/json_tool.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    po::options_description opts("Options");
    opts.add_options()("blame,b", "show where inherited values come from")(
        "clear,c", "clear the named attributes (inherited values show again)");
    const AttribTool tool{
        .name = "nodeattrib",
        .missing_target = "nodeattrib: give a noderange, e.g. nodeattrib n1",
        .clear = [](const std::string& range, AttributeNames names) -> proto::Command {
            proto::ClearNodeAttributes cmd;  // `pinned` is the proposer's to fill
            cmd.noderange = range;
            cmd.attributes = std::move(names);
            return cmd;
        },
        .set = [](const std::string& range, AttributeValues values) -> proto::Command {
            proto::SetNodeAttributes cmd;  // `pinned` is the proposer's to fill
            cmd.noderange = range;
            cmd.attributes = std::move(values);
            return cmd;
        },
        .show = [](const std::string& range, AttributeNames names,
                   bool blame) -> proto::ApiRequest {
            return proto::ApiNodeQuery{
                .noderange = range, .attributes = std::move(names), .blame = blame};
        },
    };
    return run_json_tool(tool.name.c_str(), argc, argv, opts,
                         "Usage: nodeattrib NODERANGE [attr ...] [-b] [--json]\n"
                         "       nodeattrib NODERANGE attr=value ...\n"
                         "       nodeattrib NODERANGE -c attr ...\n"
                         "Shows, sets or clears node attributes.",
                         [&](const CommandLine& cl) { return run_attrib(tool, cl); });
}
