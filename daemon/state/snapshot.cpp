// Snapshot image: both domains proto-encoded in natural order of names, so
// every member produces the same bytes for the same state. Version 1.
#include <algorithm>

#include "daemon/state/store.hpp"
#include "proto/codec.hpp"

namespace cc::state {

namespace {

struct SnapAttr {
    std::string name;
    std::string value;
    CC_PROTO_FIELDS(name, value)
};

struct SnapEntity {
    std::string name;
    std::vector<SnapAttr> attrs;
    CC_PROTO_FIELDS(name, attrs)
};

struct SnapImage {
    uint32_t version = 1;
    std::vector<SnapEntity> nodes;
    std::vector<SnapEntity> groups;
    // Appended (an older build skips them): each domain's exactly-once writes.
    std::vector<SessionTable::Record> node_sessions;
    std::vector<SessionTable::Record> group_sessions;
    CC_PROTO_FIELDS(version, nodes, groups, node_sessions, group_sessions)
};

std::vector<SnapEntity> image_of(const Database::Impl& db, const Domain& dom) {
    std::vector<SnapEntity> out;
    out.reserve(dom.entries.size());
    for (const auto& [name, e] : dom.entries) {
        SnapEntity s{name, {}};
        s.attrs.reserve(e.attrs().size());
        for (const auto& [id, v] : e.attrs()) s.attrs.push_back({db.names.name(id), v});
        std::sort(s.attrs.begin(), s.attrs.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return natural_less(a.name, b.name); });
    return out;
}

void fill(Database::Impl& db, Domain& dom, std::vector<SnapEntity>& from, const char* kind) {
    dom.entries.reserve(from.size());
    for (auto& s : from) {
        if (auto why = check_entity_name(kind, s.name))
            throw proto::DecodeError("snapshot holds an invalid name: " + *why);
        Entity e;
        for (auto& a : s.attrs) {
            if (auto why = check_attribute(a.name, a.value))
                throw proto::DecodeError("snapshot holds an invalid attribute: " + *why);
            e.set(db.names.intern(a.name), std::move(a.value));
        }
        if (!dom.entries.emplace(std::move(s.name), std::move(e)).second)
            throw proto::DecodeError("snapshot holds a name twice");
    }
}

}  // namespace

std::string Database::snapshot_bytes() const {
    SnapImage img{1, image_of(*impl_, impl_->nodes), image_of(*impl_, impl_->groups),
                  impl_->nodes.sessions.records(), impl_->groups.sessions.records()};
    return proto::to_bytes(img);
}

void Database::install_snapshot(std::string_view bytes, uint64_t index) {
    auto img = proto::from_bytes<SnapImage>(bytes);
    if (img.version != 1)
        throw proto::DecodeError("snapshot version " + std::to_string(img.version) +
                                 " is not supported by this confluentd");
    auto fresh = std::make_unique<Impl>();
    fill(*fresh, fresh->nodes, img.nodes, "node");
    fill(*fresh, fresh->groups, img.groups, "group");
    try {
        fresh->nodes.sessions = SessionTable::from_records(std::move(img.node_sessions));
        fresh->groups.sessions = SessionTable::from_records(std::move(img.group_sessions));
    } catch (const std::invalid_argument& e) {
        throw proto::DecodeError(std::string("snapshot holds invalid write sessions: ") + e.what());
    }
    fresh->rebuild_group_refs();
    for (Domain* d : {&fresh->nodes, &fresh->groups}) {
        d->applied = index;
        d->saved =
            impl_->domain(d == &fresh->nodes ? proto::Domain::Nodes : proto::Domain::NodeGroups)
                .saved;
        d->dirty = true;
    }
    impl_ = std::move(fresh);
}

}  // namespace cc::state
