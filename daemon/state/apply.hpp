// Internal: the state machine proper. Each command reads and writes only its
// own domain (proto::domain_of). Validation and mutation share one code path,
// so check_command() fails exactly when apply_command() would.
// Threading: as Database (daemon thread only).
#pragma once

#include <optional>

#include "daemon/state/store.hpp"
#include "proto/commands.hpp"

namespace cc::state {

// Applies `c` (no index bookkeeping). On failure nothing changed.
proto::CommandResult apply_command(Database::Impl& db, const proto::Command& c);
// The failure apply_command would return now, or nullopt if it would succeed.
std::optional<proto::CommandResult> check_command(const Database::Impl& db,
                                                  const proto::Command& c);

proto::CommandResult failure(proto::ResultCode code, std::string message);

}  // namespace cc::state
