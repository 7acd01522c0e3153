#include "daemon/app/managers.hpp"

#include <type_traits>

namespace cc::app {

namespace {

std::string member_names(const proto::Membership& members) {
    std::string out;
    for (const auto& m : members.members) out += (out.empty() ? "" : ", ") + m.name;
    return out;
}

bool is_member(const proto::Membership& members, const std::string& name) {
    for (const auto& m : members.members)
        if (m.name == name) return true;
    return false;
}

std::optional<std::string> check_attributes(const std::map<std::string, std::string>& attributes,
                                            const proto::Membership& members) {
    auto unknown = [&](const char* attribute, const std::string& name) {
        return std::string(attribute) + ": \"" + name +
               "\" is not recognized as a collective member (members: " + member_names(members) +
               ")";
    };
    if (auto it = attributes.find(kManagerAttribute); it != attributes.end()) {
        // An empty value means "no manager" (or masks an inherited one).
        if (!it->second.empty() && !is_member(members, it->second))
            return unknown(kManagerAttribute, it->second);
    }
    if (auto it = attributes.find(kCandidatesAttribute); it != attributes.end()) {
        if (it->second.empty()) return std::nullopt;
        std::vector<std::string> names;
        try {
            names = state::Database::expand_names(it->second);
        } catch (const std::exception& e) {
            return std::string(kCandidatesAttribute) + ": " + e.what();
        }
        for (const auto& n : names)
            if (!is_member(members, n)) return unknown(kCandidatesAttribute, n);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_managers(const proto::Command& c,
                                          const proto::Membership& members) {
    return std::visit(
        [&](const auto& cmd) -> std::optional<std::string> {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, proto::DefineNodes> ||
                          std::is_same_v<T, proto::SetNodeAttributes> ||
                          std::is_same_v<T, proto::DefineGroup> ||
                          std::is_same_v<T, proto::SetGroupAttributes>)
                return check_attributes(cmd.attributes, members);
            if constexpr (std::is_same_v<T, proto::ClaimNode>)
                return check_attributes({{kManagerAttribute, cmd.manager}}, members);
            return std::nullopt;
        },
        c);
}

std::vector<std::string> nodes_managed_by(const state::Database& db, const std::string& member) {
    std::vector<std::string> out;
    for (const auto& node : db.expand("everything"))
        for (const auto& a : db.node_attributes(node, {kManagerAttribute}))
            if (a.value == member) out.push_back(node);
    return out;
}

}  // namespace cc::app
