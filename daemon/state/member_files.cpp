#include "daemon/state/member_files.hpp"

#include <set>

#include "daemon/state/store.hpp"
#include "daemon/state/toml_text.hpp"
#include "daemon/util/fs.hpp"

namespace cc::state {

namespace {

std::string member_string(const toml::table& t, std::string_view key, const toml::node& at,
                          const std::filesystem::path& path) {
    const toml::node* n = t.get(key);
    if (!n) throw ConfigFileError(path, line_of(at), "[[member]] has no " + std::string(key));
    if (!n->is_string())
        throw ConfigFileError(path, line_of(*n),
                              "member " + std::string(key) + " must be a string");
    return n->as_string()->get();
}

}  // namespace

CollectiveFile parse_collective(std::string_view text, const std::filesystem::path& path) {
    toml::table root = parse_toml(text, path);
    CollectiveFile out;
    bool have_index = false;
    std::set<std::string> seen;
    for (auto&& [key, node] : root) {
        if (key.str() == "applied_index") {
            auto v = node.value_exact<int64_t>();
            if (!node.is_integer() || !v || *v < 0)
                throw ConfigFileError(path, line_of(node),
                                      "applied_index must be a non-negative integer");
            out.applied_index = static_cast<uint64_t>(*v);
            have_index = true;
        } else if (key.str() == "member") {
            const toml::array* arr = node.as_array();
            if (!arr || !arr->is_array_of_tables())
                throw ConfigFileError(path, line_of(node), "member must be [[member]] tables");
            for (const toml::node& m : *arr) {
                const toml::table& t = *m.as_table();
                for (auto&& [k, v] : t) {
                    if (k.str() != "name" && k.str() != "address" && k.str() != "fingerprint" &&
                        k.str() != "role" && k.str() != "promote")
                        throw ConfigFileError(
                            path, line_of(v),
                            "unknown key '" + std::string(k.str()) + "' in [[member]]");
                }
                proto::MemberInfo info;
                info.name = member_string(t, "name", m, path);
                info.address = member_string(t, "address", m, path);
                info.fingerprint = member_string(t, "fingerprint", m, path);
                std::string role = member_string(t, "role", m, path);
                if (auto why = check_entity_name("member", info.name))
                    throw ConfigFileError(path, line_of(*t.get("name")), *why);
                if (!seen.insert(info.name).second)
                    throw ConfigFileError(path, line_of(*t.get("name")),
                                          "member " + info.name + " is listed twice");
                if (role == "voter")
                    info.role = proto::Role::Voter;
                else if (role == "nonvoter")
                    info.role = proto::Role::NonVoter;
                else
                    throw ConfigFileError(
                        path, line_of(*t.get("role")),
                        "role must be \"voter\" or \"nonvoter\", not \"" + role + "\"");
                if (const toml::node* p = t.get("promote")) {
                    if (!p->is_boolean())
                        throw ConfigFileError(path, line_of(*p), "promote must be true or false");
                    info.promote = p->value_or(false);
                }
                out.membership.members.push_back(std::move(info));
            }
        } else {
            throw ConfigFileError(path, line_of(node),
                                  "unknown key '" + std::string(key.str()) + "'");
        }
    }
    if (!have_index) throw ConfigFileError(path, 1, "applied_index is missing");
    return out;
}

std::string render_collective(const CollectiveFile& file) {
    std::string out =
        "# Members of this collective (replicated). Written by confluentd; edit only while it is "
        "stopped.\n";
    out += "applied_index = " + std::to_string(file.applied_index) + "\n";
    for (const auto& m : file.membership.members) {
        out += "\n[[member]]\nname = ";
        append_toml_string(out, m.name);
        out += "\naddress = ";
        append_toml_string(out, m.address);
        out += "\nfingerprint = ";
        append_toml_string(out, m.fingerprint);
        out += m.role == proto::Role::Voter ? "\nrole = \"voter\"\n" : "\nrole = \"nonvoter\"\n";
        // A joining voter, promoted by the leader once it has caught up.
        if (m.promote) out += "promote = true\n";
    }
    return out;
}

CollectiveFile load_collective(const std::filesystem::path& path) {
    return parse_collective(cc::fs::read_file(path), path);
}

void save_collective(const std::filesystem::path& path, const CollectiveFile& file) {
    cc::fs::write_atomic(path, render_collective(file));
}

std::string load_myname(const std::filesystem::path& path) {
    std::string text = cc::fs::read_file(path);
    size_t b = text.find_first_not_of(" \t\r\n");
    size_t e = text.find_last_not_of(" \t\r\n");
    if (b == std::string::npos)
        throw ConfigFileError(path, 0, "the file is empty: it must hold this member's name");
    std::string name = text.substr(b, e - b + 1);
    if (name.find('\n') != std::string::npos)
        throw ConfigFileError(path, 2, "the file must hold one line, this member's name");
    if (auto why = check_entity_name("member", name)) throw ConfigFileError(path, 1, *why);
    return name;
}

void save_myname(const std::filesystem::path& path, std::string_view name) {
    cc::fs::write_atomic(path, name);
}

}  // namespace cc::state
