// nodedefine NODERANGE [attr=value ...]: creates nodes ("n1: created").
#include "cli/attr_tools.hpp"

using namespace cc::cli;

int main(int argc, char** argv) {
    return run_tool(
        "nodedefine", argc, argv, po::options_description("Options"),
        "Usage: nodedefine NODERANGE [attr=value ...]\nDefines new nodes, optionally with "
        "attributes (e.g. groups=rack1).",
        [](const CommandLine& cl) {
            return run_define(cl, "nodedefine: give the nodes to define, e.g. nodedefine n1-n4",
                              [](const std::string& range, AttributeValues attributes) {
                                  return proto::DefineNodes{.noderange = range,
                                                            .attributes = std::move(attributes)};
                              });
        });
}
