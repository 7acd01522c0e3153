#include "cli/attr_args.hpp"

#include "cli/client.hpp"
#include "proto/names.hpp"

namespace cc::cli {

namespace {
bool is_assignment(const std::string& arg) {
    return arg.find('=') != std::string::npos;
}
}  // namespace

std::pair<std::string, std::string> parse_assignment(const std::string& arg) {
    auto eq = arg.find('=');
    if (eq == std::string::npos)
        throw CliError("Error: malformed attribute assignment '" + arg + "': expected attr=value");
    std::string name = arg.substr(0, eq);
    if (name.empty())
        throw CliError("Error: malformed attribute assignment '" + arg +
                       "': the attribute name before '=' is empty");
    if (auto why = proto::check_name(proto::NameKind::Attribute, name))
        throw CliError("Error: malformed attribute assignment '" + proto::printable(arg) +
                       "': " + *why);
    return {name, arg.substr(eq + 1)};
}

std::map<std::string, std::string> parse_assignments(std::span<const std::string> args) {
    std::map<std::string, std::string> values;
    for (const auto& a : args) {
        auto [name, value] = parse_assignment(a);
        values[name] = value;
    }
    return values;
}

std::string check_attribute_name(const std::string& arg) {
    if (arg.empty()) throw CliError("Error: an attribute name is empty");
    if (auto why = proto::check_name(proto::NameKind::Attribute, arg))
        throw CliError("Error: malformed attribute name: " + *why);
    return arg;
}

std::vector<std::string> check_attribute_names(std::span<const std::string> args) {
    std::vector<std::string> names;
    for (const auto& a : args) names.push_back(check_attribute_name(a));
    return names;
}

AttribAction attrib_action(std::span<const std::string> args, bool clear) {
    if (clear) return AttribAction::Clear;
    for (const auto& a : args)
        if (is_assignment(a)) return AttribAction::Set;
    return AttribAction::Show;
}

}  // namespace cc::cli
