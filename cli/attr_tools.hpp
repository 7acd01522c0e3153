// The bodies of the tools that take a TARGET (a noderange or a group) and
// attribute arguments, the node and group flavours differing only in the
// requests they build:
//   define tools  TARGET [attr=value ...]   one define write
//   attrib tools  TARGET [attr ...]         show ("n1: attr: value")
//                 TARGET attr=value ...     set
//                 TARGET -c attr ...        clear
//   --json (attrib tools run through run_json_tool): show prints
//   json_attributes (docs/json.md); set and clear refuse it (exit 1, nothing
//   sent), so a script never mistakes a write's lines for a JSON answer.
//
// Threading: single-threaded programs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/client.hpp"
#include "proto/api.hpp"

namespace cc::cli {

using AttributeValues = std::map<std::string, std::string>;
using AttributeNames = std::vector<std::string>;

// Defines TARGET with the assigned attributes; `missing_target` is the error
// line when no TARGET is given.
int run_define(const CommandLine& cl, const std::string& missing_target,
               const std::function<proto::Command(const std::string& target,
                                                  AttributeValues attributes)>& define);

// One attrib tool: its name and the requests it sends for TARGET.
struct AttribTool {
    std::string name;            // prefixes usage errors ("nodeattrib: ...")
    std::string missing_target;  // the error line when no TARGET is given
    std::function<proto::Command(const std::string& target, AttributeNames names)> clear;
    std::function<proto::Command(const std::string& target, AttributeValues values)> set;
    // blame: -b was given (only tools with that option can see it set).
    std::function<proto::ApiRequest(const std::string& target, AttributeNames names, bool blame)>
        show;
};

// Shows, sets or clears TARGET's attributes as the command line asks (the
// -c/--clear option, -b/--blame where the tool has it, --json).
int run_attrib(const AttribTool& tool, const CommandLine& cl);

}  // namespace cc::cli
