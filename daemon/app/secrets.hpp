// The one accessor through which the daemon reads a secret.* attribute for
// its own use (the BMC credentials of power control). Values are stored as
// given today; when secrets are encrypted at rest, this is where they are
// decrypted, and nothing else reads them.
#pragma once

#include <string>

#include "daemon/state/database.hpp"

namespace cc::app {

// The node's value of `attribute` (own or inherited), "" when unset.
std::string read_secret(const state::Database& db, const std::string& node,
                        const std::string& attribute);

}  // namespace cc::app
