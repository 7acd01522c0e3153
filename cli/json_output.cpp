#include "cli/json_output.hpp"

#include "daemon/collective/show_format.hpp"

namespace cc::cli {

namespace {

using cc::collective::json_string;

// open + one entry per line + close; "[]" / "{}" when there are none.
std::string top_level(char open, char close, const std::vector<std::string>& entries) {
    std::string out(1, open);
    for (size_t i = 0; i < entries.size(); ++i) out += (i ? ",\n  " : "\n  ") + entries[i];
    if (!entries.empty()) out += "\n";
    return out + close + "\n";
}

std::string attribute_value(const proto::ApiAttribute& a, bool blame) {
    if (!blame) return json_string(a.value);
    return "{\"value\": " + json_string(a.value) + ", \"inherited_from\": " +
           (a.inherited_from.empty() ? std::string("null") : json_string(a.inherited_from)) + "}";
}

}  // namespace

std::string json_names(const std::vector<std::string>& names) {
    std::vector<std::string> entries;
    entries.reserve(names.size());
    for (const auto& n : names) entries.push_back(json_string(n));
    return top_level('[', ']', entries);
}

std::string json_names(const proto::ApiObjects& objects) {
    std::vector<std::string> names;
    names.reserve(objects.objects.size());
    for (const auto& o : objects.objects) names.push_back(o.name);
    return json_names(names);
}

std::string json_attributes(const proto::ApiObjects& objects, bool blame) {
    std::vector<std::string> entries;
    entries.reserve(objects.objects.size());
    for (const auto& o : objects.objects) {
        std::string entry = json_string(o.name) + ": {";
        for (size_t i = 0; i < o.attributes.size(); ++i)
            entry += (i ? ", " : "") + json_string(o.attributes[i].name) + ": " +
                     attribute_value(o.attributes[i], blame);
        entries.push_back(entry + "}");
    }
    return top_level('{', '}', entries);
}

std::string json_error(const std::string& line, int exit_status) {
    return "{\"error\": " + json_string(line) + ", \"exit\": " + std::to_string(exit_status) +
           "}\n";
}

}  // namespace cc::cli
