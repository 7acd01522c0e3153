// The one name rule for members, nodes, groups and attributes, shared by the
// CLI, the local API, the token parser, the join exchange, the leader's check
// of a member list, the apply path and the cfg/ loaders (so a name accepted
// anywhere is loadable everywhere):
//   1..255 bytes of [A-Za-z0-9._-];
//   member, node and group names may not start with '-' (it would read as an
//   option on a command line); attribute names may, as the cfg/ files have
//   always accepted them.
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proto/printable.hpp"

namespace proto {

inline constexpr size_t kMaxNameBytes = 255;

enum class NameKind { Member, Node, Group, Attribute };

inline const char* name_kind_word(NameKind kind) {
    switch (kind) {
        case NameKind::Member:
            return "member";
        case NameKind::Node:
            return "node";
        case NameKind::Group:
            return "group";
        case NameKind::Attribute:
            return "attribute";
    }
    return "name";
}

inline bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// Why `name` is not a valid name of this kind (for the user; the name shown
// escaped), or nullopt when it is.
inline std::optional<std::string> check_name(NameKind kind, std::string_view name) {
    bool chars_ok = true;
    for (char c : name) chars_ok = chars_ok && name_char(c);
    bool dash_ok = kind == NameKind::Attribute || name.empty() || name.front() != '-';
    if (chars_ok && dash_ok && !name.empty() && name.size() <= kMaxNameBytes)
        return std::nullopt;  // checked on every apply: no allocation on success
    std::string word = name_kind_word(kind);
    if (name.empty()) return word + " name is empty";
    if (name.size() > kMaxNameBytes)
        return word + " name '" + printable(name.substr(0, 40)) + "...' is longer than " +
               std::to_string(kMaxNameBytes) + " characters";
    if (!chars_ok || !dash_ok)
        return word + " name '" + printable(name) +
               "' may only use letters, digits, '-', '_' and '.'" +
               (kind == NameKind::Attribute ? "" : ", and not start with '-'");
    return std::nullopt;
}

inline bool valid_name(NameKind kind, std::string_view name) {
    return !check_name(kind, name).has_value();
}

}  // namespace proto
