// cfg/nodes and cfg/nodegroups: one TOML table per node or group holding its
// own attributes, after `applied_index`. Rendered in natural order of names
// and byte order of attributes, so the same state always gives the same bytes.
#include <algorithm>

#include "daemon/state/fast_reader.hpp"
#include "daemon/state/store.hpp"
#include "daemon/state/toml_text.hpp"
#include "daemon/util/fs.hpp"

namespace cc::state {

namespace {

const char* file_name(proto::Domain d) {
    return d == proto::Domain::Nodes ? "nodes" : "nodegroups";
}

// Emits the text in pieces of about kPiece bytes, so that a big file is
// never held whole (100,000 nodes render to about 27 MB).
constexpr size_t kPiece = 1u << 20;

void render_domain(const Database::Impl& db, proto::Domain d, const cc::fs::Emit& emit) {
    const Domain& dom = db.domain(d);
    std::vector<const std::pair<const std::string, Entity>*> entries;
    entries.reserve(dom.entries.size());
    for (const auto& e : dom.entries) entries.push_back(&e);
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return natural_less(a->first, b->first); });
    std::string out;
    out.reserve(kPiece + 4096);
    out += d == proto::Domain::Nodes
               ? "# Managed nodes and their own attributes (inherited ones are in nodegroups).\n"
               : "# Node groups and their attributes (members come from the nodes' groups).\n";
    out += "# Written by confluentd; edit only while it is stopped.\n";
    out += "applied_index = " + std::to_string(dom.applied) + "\n";
    if (!dom.sessions.empty()) {
        // Not configuration: which exactly-once writes this file reflects
        // (daemon/state/session_table.hpp), so a re-sent copy is not applied
        // again after a restart.
        append_toml_key(out, kSessionsKey);
        out += " = [";
        bool first = true;
        for (const auto& r : dom.sessions.records()) {
            if (!first) out += ", ";
            first = false;
            append_toml_string(out, SessionTable::line_of(r));
        }
        out += "]\n";
    }
    std::vector<std::pair<const std::string*, const std::string*>> attrs;
    for (const auto* e : entries) {
        if (out.size() >= kPiece) {
            emit(out);
            out.clear();
        }
        out += "\n[";
        append_toml_key(out, e->first);
        out += "]\n";
        attrs.clear();
        for (const auto& [id, v] : e->second.attrs()) attrs.emplace_back(&db.names.name(id), &v);
        std::sort(attrs.begin(), attrs.end(),
                  [](const auto& a, const auto& b) { return *a.first < *b.first; });
        for (const auto& [k, v] : attrs) {
            append_toml_key(out, *k);
            out += " = ";
            append_toml_string(out, *v);
            out += '\n';
        }
    }
    emit(out);
}

SessionTable sessions_of(const toml::node& node, const std::filesystem::path& path) {
    const std::string what = "\"" + std::string(kSessionsKey) +
                             "\" must be a list of write sessions, as confluentd writes it";
    const toml::array* a = node.as_array();
    if (!a) throw ConfigFileError(path, line_of(node), what);
    std::vector<SessionTable::Record> records;
    for (const auto& v : *a) {
        auto rec = v.is_string() ? SessionTable::parse_line(v.as_string()->get()) : std::nullopt;
        if (!rec) throw ConfigFileError(path, line_of(v), what);
        records.push_back(std::move(*rec));
    }
    try {
        return SessionTable::from_records(std::move(records));
    } catch (const std::invalid_argument& e) {
        throw ConfigFileError(path, line_of(node), e.what());
    }
}

void load_domain(Database::Impl& db, proto::Domain d, const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) return;
    std::string text = cc::fs::read_file(path);
    Domain& dom = db.domain(d);
    const char* kind = d == proto::Domain::Nodes ? "node" : "group";
    if (read_domain_fast(text, db, dom, kind)) return;
    toml::table root = parse_toml(text, path);
    bool have_index = false;
    for (auto&& [key, node] : root) {
        if (key.str() == "applied_index") {
            auto v = node.value_exact<int64_t>();
            if (!node.is_integer() || !v || *v < 0)
                throw ConfigFileError(path, line_of(node),
                                      "applied_index must be a non-negative integer");
            dom.applied = dom.saved = static_cast<uint64_t>(*v);
            have_index = true;
            continue;
        }
        if (key.str() == kSessionsKey) {
            dom.sessions = sessions_of(node, path);
            continue;
        }
        const toml::table* t = node.as_table();
        if (!t)
            throw ConfigFileError(path, line_of(node),
                                  "'" + std::string(key.str()) + "' must be a table of attributes");
        if (auto why = check_entity_name(kind, key.str()))
            throw ConfigFileError(path, line_of(node), *why);
        Entity e;
        e.reserve(t->size());
        for (auto&& [attr, value] : *t) {
            const std::string* s = value.is_string() ? &value.as_string()->get() : nullptr;
            if (!s)
                throw ConfigFileError(path, line_of(value),
                                      "attribute '" + std::string(attr.str()) + "' of " +
                                          std::string(key.str()) + " must be a string");
            if (auto why = check_attribute(attr.str(), *s))
                throw ConfigFileError(path, line_of(value), *why);
            e.add(db.names.intern(attr.str()), *s);
        }
        dom.entries.emplace(std::string(key.str()), std::move(e));
    }
    if (!have_index) throw ConfigFileError(path, 1, "applied_index is missing");
}

}  // namespace

std::string Database::render(proto::Domain d) const {
    std::string text;
    render_domain(*impl_, d, [&](std::string_view piece) { text += piece; });
    return text;
}

void Database::render_to(proto::Domain d, const cc::fs::Emit& emit) const {
    render_domain(*impl_, d, emit);
}

Database Database::load(const std::filesystem::path& cfg_dir) {
    auto impl = std::make_unique<Impl>();
    load_domain(*impl, proto::Domain::Nodes, cfg_dir / "nodes");
    load_domain(*impl, proto::Domain::NodeGroups, cfg_dir / "nodegroups");
    impl->rebuild_group_refs();
    return Database(std::move(impl));
}

void Database::save(const std::filesystem::path& cfg_dir, bool all) {
    for (auto d : {proto::Domain::Nodes, proto::Domain::NodeGroups}) {
        Domain& dom = impl_->domain(d);
        if (!dom.dirty && !all) continue;
        // 0600: the files hold secret.* attributes (BMC passwords).
        cc::fs::write_atomic_stream(
            cfg_dir / file_name(d),
            [&](const cc::fs::Emit& emit) { render_domain(*impl_, d, emit); }, 0600);
        dom.saved = dom.applied;
        dom.dirty = false;
    }
}

}  // namespace cc::state
