// The boot state of a member of a new collective: no hard state yet beyond
// the default, no snapshot, an empty log, and `members` as the member list.
#pragma once

#include "daemon/raft/core.hpp"

namespace raft_test {

inline raft::BootState fresh_boot(proto::Membership members) {
    return raft::BootState{.hard_state = raft::HardState{},
                           .snapshot = {},
                           .log = {},
                           .applied = 0,
                           .initial_membership = std::move(members)};
}

}  // namespace raft_test
