// nodegroupattrib GROUP [attr ...]       show ("rack1: attr: value", then nodes),
//                                        --json as docs/json.md says
// nodegroupattrib GROUP attr=value ...   set the group's values
// nodegroupattrib GROUP -c attr ...      clear the group's values
#include "cli/attr_tools.hpp"
#include "cli/json_tool.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    po::options_description opts("Options");
    opts.add_options()("clear,c", "clear the named attributes");
    const AttribTool tool{
        .name = "nodegroupattrib",
        .missing_target = "nodegroupattrib: give a group, e.g. nodegroupattrib rack1",
        .clear = [](const std::string& group, AttributeNames names) -> proto::Command {
            return proto::ClearGroupAttributes{.group = group, .attributes = std::move(names)};
        },
        .set = [](const std::string& group, AttributeValues values) -> proto::Command {
            return proto::SetGroupAttributes{.group = group, .attributes = std::move(values)};
        },
        // Groups have no inherited values, so there is no -b to honour.
        .show = [](const std::string& group, AttributeNames names, bool) -> proto::ApiRequest {
            return proto::ApiGroupQuery{.groups = {group}, .attributes = std::move(names)};
        },
    };
    return run_json_tool(tool.name.c_str(), argc, argv, opts,
                         "Usage: nodegroupattrib GROUP [attr ...] [--json]\n"
                         "       nodegroupattrib GROUP attr=value ...\n"
                         "       nodegroupattrib GROUP -c attr ...\n"
                         "Shows, sets or clears node group attributes.",
                         [&](const CommandLine& cl) { return run_attrib(tool, cl); });
}
