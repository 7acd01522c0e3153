#include "daemon/app/secrets.hpp"

#include <map>
#include <type_traits>

#include "daemon/state/masked.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {

std::optional<std::string> protect(std::map<std::string, std::string>& attributes,
                                   DataKeyKeeper& keys, const std::string& my_name) {
    for (auto& [name, value] : attributes) {
        if (value.empty()) continue;  // an empty value masks an inherited one
        if (state::is_secret_attribute(name) && !crypto::is_sealed(value)) {
            const crypto::DataKey* k = keys.key_for_write();
            if (!k) return waiting_for_key(my_name);
            value = crypto::seal_value(*k, value);
        } else if (state::is_crypted_attribute(name) && !crypto::is_crypt_hash(value)) {
            value = crypto::crypt_sha512(value);
        }
    }
    return std::nullopt;
}

template <typename F>
auto with_attributes(const proto::Command& command, F f) {
    return std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, proto::DefineNodes> ||
                          std::is_same_v<T, proto::SetNodeAttributes> ||
                          std::is_same_v<T, proto::DefineGroup> ||
                          std::is_same_v<T, proto::SetGroupAttributes>)
                return f(&c.attributes);
            else
                return f(nullptr);
        },
        command);
}

}  // namespace

std::string waiting_for_key(const std::string& my_name) {
    return my_name +
           " is waiting for the collective's data key, which encrypts secret.* values; retry in "
           "a moment (nothing was changed)";
}

bool sets_secret(const proto::Command& command) {
    return with_attributes(command, [](const std::map<std::string, std::string>* attributes) {
        if (!attributes) return false;
        for (const auto& [name, value] : *attributes)
            if (!value.empty() && state::is_secret_attribute(name) && !crypto::is_sealed(value))
                return true;
        return false;
    });
}

std::optional<std::string> protect_secrets(proto::Command& command, DataKeyKeeper& keys,
                                           const std::string& my_name) {
    return std::visit(
        [&](auto& c) -> std::optional<std::string> {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, proto::DefineNodes> ||
                          std::is_same_v<T, proto::SetNodeAttributes> ||
                          std::is_same_v<T, proto::DefineGroup> ||
                          std::is_same_v<T, proto::SetGroupAttributes>) {
                return protect(c.attributes, keys, my_name);
            } else {
                return std::nullopt;
            }
        },
        command);
}

std::string read_secret(const state::Database& db, const DataKeyKeeper& keys,
                        const std::string& node, const std::string& attribute) {
    std::string stored = db.node_attributes(node, {attribute}).at(0).value;
    if (!crypto::is_sealed(stored)) return stored;  // unset, or clear from an older build
    const crypto::DataKey* k = keys.key();
    if (!k) {
        cc::log::warn("cannot read ", attribute, " of ", node,
                      ": this member does not have the collective's data key yet");
        return {};
    }
    try {
        return crypto::open_value(*k, stored);
    } catch (const crypto::SecretError& e) {
        cc::log::warn("cannot read ", attribute, " of ", node, ": ", e.what());
        return {};
    }
}

}  // namespace cc::app
