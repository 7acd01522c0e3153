// Secrets at rest (SECURITY.md). Two jobs:
//   - protect_secrets: on the member that proposes a write, before the
//     command enters the log, each secret.* value is sealed under the
//     collective data key ("!enc1:...", daemon/crypto/secret_box.hpp) and
//     each crypted.* value becomes a crypt(3) SHA-512 hash, so that every
//     member stores the same bytes and none stores a clear value.
//   - read_secret: the one accessor through which the daemon reads a
//     secret.* attribute for its own use (the BMC credentials of power
//     control); nothing else decrypts.
// A value written in clear by an older build (no "!enc" prefix) stays
// readable as it is, and is sealed the next time it is set.
#pragma once

#include <optional>
#include <string>

#include "daemon/app/data_key.hpp"
#include "daemon/state/database.hpp"
#include "proto/commands.hpp"

namespace cc::app {

// Seals the secret.* and hashes the crypted.* values `command` sets. The
// one-line refusal (nothing changed) when it sets a secret and this member
// does not have the collective's data key yet.
std::optional<std::string> protect_secrets(proto::Command& command, DataKeyKeeper& keys,
                                           const std::string& my_name);

// Whether `command` sets a secret.* value that is not sealed yet (it then
// needs the collective's data key).
bool sets_secret(const proto::Command& command);
// The refusal of such a change on a member without the key.
std::string waiting_for_key(const std::string& my_name);

// The node's clear value of `attribute` (own or inherited), "" when unset or
// when it cannot be decrypted here (logged).
std::string read_secret(const state::Database& db, const DataKeyKeeper& keys,
                        const std::string& node, const std::string& attribute);

}  // namespace cc::app
