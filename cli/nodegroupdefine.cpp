// nodegroupdefine GROUP [attr=value ...]: creates a group ("rack1: created").
#include "cli/attr_tools.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool(
        "nodegroupdefine", argc, argv, po::options_description("Options"),
        "Usage: nodegroupdefine GROUP [attr=value ...]\nDefines a node group.",
        [](const CommandLine& cl) {
            return run_define(
                cl, "nodegroupdefine: give the group to define, e.g. nodegroupdefine rack1",
                [](const std::string& group, AttributeValues attributes) {
                    return proto::DefineGroup{.group = group, .attributes = std::move(attributes)};
                });
        });
}
