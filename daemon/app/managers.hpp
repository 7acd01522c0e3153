// Node ownership rules that need the member list: `collective.manager` names a
// member, `collective.managercandidates` is a noderange over member names.
// Checked by the proposer (bad input, exit 1) and again by the leader before
// the change enters the log (a member deleted in between): no node is ever
// made to point at a name that is not a member. A lone server outside a
// collective accepts any value (it routes nothing), as confluent does.
#pragma once

#include <optional>
#include <string>

#include "daemon/state/database.hpp"
#include "proto/commands.hpp"
#include "proto/raft_types.hpp"

namespace cc::app {

inline constexpr const char* kManagerAttribute = "collective.manager";
inline constexpr const char* kCandidatesAttribute = "collective.managercandidates";

// A one-line error when `c` sets either attribute (on nodes or on a group)
// to a name that is not in `members`; the line lists the members.
std::optional<std::string> check_managers(const proto::Command& c,
                                          const proto::Membership& members);

// The nodes whose manager (own or inherited) is `member`, natural order.
std::vector<std::string> nodes_managed_by(const state::Database& db, const std::string& member);

}  // namespace cc::app
