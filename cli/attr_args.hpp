// Attribute arguments of the node and group tools: bare names ("location.room"),
// assignments ("location.room=b") and how an attrib tool tells show, set and
// clear apart. Every malformed argument is a CliError with the line to print.
//
// Threading: pure functions.
#pragma once

#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cc::cli {

// Parses "attr=value" (value may be empty, name may not); CliError otherwise.
std::pair<std::string, std::string> parse_assignment(const std::string& arg);
// Every argument as attr=value, a later one winning over an earlier one of the
// same name; CliError for the first malformed one.
std::map<std::string, std::string> parse_assignments(std::span<const std::string> args);

// A bare attribute name; CliError when it is empty or holds '='.
std::string check_attribute_name(const std::string& arg);
// Every argument as a bare attribute name; CliError for the first bad one.
std::vector<std::string> check_attribute_names(std::span<const std::string> args);

// What the arguments after an attrib tool's TARGET ask for.
enum class AttribAction { Show, Set, Clear };
// Clear with -c; otherwise Set as soon as one argument holds '=' (so that a
// bare name among assignments is reported as a malformed assignment); Show.
AttribAction attrib_action(std::span<const std::string> args, bool clear);

}  // namespace cc::cli
