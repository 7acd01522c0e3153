// Read-only API queries answered from the node database: nodelist,
// nodeattrib (show), nodegrouplist, nodegroupattrib (show). Pure functions of
// the Database, so they are unit-tested without a daemon.
//
// Threading: call on the daemon thread (the Database is not thread-safe).
#pragma once

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

}  // namespace cc::app
