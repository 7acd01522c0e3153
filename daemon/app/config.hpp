// Daemon and CLI settings: where the three directories are, plus the daemon's
// own knobs. Every value is resolved in one order, the same for confluentd and
// every CLI tool:
//   command-line flag  >  environment variable  >  confluent.toml  >  default
// (only the three directories have environment variables; --etc-dir locates
// confluent.toml, so the etc dir itself cannot be set inside it).
// etc/confluent.toml documents every key with its default.
//
// Pure apart from reading the optional config file; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/util/log.hpp"
#include "proto/peer.hpp"

namespace cc::app {

// A bad flag, variable or confluent.toml: what() is one line for the user,
// "file:line: reason" for a file.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr const char* kDefaultEtcDir = "/etc/confluent";
inline constexpr const char* kDefaultStateDir = "/var/lib/confluent";
inline constexpr const char* kDefaultRunDir = "/var/run/confluent";

struct Config {
    std::filesystem::path etc_dir = kDefaultEtcDir;
    std::filesystem::path state_dir = kDefaultStateDir;
    std::filesystem::path run_dir = kDefaultRunDir;
    std::filesystem::path config_file;  // the file that was read, empty if none
    cc::log::Level log_level = cc::log::Level::Info;
    // Collective transport (used once members talk to each other).
    std::string listen = "0.0.0.0";
    std::string advertise;  // address peers use to reach us; empty = host name
    uint16_t port = 13001;
    // How long a `collective invite` token stays valid (collective.invitation_ttl).
    std::chrono::seconds invitation_ttl{3600};
    // How long the leader waits for an unreachable member before it moves
    // that member's nodes to their candidates (collective.reassign_grace).
    std::chrono::seconds reassign_grace{30};
    // Highest peer protocol version offered (collective.peer_protocol_max).
    uint32_t peer_protocol_max = proto::kPeerVersionMax;
    // The collective port before authentication (OpenSSH's LoginGraceTime
    // and MaxStartups; ssh::StartupLimits): collective.login_grace_time,
    // collective.max_startups, collective.max_startups_per_source.
    std::chrono::seconds login_grace_time{10};
    uint32_t max_startups = 64;
    uint32_t max_startups_per_source = 8;
    // How often dirty cfg/ files are written out of the applied state.
    std::chrono::milliseconds cfg_flush_interval{1000};

    std::filesystem::path cfg_dir() const { return etc_dir / "cfg"; }
    std::filesystem::path api_socket() const { return run_dir / "api.sock"; }
    std::filesystem::path log_dir() const { return state_dir / "collective"; }
};

// What the command line set; anything unset falls through to the next source.
struct Overrides {
    std::optional<std::filesystem::path> etc_dir, state_dir, run_dir, config_file;
    std::optional<std::string> log_level, listen, advertise;
    std::optional<uint16_t> port;
};

// getenv by default; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_env(const std::string& name);

// Resolves every setting. An explicit --config that does not exist, a file
// that does not parse, an unknown key or a value of the wrong type raises
// ConfigError. A missing default ETC/confluent.toml is not an error.
Config resolve_config(const Overrides& flags, const EnvLookup& env = process_env);

// "debug", "info", "warn", "error" (ConfigError otherwise).
cc::log::Level parse_log_level(const std::string& text);

}  // namespace cc::app
