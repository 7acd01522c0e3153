// Internal: the in-memory form of the two domains, shared by the files of
// cc_state. Compact on purpose (100,000 nodes x 10 attributes): attribute
// names are interned once, each node keeps a small vector of (id, value).
// Natural order is produced only when listing.
// Threading: as Database (daemon thread only).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/state/database.hpp"
#include "daemon/state/noderange.hpp"
#include "daemon/state/session_table.hpp"

namespace cc::state {

using AttrId = uint32_t;

inline constexpr std::string_view kEverything = "everything";
inline constexpr std::string_view kGroupsAttr = "groups";
inline constexpr std::string_view kNodesAttr = "nodes";

// Attribute names, interned: ids are local to this process, never stored.
class AttrNames {
  public:
    AttrId intern(std::string_view name);
    std::optional<AttrId> find(std::string_view name) const;
    const std::string& name(AttrId id) const { return names_[id]; }

  private:
    std::vector<std::string> names_;
    std::unordered_map<std::string, AttrId> ids_;
};

// One node or group: its own attributes, in no particular order (few per
// entity). Copy-on-write: copies share one attribute list until one of them
// changes, so a copy of the whole database (Database::copy, which the cfg
// writer renders from on its own thread) costs a pointer per entity, not a
// second node database. The copy-on-write decision reads the list's use
// count, so every copy of an Entity must be made and destroyed on one thread
// (the daemon thread); other threads may only read.
class Entity {
  public:
    using Attrs = std::vector<std::pair<AttrId, std::string>>;
    const Attrs& attrs() const;
    const std::string* get(AttrId id) const;
    void set(AttrId id, std::string value);
    bool clear(AttrId id);
    // Loaders: appends without looking for the id (the caller checked).
    void add(AttrId id, std::string value);
    void reserve(size_t n);

  private:
    Attrs& own();  // the list, unshared first when another copy holds it
    std::shared_ptr<Attrs> attrs_;
};

// The key of a domain file that holds its SessionTable; '#' is not allowed
// in node or group names, so it cannot clash with one.
inline constexpr std::string_view kSessionsKey = "#sessions";

struct Domain {
    std::unordered_map<std::string, Entity> entries;
    SessionTable sessions;  // exactly-once writes this domain has applied
    uint64_t applied = 0;   // log index the state reflects
    uint64_t saved = 0;     // log index of the file last loaded or written
    bool dirty = false;
};

struct Database::Impl {
    AttrNames names;
    Domain nodes;
    Domain groups;
    AttrId groups_attr;

    Impl() : groups_attr(names.intern(kGroupsAttr)) {}
    Domain& domain(proto::Domain d) { return d == proto::Domain::Nodes ? nodes : groups; }
    const Domain& domain(proto::Domain d) const {
        return d == proto::Domain::Nodes ? nodes : groups;
    }
    // The node's groups list as stored (without `everything`).
    std::vector<std::string> node_groups(const Entity& node) const;
    // A group exists when defined, named by a node, or `everything`.
    bool group_defined(std::string_view group) const;
    bool group_named_by_nodes(std::string_view group) const;

    // How many nodes name each group (derived from the nodes domain, kept in
    // step by add_node/remove_node/set_node_groups, rebuilt after loading).
    std::unordered_map<std::string, uint32_t> group_refs;
    void add_node(const std::string& name, Entity node);
    void remove_node(const std::string& name);
    void set_node_attr(Entity& node, AttrId id, std::string value);
    bool clear_node_attr(Entity& node, AttrId id);
    void rebuild_group_refs();

  private:
    void count_groups(const Entity& node, int delta);
};

// Noderange evaluation over the nodes domain only (what apply may read):
// groups are derived from the nodes' `groups` attributes; attribute matches
// see only the nodes' own values.
class NodesDomainSource : public NodeSource {
  public:
    explicit NodesDomainSource(const Database::Impl& db) : db_(db) {}
    bool is_node(const std::string& name) const override;
    bool add_group_members(const std::string& name, NodeSet& out) const override;
    void add_all_nodes(NodeSet& out) const override;
    std::optional<std::string> match_value(const std::string& node,
                                           const std::string& attribute) const override;

  protected:
    const Database::Impl& db_;
};

// The full view used by queries and by the proposer: defined groups without
// members exist, attribute matches see inherited values.
class FullSource : public NodesDomainSource {
  public:
    using NodesDomainSource::NodesDomainSource;
    bool add_group_members(const std::string& name, NodeSet& out) const override;
    std::optional<std::string> match_value(const std::string& node,
                                           const std::string& attribute) const override;
};

// Splits "a, b,,a" into {"a","b"}: trimmed, no empties, no duplicates, no `everything`.
std::vector<std::string> split_groups(std::string_view list);
std::string join_groups(const std::vector<std::string>& groups);

// Name rules shared by commands and file loading (proto/names.hpp, `kind` being
// "member", "group" or "node"): a reason, or nullopt if fine.
std::optional<std::string> check_entity_name(std::string_view kind, std::string_view name);
std::optional<std::string> check_attribute(std::string_view name, std::string_view value);

// The shown value of `attr` on `node` with inheritance (groups list, then everything).
std::optional<ShownAttribute> resolve_attribute(const Database::Impl& db, const Entity& node,
                                                AttrId attr);

}  // namespace cc::state
