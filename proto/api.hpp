// Local API between the CLI tools and their own confluentd, over the Unix
// socket RUN/api.sock (root only). Each side sends frames (proto/frame.hpp)
// carrying one ApiRequest (client -> daemon) or one ApiResponse (daemon ->
// client). A connection may carry many requests; the daemon answers them in
// the order they were sent.
//
// Versioning: fields and variant alternatives are append-only (proto/codec.hpp),
// so a newer CLI talks to an older daemon and the other way round. An
// alternative the daemon does not know decodes as a DecodeError and is answered
// with ApiError{BadRequest}.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "proto/codec.hpp"
#include "proto/commands.hpp"

namespace proto {

// ---- requests ----

// A change to the replicated configuration. Answered once the command is
// committed and applied on this member (a read sent afterwards sees it).
struct ApiWrite {
    Command command;
    CC_PROTO_FIELDS(command)
};

// Nodes of a noderange with their attributes (nodelist, nodeattrib).
struct ApiNodeQuery {
    std::string noderange;                // empty: every node
    std::vector<std::string> attributes;  // empty: every attribute the node has
    bool names_only = false;              // just the names, natural order
    bool blame = false;                   // say where inherited values come from
    CC_PROTO_FIELDS(noderange, attributes, names_only, blame)
};

// Groups with their attributes and members (nodegrouplist, nodegroupattrib).
struct ApiGroupQuery {
    std::vector<std::string> groups;      // empty: every group
    std::vector<std::string> attributes;  // empty: every attribute, then "nodes"
    bool names_only = false;
    CC_PROTO_FIELDS(groups, attributes, names_only)
};

// Collective status (collective show) and this member's identity.
struct ApiStatusQuery {
    CC_PROTO_FIELDS()
};

using ApiRequest = std::variant<ApiWrite, ApiNodeQuery, ApiGroupQuery, ApiStatusQuery>;

// ---- responses ----

enum class ApiErrorCode : uint8_t {
    BadRequest = 0,        // malformed request, noderange or attribute
    NotFound = 1,          // unknown node or group
    NoQuorum = 2,          // "Collective does not have quorum"
    StorageFailed = 3,     // the write could not be made durable (disk full, ...)
    PermissionDenied = 4,  // caller is not root
    NotInCollective = 5,   // "Collective mode not enabled on this system"
    Internal = 6,
    AlreadyExists = 7,
};

// The request failed and changed nothing. message is one line for the user.
struct ApiError {
    ApiErrorCode code = ApiErrorCode::Internal;
    std::string message;
    CC_PROTO_FIELDS(code, message)
};

// A write went through the log and was applied at `index`. The result says
// what happened: its lines are the tool's output ("n1: created"), or it failed
// as an expected outcome (unknown node, ...) and changed nothing.
struct ApiWriteDone {
    uint64_t index = 0;
    CommandResult result;
    CC_PROTO_FIELDS(index, result)
};

struct ApiAttribute {
    std::string name;
    std::string value;
    std::string inherited_from;  // group name, empty when set on the object itself
    CC_PROTO_FIELDS(name, value, inherited_from)
    bool operator==(const ApiAttribute&) const = default;
};

struct ApiObject {
    std::string name;
    std::vector<ApiAttribute> attributes;
    CC_PROTO_FIELDS(name, attributes)
    bool operator==(const ApiObject&) const = default;
};

// Answer to ApiNodeQuery / ApiGroupQuery, objects in natural order. A large
// answer comes as several ApiObjects frames; all but the last have more = true.
struct ApiObjects {
    std::vector<ApiObject> objects;
    bool more = false;
    CC_PROTO_FIELDS(objects, more)
};

struct ApiStatus {
    bool in_collective = false;  // false: a lone server (no cfg/collective)
    bool quorum = false;
    std::string leader;                  // empty when unknown
    std::vector<std::string> active;     // members other than the leader, natural order
    std::vector<std::string> offline;    // natural order
    std::vector<std::string> nonvoting;  // names among active/offline that do not vote
    std::string my_name;
    std::string fingerprint;  // this member's key, "SHA256:...", empty without a key
    uint64_t term = 0;
    uint64_t commit_index = 0;
    uint64_t applied_index = 0;
    CC_PROTO_FIELDS(in_collective, quorum, leader, active, offline, nonvoting, my_name, fingerprint,
                    term, commit_index, applied_index)
};

using ApiResponse = std::variant<ApiError, ApiWriteDone, ApiObjects, ApiStatus>;

}  // namespace proto
