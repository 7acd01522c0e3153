// Read-only API queries answered from the node database: nodelist,
// nodeattrib (show), nodegrouplist, nodegroupattrib (show), and how a
// write's outcome is reported. Pure functions, so they are unit-tested
// without a daemon.
//
// Threading: call on the daemon thread (the Database is not thread-safe).
#pragma once

#include "daemon/app/raft_driver.hpp"
#include "daemon/state/database.hpp"
#include "proto/api.hpp"

namespace cc::app {

// Nodes of q.noderange (every node when empty) with the requested attributes.
// A malformed noderange or unknown name answers ApiError (BadRequest/NotFound).
proto::ApiResponse query_nodes(const state::Database& db, const proto::ApiNodeQuery& q);

// Groups (every group when q.groups is empty) with their own attributes and,
// as the pseudo-attribute "nodes", their members. An unknown group answers
// ApiError{NotFound, "G group does not exist"}.
proto::ApiResponse query_groups(const state::Database& db, const proto::ApiGroupQuery& q);

// The outcome of a write as the member reports it (proto/outcome.hpp), from
// the driver's outcome and whether this server is alone:
//  - StorageFailed: only a lone server knows nobody else holds the entry. In
//    a collective the leader may have sent it before its own write failed
//    and the others can commit it without this member: Unknown.
//  - NoQuorum on a lone server: it lacks "quorum" only for a moment after a
//    failed log write, while it re-elects itself: Refused, retry in a moment.
// Everything else passes through unchanged (never Internal).
WriteOutcome settle_write(WriteOutcome o, bool lone);

}  // namespace cc::app
