#include "daemon/storage/snapshot_meta_file.hpp"

#include "daemon/storage/storage_error.hpp"
#include "daemon/storage/toml_file.hpp"

namespace cc::storage {

namespace {
const std::string kRemedy =
    "restore it from a backup, or remove the collective state directory so that this member "
    "rejoins from the leader";

const char* role_name(proto::Role r) {
    return r == proto::Role::NonVoter ? "nonvoter" : "voter";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const SnapshotMeta& m) {
    os << "snapshot at index " << m.index << " term " << m.term << " members";
    for (const auto& member : m.membership.members) {
        os << " " << member.name << "(" << role_name(member.role) << ")";
    }
    return os;
}

std::optional<SnapshotMeta> SnapshotMetaFile::load() const {
    auto t = load_state_file(path_, kRemedy);
    if (!t) return std::nullopt;
    SnapshotMeta m;
    m.index = state_uint(path_, *t, "index", kRemedy);
    m.term = state_uint(path_, *t, "term", kRemedy);
    if (t->contains("membership_index"))
        m.membership_index = state_uint(path_, *t, "membership_index", kRemedy);
    if (const toml::node* n = t->get("members")) {
        const toml::array* members = n->as_array();
        if (members == nullptr) {
            throw StorageError("corrupt " + path_.string() + ":" +
                                   std::to_string(n->source().begin.line) +
                                   ": members must be an array of tables; " + kRemedy,
                               path_);
        }
        for (const toml::node& item : *members) {
            const toml::table* mt = item.as_table();
            if (mt == nullptr) {
                throw StorageError("corrupt " + path_.string() + ":" +
                                       std::to_string(item.source().begin.line) +
                                       ": each member must be a table; " + kRemedy,
                                   path_);
            }
            proto::MemberInfo info;
            info.name = state_string(path_, *mt, "name", kRemedy);
            info.address = state_string(path_, *mt, "address", kRemedy);
            info.fingerprint = state_string(path_, *mt, "fingerprint", kRemedy);
            std::string role = state_string(path_, *mt, "role", kRemedy);
            if (info.name.empty() || (role != "voter" && role != "nonvoter")) {
                throw StorageError("corrupt " + path_.string() + ":" +
                                       std::to_string(item.source().begin.line) +
                                       ": a member needs a name and role \"voter\" or "
                                       "\"nonvoter\"; " +
                                       kRemedy,
                                   path_);
            }
            info.role = role == "voter" ? proto::Role::Voter : proto::Role::NonVoter;
            if (const toml::node* p = mt->get("promote")) {
                if (!p->is_boolean()) {
                    throw StorageError("corrupt " + path_.string() + ":" +
                                           std::to_string(p->source().begin.line) +
                                           ": promote must be true or false; " + kRemedy,
                                       path_);
                }
                info.promote = p->value_or(false);
            }
            m.membership.members.push_back(std::move(info));
        }
    }
    return m;
}

void SnapshotMetaFile::save(const SnapshotMeta& meta) const {
    toml::table t;
    t.insert("index", to_toml_int(meta.index));
    t.insert("term", to_toml_int(meta.term));
    if (meta.membership_index != 0)
        t.insert("membership_index", to_toml_int(meta.membership_index));
    toml::array members;
    for (const auto& m : meta.membership.members) {
        toml::table member{{"name", m.name},
                           {"address", m.address},
                           {"fingerprint", m.fingerprint},
                           {"role", role_name(m.role)}};
        if (m.promote) member.insert("promote", true);
        members.push_back(std::move(member));
    }
    t.insert("members", std::move(members));
    save_state_file(path_, std::move(t));
}

}  // namespace cc::storage
