#include "daemon/state/database.hpp"

#include <algorithm>

#include "daemon/state/apply.hpp"
#include "daemon/state/store.hpp"

namespace cc::state {

Database::Database() : impl_(std::make_unique<Impl>()) {}
Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

Database Database::copy() const {
    return Database(std::make_unique<Impl>(*impl_));
}

bool Database::dirty(proto::Domain d) const {
    return impl_->domain(d).dirty;
}
uint64_t Database::saved_index(proto::Domain d) const {
    return impl_->domain(d).saved;
}
uint64_t Database::applied_index(proto::Domain d) const {
    return impl_->domain(d).applied;
}

namespace {

// Pins a nodes-domain noderange when the apply-time view (nodes domain only)
// would expand it differently from the proposer's full view.
template <class Cmd>
std::optional<proto::CommandResult> pin(const Database::Impl& db, Cmd& cmd) {
    if (cmd.pinned) return std::nullopt;
    NodeSet full;
    try {
        full = evaluate_noderange(cmd.noderange, FullSource(db));
    } catch (const NoderangeError& e) {
        return failure(e.code, e.what());
    }
    bool same = false;
    try {
        same = evaluate_noderange(cmd.noderange, NodesDomainSource(db)) == full;
    } catch (const NoderangeError&) {
        same = false;
    }
    if (!same) cmd.pinned = natural_sorted(full);
    return std::nullopt;
}

}  // namespace

std::optional<proto::CommandResult> Database::prepare(proto::Command& c) const {
    const Impl& db = *impl_;
    std::optional<proto::CommandResult> early;
    std::visit(
        [&](auto& cmd) {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, proto::RemoveNodes> ||
                          std::is_same_v<T, proto::SetNodeAttributes> ||
                          std::is_same_v<T, proto::ClearNodeAttributes>) {
                early = pin(db, cmd);
            } else if constexpr (std::is_same_v<T, proto::SetGroupAttributes>) {
                if (!db.group_defined(cmd.group) && db.group_named_by_nodes(cmd.group))
                    cmd.create_if_missing = true;
            } else if constexpr (std::is_same_v<T, proto::RemoveGroup>) {
                if (!db.group_defined(cmd.group) && db.group_named_by_nodes(cmd.group))
                    early = failure(proto::ResultCode::BadRequest,
                                    cmd.group +
                                        " group is not defined, only named in nodes' groups "
                                        "attribute: change that attribute with nodeattrib");
            }
        },
        c);
    if (early) return early;
    return check_command(db, c);
}

proto::CommandResult Database::apply(const proto::Command& c, uint64_t index) {
    Domain& own = impl_->domain(proto::domain_of(c));
    if (index <= own.applied) {  // replayed entry already in this domain's file
        note_index(index);
        return {};
    }
    proto::CommandResult r = apply_command(*impl_, c);
    if (r.ok()) own.dirty = true;
    note_index(index);
    return r;
}

Database::SessionApplied Database::apply(const proto::SessionCommand& c, uint64_t index) {
    Domain& own = impl_->domain(proto::domain_of(c.command));
    if (index <= own.applied) {  // replayed entry already in this domain's file
        note_index(index);
        return {};
    }
    if (!own.sessions.first_time(c.session, c.seq, c.acked_below, index)) {
        note_index(index);
        return {{}, true};
    }
    // Recorded even when the command fails: the table changed, so the file
    // must be written.
    if (!c.session.empty()) own.dirty = true;
    return {apply(c.command, index), false};
}

bool Database::session_applied(proto::Domain d, const std::string& session, uint64_t seq) const {
    return impl_->domain(d).sessions.seen(session, seq);
}

void Database::note_index(uint64_t index) {
    for (Domain* d : {&impl_->nodes, &impl_->groups}) d->applied = std::max(d->applied, index);
}

std::vector<std::string> Database::expand(std::string_view noderange) const {
    return natural_sorted(evaluate_noderange(noderange, FullSource(*impl_)));
}

std::vector<std::string> Database::expand_names(std::string_view noderange) {
    return natural_sorted(expand_noderange_names(noderange));
}

bool Database::node_exists(std::string_view node) const {
    return impl_->nodes.entries.count(std::string(node)) > 0;
}

size_t Database::node_count() const {
    return impl_->nodes.entries.size();
}

namespace {

bool by_name(const ShownAttribute& a, const ShownAttribute& b) {
    return a.name < b.name;
}

}  // namespace

std::vector<ShownAttribute> Database::node_attributes(std::string_view node,
                                                      const std::vector<std::string>& names) const {
    const Impl& db = *impl_;
    auto it = db.nodes.entries.find(std::string(node));
    if (it == db.nodes.entries.end()) return {};
    const Entity& e = it->second;
    std::vector<ShownAttribute> out;
    auto show = [&](AttrId id) {
        if (auto s = resolve_attribute(db, e, id)) out.push_back(std::move(*s));
    };
    if (!names.empty()) {
        for (const auto& n : names) {
            auto id = db.names.find(n);
            size_t before = out.size();
            if (id) show(*id);
            if (out.size() == before) out.push_back({n, "", ""});
        }
        return out;
    }
    std::vector<AttrId> ids{db.groups_attr};
    for (const auto& [id, v] : e.attrs()) ids.push_back(id);
    auto gs = db.node_groups(e);
    gs.emplace_back(kEverything);
    for (const auto& g : gs) {
        auto git = db.groups.entries.find(g);
        if (git == db.groups.entries.end()) continue;
        for (const auto& [id, v] : git->second.attrs()) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (AttrId id : ids) show(id);
    std::sort(out.begin(), out.end(), by_name);
    return out;
}

std::vector<std::string> Database::groups() const {
    NodeSet all;
    all.insert(std::string(kEverything));
    for (const auto& [g, e] : impl_->groups.entries) all.insert(g);
    for (const auto& [g, n] : impl_->group_refs) all.insert(g);
    return natural_sorted(all);
}

bool Database::group_exists(std::string_view group) const {
    return impl_->group_defined(group) || impl_->group_named_by_nodes(group);
}

std::vector<ShownAttribute> Database::group_attributes(
    std::string_view group, const std::vector<std::string>& names) const {
    const Impl& db = *impl_;
    auto it = db.groups.entries.find(std::string(group));
    std::vector<ShownAttribute> out;
    if (!names.empty()) {
        for (const auto& n : names) {
            auto id = db.names.find(n);
            const std::string* v =
                (it != db.groups.entries.end() && id) ? it->second.get(*id) : nullptr;
            out.push_back({n, v ? *v : "", ""});
        }
        return out;
    }
    if (it == db.groups.entries.end()) return out;
    for (const auto& [id, v] : it->second.attrs()) out.push_back({db.names.name(id), v, ""});
    std::sort(out.begin(), out.end(), by_name);
    return out;
}

std::vector<std::string> Database::group_members(std::string_view group) const {
    NodeSet members;
    NodesDomainSource(*impl_).add_group_members(std::string(group), members);
    return natural_sorted(members);
}

}  // namespace cc::state
