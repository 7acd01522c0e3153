#include "daemon/state/apply.hpp"

#include <algorithm>

#include "daemon/state/masked.hpp"

namespace cc::state {

proto::CommandResult failure(proto::ResultCode code, std::string message) {
    return proto::CommandResult{code, std::move(message), {}};
}

namespace {

using proto::CommandResult;
using proto::ResultCode;

// Either a failure or a value, for the validate-then-mutate steps below.
template <class T>
struct Checked {
    std::optional<CommandResult> error;
    T value{};
};

std::string list_some(const std::vector<std::string>& names) {
    std::string s;
    size_t shown = std::min<size_t>(names.size(), 10);
    for (size_t i = 0; i < shown; ++i) s += (i ? "," : "") + names[i];
    if (shown < names.size()) s += ",... (" + std::to_string(names.size()) + " in all)";
    return s;
}

// Existing target nodes of a nodes-domain command, natural-sorted.
Checked<std::vector<std::string>> targets(const Database::Impl& db, const std::string& noderange,
                                          const std::optional<std::vector<std::string>>& pinned) {
    Checked<std::vector<std::string>> out;
    if (pinned) {
        std::vector<std::string> missing;
        for (const auto& n : *pinned)
            (db.nodes.entries.count(n) ? out.value : missing).push_back(n);
        if (!missing.empty()) {
            std::sort(missing.begin(), missing.end(),
                      [](const auto& a, const auto& b) { return natural_less(a, b); });
            out.error = failure(
                ResultCode::NotFound,
                (missing.size() == 1 ? "Unknown node " : "Unknown nodes ") + list_some(missing));
        }
        std::sort(out.value.begin(), out.value.end(),
                  [](const auto& a, const auto& b) { return natural_less(a, b); });
        out.value.erase(std::unique(out.value.begin(), out.value.end()), out.value.end());
        return out;
    }
    try {
        out.value = natural_sorted(evaluate_noderange(noderange, NodesDomainSource(db)));
    } catch (const NoderangeError& e) {
        out.error = failure(e.code, e.what());
    }
    return out;
}

std::optional<CommandResult> check_node_attributes(
    const std::map<std::string, std::string>& attrs) {
    for (const auto& [name, value] : attrs) {
        if (auto why = check_attribute(name, value)) return failure(ResultCode::BadRequest, *why);
        if (name == kGroupsAttr) {
            for (const auto& g : split_groups(value))
                if (auto why = check_entity_name("group", g))
                    return failure(ResultCode::BadRequest, *why);
        }
    }
    return std::nullopt;
}

std::optional<CommandResult> check_group_attributes(
    const std::map<std::string, std::string>& attrs) {
    for (const auto& [name, value] : attrs) {
        if (auto why = check_attribute(name, value)) return failure(ResultCode::BadRequest, *why);
        if (name == kNodesAttr || name == kGroupsAttr)
            return failure(ResultCode::BadRequest,
                           "'" + name +
                               "' cannot be set on a group: set the nodes' groups attribute "
                               "with nodeattrib instead");
    }
    return std::nullopt;
}

std::optional<CommandResult> check_attribute_names(const std::vector<std::string>& names) {
    for (const auto& n : names)
        if (auto why = check_attribute(n, "")) return failure(ResultCode::BadRequest, *why);
    return std::nullopt;
}

// The stored form of a value: `groups` lists are normalised.
std::string stored_value(std::string_view attr, const std::string& value) {
    return attr == kGroupsAttr ? join_groups(split_groups(value)) : value;
}

CommandResult define_nodes(Database::Impl* mut, const Database::Impl& db,
                           const proto::DefineNodes& c) {
    std::vector<std::string> names;
    try {
        names = natural_sorted(expand_noderange_names(c.noderange));
    } catch (const NoderangeError& e) {
        return failure(e.code, e.what());
    }
    for (const auto& n : names) {
        if (auto why = check_entity_name("node", n)) return failure(ResultCode::BadRequest, *why);
        if (n == kEverything)
            return failure(ResultCode::BadRequest,
                           "everything is the group of all nodes and cannot name a node");
    }
    if (auto err = check_node_attributes(c.attributes)) return *err;
    std::vector<std::string> existing;
    for (const auto& n : names)
        if (db.nodes.entries.count(n)) existing.push_back(n);
    if (!existing.empty())
        return failure(
            ResultCode::BadRequest,
            list_some(existing) + (existing.size() == 1 ? " already exists" : " already exist"));
    CommandResult r;
    for (const auto& n : names) {
        if (mut) {
            Entity e;
            for (const auto& [k, v] : c.attributes) e.set(mut->names.intern(k), stored_value(k, v));
            mut->add_node(n, std::move(e));
        }
        r.lines.push_back({n, "created"});
    }
    return r;
}

CommandResult remove_nodes(Database::Impl* mut, const Database::Impl& db,
                           const proto::RemoveNodes& c) {
    auto t = targets(db, c.noderange, c.pinned);
    if (t.error) return *t.error;
    CommandResult r;
    for (const auto& n : t.value) {
        if (mut) mut->remove_node(n);
        r.lines.push_back({n, "deleted"});
    }
    return r;
}

CommandResult set_node_attributes(Database::Impl* mut, const Database::Impl& db,
                                  const proto::SetNodeAttributes& c) {
    if (auto err = check_node_attributes(c.attributes)) return *err;
    auto t = targets(db, c.noderange, c.pinned);
    if (t.error) return *t.error;
    CommandResult r;
    for (const auto& n : t.value) {
        for (const auto& [k, v] : c.attributes) {
            std::string value = stored_value(k, v);
            r.lines.push_back({n, shown_value(k, value)});
            if (mut) mut->set_node_attr(mut->nodes.entries.at(n), mut->names.intern(k), value);
        }
    }
    return r;
}

CommandResult clear_node_attributes(Database::Impl* mut, const Database::Impl& db,
                                    const proto::ClearNodeAttributes& c) {
    if (auto err = check_attribute_names(c.attributes)) return *err;
    auto t = targets(db, c.noderange, c.pinned);
    if (t.error) return *t.error;
    CommandResult r;
    for (const auto& n : t.value) {
        for (const auto& k : c.attributes) {
            r.lines.push_back({n, k + " cleared"});
            if (!mut) continue;
            if (auto id = mut->names.find(k)) mut->clear_node_attr(mut->nodes.entries.at(n), *id);
        }
    }
    return r;
}

// The node's own manager is read here, at apply time, so every member
// decides alike; see proto::ClaimNode for why an inherited one is not.
CommandResult claim_node(Database::Impl* mut, const Database::Impl& db, const proto::ClaimNode& c) {
    static constexpr const char* kHwaddr = "net.hwaddr";
    static constexpr const char* kManager = "collective.manager";
    std::map<std::string, std::string> attrs{{kHwaddr, c.hwaddr}, {kManager, c.manager}};
    if (auto err = check_node_attributes(attrs)) return *err;
    auto node = db.nodes.entries.find(c.node);
    if (node == db.nodes.entries.end())
        return failure(ResultCode::NotFound, "Unknown node " + c.node);
    const std::string* own = nullptr;
    if (auto id = db.names.find(kManager)) own = node->second.get(*id);
    const bool claimed = !c.manager.empty() && (!own || own->empty() || *own == c.manager);
    CommandResult r;
    r.lines.push_back({c.node, c.hwaddr});
    if (claimed)
        r.lines.push_back({c.node, "claimed by " + c.manager});
    else if (own && !own->empty())
        r.lines.push_back({c.node, "managed by " + *own + ", not claimed"});
    if (mut) {
        Entity& e = mut->nodes.entries.at(c.node);
        mut->set_node_attr(e, mut->names.intern(kHwaddr), c.hwaddr);
        if (claimed) mut->set_node_attr(e, mut->names.intern(kManager), c.manager);
    }
    return r;
}

std::optional<CommandResult> check_group_name(const std::string& group) {
    if (auto why = check_entity_name("group", group)) return failure(ResultCode::BadRequest, *why);
    return std::nullopt;
}

CommandResult missing_group(const std::string& group) {
    return failure(ResultCode::BadRequest, group + " group does not exist");
}

CommandResult define_group(Database::Impl* mut, const Database::Impl& db,
                           const proto::DefineGroup& c) {
    if (auto err = check_group_name(c.group)) return *err;
    if (auto err = check_group_attributes(c.attributes)) return *err;
    if (db.group_defined(c.group))
        return failure(ResultCode::BadRequest, c.group + " group already exists");
    if (mut) {
        Entity e;
        for (const auto& [k, v] : c.attributes) e.set(mut->names.intern(k), v);
        mut->groups.entries.emplace(c.group, std::move(e));
    }
    return CommandResult{ResultCode::Ok, {}, {{c.group, "created"}}};
}

CommandResult remove_group(Database::Impl* mut, const Database::Impl& db,
                           const proto::RemoveGroup& c) {
    if (c.group == kEverything)
        return failure(ResultCode::BadRequest, "the everything group cannot be removed");
    if (!db.groups.entries.count(c.group)) return missing_group(c.group);
    if (mut) mut->groups.entries.erase(c.group);
    return CommandResult{ResultCode::Ok, {}, {{c.group, "deleted"}}};
}

CommandResult set_group_attributes(Database::Impl* mut, const Database::Impl& db,
                                   const proto::SetGroupAttributes& c) {
    if (auto err = check_group_name(c.group)) return *err;
    if (auto err = check_group_attributes(c.attributes)) return *err;
    if (!db.group_defined(c.group) && !c.create_if_missing) return missing_group(c.group);
    CommandResult r;
    for (const auto& [k, v] : c.attributes) r.lines.push_back({c.group, shown_value(k, v)});
    if (mut) {
        Entity& e = mut->groups.entries[c.group];  // creates `everything` or an implicit group
        for (const auto& [k, v] : c.attributes) e.set(mut->names.intern(k), v);
    }
    return r;
}

CommandResult clear_group_attributes(Database::Impl* mut, const Database::Impl& db,
                                     const proto::ClearGroupAttributes& c) {
    if (auto err = check_attribute_names(c.attributes)) return *err;
    if (!db.group_defined(c.group)) return missing_group(c.group);
    CommandResult r;
    for (const auto& k : c.attributes) r.lines.push_back({c.group, k + " cleared"});
    if (mut) {
        auto it = mut->groups.entries.find(c.group);
        if (it != mut->groups.entries.end())
            for (const auto& k : c.attributes)
                if (auto id = mut->names.find(k)) it->second.clear(*id);
    }
    return r;
}

// Validates everything first (mut == nullptr), then mutates only on success.
CommandResult run(Database::Impl* mut, const Database::Impl& db, const proto::Command& c) {
    return std::visit(
        [&](const auto& cmd) -> CommandResult {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, proto::DefineNodes>) return define_nodes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::RemoveNodes>) return remove_nodes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::SetNodeAttributes>)
                return set_node_attributes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::ClearNodeAttributes>)
                return clear_node_attributes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::DefineGroup>) return define_group(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::RemoveGroup>) return remove_group(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::SetGroupAttributes>)
                return set_group_attributes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::ClearGroupAttributes>)
                return clear_group_attributes(mut, db, cmd);
            if constexpr (std::is_same_v<T, proto::ClaimNode>) return claim_node(mut, db, cmd);
#ifdef CC_TEST_COMMAND_KIND
            if constexpr (std::is_same_v<T, proto::NextBuildCommand>)
                return CommandResult{proto::ResultCode::Ok, "", {{"next", "applied"}}};
#endif
        },
        c);
}

}  // namespace

proto::CommandResult apply_command(Database::Impl& db, const proto::Command& c) {
    CommandResult checked = run(nullptr, db, c);
    if (!checked.ok()) return checked;
    return run(&db, db, c);
}

std::optional<proto::CommandResult> check_command(const Database::Impl& db,
                                                  const proto::Command& c) {
    CommandResult r = run(nullptr, db, c);
    if (r.ok()) return std::nullopt;
    return r;
}

}  // namespace cc::state
