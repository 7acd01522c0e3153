#include "daemon/state/store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "proto/names.hpp"

namespace cc::state {

AttrId AttrNames::intern(std::string_view name) {
    auto it = ids_.find(std::string(name));
    if (it != ids_.end()) return it->second;
    auto id = static_cast<AttrId>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
}

std::optional<AttrId> AttrNames::find(std::string_view name) const {
    auto it = ids_.find(std::string(name));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
}

const Entity::Attrs& Entity::attrs() const {
    static const Attrs kNone;
    return attrs_ ? *attrs_ : kNone;
}

namespace {

// Entities hold a handful of attributes each, 100,000s of them: grow the list
// one slot at a time rather than doubling (a node with 10 attributes would
// otherwise keep room for 16, a third of the node database's memory).
void append(Entity::Attrs& a, AttrId id, std::string value) {
    if (a.size() == a.capacity()) a.reserve(a.size() + 1);
    a.emplace_back(id, std::move(value));
}

}  // namespace

Entity::Attrs& Entity::own() {
    if (!attrs_)
        attrs_ = std::make_shared<Attrs>();
    else if (attrs_.use_count() > 1)
        attrs_ = std::make_shared<Attrs>(*attrs_);
    return *attrs_;
}

const std::string* Entity::get(AttrId id) const {
    for (const auto& [k, v] : attrs())
        if (k == id) return &v;
    return nullptr;
}

void Entity::set(AttrId id, std::string value) {
    Attrs& a = own();
    for (auto& [k, v] : a) {
        if (k == id) {
            v = std::move(value);
            return;
        }
    }
    append(a, id, std::move(value));
}

bool Entity::clear(AttrId id) {
    if (!get(id)) return false;
    Attrs& a = own();
    a.erase(std::find_if(a.begin(), a.end(), [&](const auto& x) { return x.first == id; }));
    return true;
}

void Entity::add(AttrId id, std::string value) {
    append(own(), id, std::move(value));
}

void Entity::reserve(size_t n) {
    own().reserve(n);
}

std::vector<std::string> split_groups(std::string_view list) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        std::string_view g = list.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!g.empty() && std::isspace(static_cast<unsigned char>(g.front())))
            g.remove_prefix(1);
        while (!g.empty() && std::isspace(static_cast<unsigned char>(g.back()))) g.remove_suffix(1);
        if (!g.empty() && g != kEverything && std::find(out.begin(), out.end(), g) == out.end())
            out.emplace_back(g);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::string join_groups(const std::vector<std::string>& groups) {
    std::string s;
    for (const auto& g : groups) s += (s.empty() ? "" : ",") + g;
    return s;
}

std::vector<std::string> Database::Impl::node_groups(const Entity& node) const {
    const std::string* v = node.get(groups_attr);
    return v ? split_groups(*v) : std::vector<std::string>{};
}

bool Database::Impl::group_defined(std::string_view group) const {
    return group == kEverything || groups.entries.count(std::string(group)) > 0;
}

bool Database::Impl::group_named_by_nodes(std::string_view group) const {
    auto it = group_refs.find(std::string(group));
    return it != group_refs.end() && it->second > 0;
}

void Database::Impl::count_groups(const Entity& node, int delta) {
    for (const auto& g : node_groups(node)) {
        auto& n = group_refs[g];
        n = static_cast<uint32_t>(static_cast<int>(n) + delta);
        if (n == 0) group_refs.erase(g);
    }
}

void Database::Impl::add_node(const std::string& name, Entity node) {
    count_groups(node, +1);
    nodes.entries.insert_or_assign(name, std::move(node));
}

void Database::Impl::remove_node(const std::string& name) {
    auto it = nodes.entries.find(name);
    if (it == nodes.entries.end()) return;
    count_groups(it->second, -1);
    nodes.entries.erase(it);
}

void Database::Impl::set_node_attr(Entity& node, AttrId id, std::string value) {
    if (id == groups_attr) count_groups(node, -1);
    node.set(id, std::move(value));
    if (id == groups_attr) count_groups(node, +1);
}

bool Database::Impl::clear_node_attr(Entity& node, AttrId id) {
    if (id == groups_attr) count_groups(node, -1);
    bool cleared = node.clear(id);
    if (id == groups_attr) count_groups(node, +1);
    return cleared;
}

void Database::Impl::rebuild_group_refs() {
    group_refs.clear();
    for (const auto& [name, node] : nodes.entries) count_groups(node, +1);
}

bool NodesDomainSource::is_node(const std::string& name) const {
    return db_.nodes.entries.count(name) > 0;
}

bool NodesDomainSource::add_group_members(const std::string& name, NodeSet& out) const {
    if (name == kEverything) {
        add_all_nodes(out);
        return true;
    }
    if (!db_.group_named_by_nodes(name)) return false;
    for (const auto& [node, e] : db_.nodes.entries) {
        auto gs = db_.node_groups(e);
        if (std::find(gs.begin(), gs.end(), name) != gs.end()) out.insert(node);
    }
    return true;
}

void NodesDomainSource::add_all_nodes(NodeSet& out) const {
    out.reserve(out.size() + db_.nodes.entries.size());
    for (const auto& [node, e] : db_.nodes.entries) out.insert(node);
}

std::optional<std::string> NodesDomainSource::match_value(const std::string& node,
                                                          const std::string& attribute) const {
    auto it = db_.nodes.entries.find(node);
    auto id = db_.names.find(attribute);
    if (it == db_.nodes.entries.end() || !id) return std::nullopt;
    const std::string* v = it->second.get(*id);
    if (!v) return std::nullopt;
    return *v;
}

bool FullSource::add_group_members(const std::string& name, NodeSet& out) const {
    if (NodesDomainSource::add_group_members(name, out)) return true;
    return db_.group_defined(name);  // defined, but no node names it yet
}

std::optional<std::string> FullSource::match_value(const std::string& node,
                                                   const std::string& attribute) const {
    auto it = db_.nodes.entries.find(node);
    auto id = db_.names.find(attribute);
    if (it == db_.nodes.entries.end() || !id) return std::nullopt;
    auto shown = resolve_attribute(db_, it->second, *id);
    if (!shown) return std::nullopt;
    return shown->value;
}

std::optional<ShownAttribute> resolve_attribute(const Database::Impl& db, const Entity& node,
                                                AttrId attr) {
    const std::string& name = db.names.name(attr);
    if (attr == db.groups_attr) {
        auto gs = db.node_groups(node);
        gs.emplace_back(kEverything);
        return ShownAttribute{name, join_groups(gs), ""};
    }
    if (const std::string* own = node.get(attr)) return ShownAttribute{name, *own, ""};
    auto gs = db.node_groups(node);
    gs.emplace_back(kEverything);
    for (const auto& g : gs) {
        auto it = db.groups.entries.find(g);
        if (it == db.groups.entries.end()) continue;
        if (const std::string* v = it->second.get(attr)) return ShownAttribute{name, *v, g};
    }
    return std::nullopt;
}

namespace {

// Whether the 8 bytes at p are all printable ASCII (0x20-0x7f), the common
// case, tested at once: a byte below 0x20 borrows into its top bit when 0x20
// is taken from it (a borrow from a lower byte can only add false alarms,
// which the byte-wise checks then settle), a byte from 0x80 has it already.
bool printable_ascii8(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kTops = 0x8080808080808080ULL;
    return ((w | (w - kOnes * 0x20)) & kTops) == 0;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xe  ? 3
                     : (c >> 3) == 0x1e ? 4
                                        : 0;
        if (len == 0 || i + len > s.size()) return false;
        if (len == 2 && c < 0xc2) return false;  // overlong
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
        if (len == 3) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0)) return false;
        }
        if (len == 4) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xf0 && c1 < 0x90) || c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return false;
        }
        i += len;
    }
    return true;
}

}  // namespace

std::optional<std::string> check_entity_name(std::string_view kind, std::string_view name) {
    auto k = kind == "member"  ? proto::NameKind::Member
             : kind == "group" ? proto::NameKind::Group
                               : proto::NameKind::Node;
    return proto::check_name(k, name);
}

std::optional<std::string> check_attribute(std::string_view name, std::string_view value) {
    if (auto why = proto::check_name(proto::NameKind::Attribute, name)) return why;
    if (value.size() > 65536)
        return "value of " + std::string(name) + " is longer than 65536 bytes";
    size_t plain = 0;  // a prefix of printable ASCII needs no byte-wise check
    while (plain + 8 <= value.size() && printable_ascii8(value.data() + plain)) plain += 8;
    value.remove_prefix(plain);
    if (!valid_utf8(value)) return "value of " + std::string(name) + " is not valid UTF-8";
    for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
            return "value of " + std::string(name) + " contains a control character";
    return std::nullopt;
}

}  // namespace cc::state
