#include "daemon/app/config.hpp"

#include <toml++/toml.h>
#include <cstdlib>
#include <set>

namespace cc::app {
namespace {

std::string where(const std::filesystem::path& file, const toml::node& n) {
    return file.string() + ":" + std::to_string(n.source().begin.line);
}

template <class T>
T value_of(const std::filesystem::path& file, const toml::node& n, const char* key,
           const char* type_name) {
    // value_exact: toml++'s value<int64_t>() casts a float without a range
    // check (undefined behaviour for 1e46), and 1.5 is no integer anyway.
    auto v = n.value_exact<T>();
    if (!v) throw ConfigError(where(file, n) + ": " + key + " must be " + type_name);
    return *v;
}

void reject_unknown_keys(const std::filesystem::path& file, const toml::table& t,
                         const std::set<std::string>& known, const std::string& prefix) {
    for (auto&& [key, node] : t) {
        if (!known.count(std::string(key.str()))) {
            throw ConfigError(where(file, node) + ": unknown key " + prefix +
                              std::string(key.str()) + " (see etc/confluent.toml for the keys)");
        }
    }
}

// Applies confluent.toml; values already set by a higher-priority source win.
void apply_file(const std::filesystem::path& file, Config& c, const Overrides& flags,
                bool state_from_env, bool run_from_env) {
    toml::table root;
    try {
        root = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        throw ConfigError(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()));
    }
    reject_unknown_keys(
        file, root, {"state_dir", "run_dir", "log_level", "cfg_flush_interval_ms", "collective"},
        "");
    if (auto* n = root.get("state_dir"); n && !flags.state_dir && !state_from_env)
        c.state_dir = value_of<std::string>(file, *n, "state_dir", "a string");
    if (auto* n = root.get("run_dir"); n && !flags.run_dir && !run_from_env)
        c.run_dir = value_of<std::string>(file, *n, "run_dir", "a string");
    if (auto* n = root.get("log_level"); n && !flags.log_level) {
        try {
            c.log_level = parse_log_level(value_of<std::string>(file, *n, "log_level", "a string"));
        } catch (const ConfigError& e) {
            throw ConfigError(where(file, *n) + ": " + e.what());
        }
    }
    if (auto* n = root.get("cfg_flush_interval_ms")) {
        auto ms = value_of<int64_t>(file, *n, "cfg_flush_interval_ms", "an integer");
        if (ms < 10 || ms > 60000)
            throw ConfigError(where(file, *n) + ": cfg_flush_interval_ms must be 10..60000");
        c.cfg_flush_interval = std::chrono::milliseconds(ms);
    }
    if (auto* n = root.get("collective")) {
        auto* t = n->as_table();
        if (!t) throw ConfigError(where(file, *n) + ": collective must be a table");
        reject_unknown_keys(
            file, *t,
            {"listen", "advertise", "port", "invitation_ttl", "peer_protocol_max", "reassign_grace",
             "login_grace_time", "max_startups", "max_startups_per_source"},
            "collective.");
        if (auto* v = t->get("peer_protocol_max")) {
            auto m = value_of<int64_t>(file, *v, "collective.peer_protocol_max", "an integer");
            if (m < proto::kPeerVersionMin || m > proto::kPeerVersionMax)
                throw ConfigError(where(file, *v) + ": collective.peer_protocol_max must be " +
                                  std::to_string(proto::kPeerVersionMin) + ".." +
                                  std::to_string(proto::kPeerVersionMax) +
                                  " (the peer protocol versions this build speaks)");
            c.peer_protocol_max = static_cast<uint32_t>(m);
        }
        if (auto* v = t->get("invitation_ttl")) {
            auto s = value_of<int64_t>(file, *v, "collective.invitation_ttl", "an integer");
            // 7 days: crypto::kMaxInvitationTtl (not linked here).
            if (s < 1 || s > 7 * 24 * 3600)
                throw ConfigError(where(file, *v) +
                                  ": collective.invitation_ttl must be 1..604800 seconds (7 days)");
            c.invitation_ttl = std::chrono::seconds(s);
        }
        if (auto* v = t->get("reassign_grace")) {
            auto s = value_of<int64_t>(file, *v, "collective.reassign_grace", "an integer");
            if (s < 1 || s > 86400)
                throw ConfigError(where(file, *v) +
                                  ": collective.reassign_grace must be 1..86400 seconds");
            c.reassign_grace = std::chrono::seconds(s);
        }
        if (auto* v = t->get("login_grace_time")) {
            auto s = value_of<int64_t>(file, *v, "collective.login_grace_time", "an integer");
            if (s < 1 || s > 600)
                throw ConfigError(where(file, *v) +
                                  ": collective.login_grace_time must be 1..600 seconds");
            c.login_grace_time = std::chrono::seconds(s);
        }
        if (auto* v = t->get("max_startups")) {
            auto limit = value_of<int64_t>(file, *v, "collective.max_startups", "an integer");
            if (limit < 1 || limit > 10000)
                throw ConfigError(where(file, *v) + ": collective.max_startups must be 1..10000");
            c.max_startups = static_cast<uint32_t>(limit);
        }
        if (auto* v = t->get("max_startups_per_source")) {
            auto limit =
                value_of<int64_t>(file, *v, "collective.max_startups_per_source", "an integer");
            if (limit < 1 || limit > 10000)
                throw ConfigError(where(file, *v) +
                                  ": collective.max_startups_per_source must be 1..10000");
            c.max_startups_per_source = static_cast<uint32_t>(limit);
        }
        if (auto* v = t->get("listen"); v && !flags.listen)
            c.listen = value_of<std::string>(file, *v, "collective.listen", "a string");
        if (auto* v = t->get("advertise"); v && !flags.advertise)
            c.advertise = value_of<std::string>(file, *v, "collective.advertise", "a string");
        if (auto* v = t->get("port"); v && !flags.port) {
            auto p = value_of<int64_t>(file, *v, "collective.port", "an integer");
            if (p < 1 || p > 65535)
                throw ConfigError(where(file, *v) + ": collective.port must be 1..65535");
            c.port = static_cast<uint16_t>(p);
        }
    }
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

cc::log::Level parse_log_level(const std::string& text) {
    if (text == "debug") return cc::log::Level::Debug;
    if (text == "info") return cc::log::Level::Info;
    if (text == "warn") return cc::log::Level::Warn;
    if (text == "error") return cc::log::Level::Error;
    throw ConfigError("log level '" + text + "' is not one of debug, info, warn, error");
}

Config resolve_config(const Overrides& flags, const EnvLookup& env) {
    Config c;
    auto env_etc = env("CONFLUENT_ETC_DIR");
    auto env_state = env("CONFLUENT_STATE_DIR");
    auto env_run = env("CONFLUENT_RUN_DIR");
    if (flags.etc_dir)
        c.etc_dir = *flags.etc_dir;
    else if (env_etc)
        c.etc_dir = *env_etc;
    if (flags.state_dir)
        c.state_dir = *flags.state_dir;
    else if (env_state)
        c.state_dir = *env_state;
    if (flags.run_dir)
        c.run_dir = *flags.run_dir;
    else if (env_run)
        c.run_dir = *env_run;
    if (flags.log_level) c.log_level = parse_log_level(*flags.log_level);
    if (flags.listen) c.listen = *flags.listen;
    if (flags.advertise) c.advertise = *flags.advertise;
    if (flags.port) c.port = *flags.port;

    std::filesystem::path file =
        flags.config_file ? *flags.config_file : c.etc_dir / "confluent.toml";
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        apply_file(file, c, flags, env_state.has_value(), env_run.has_value());
        c.config_file = file;
    } else if (flags.config_file) {
        throw ConfigError("config file " + file.string() + " does not exist (check --config)");
    }
    for (auto* dir : {&c.etc_dir, &c.state_dir, &c.run_dir}) {
        if (dir->empty()) throw ConfigError("a directory setting is empty; give a path");
        *dir = std::filesystem::absolute(*dir);
    }
    return c;
}

}  // namespace cc::app
