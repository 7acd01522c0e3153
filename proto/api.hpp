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
#include "proto/outcome.hpp"
#include "proto/peer_message.hpp"

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
    // Also the costlier details of show -v / --json (ApiStatus.ownership).
    bool verbose = false;
    CC_PROTO_FIELDS(verbose)
};

// collective invite NAME [-n]: a one-time token for server NAME. Needs quorum.
struct ApiInvite {
    std::string name;
    bool nonvoting = false;
    uint64_t ttl_seconds = 0;  // 0: the daemon's default (one hour)
    CC_PROTO_FIELDS(name, nonvoting, ttl_seconds)
};

// collective join SERVER -i TOKEN: the daemon runs the join exchange with
// SERVER and answers ApiJoinStarted once it is a committed member; it then
// restarts as a member of that collective (the API goes away for a moment).
struct ApiJoin {
    std::string server;  // host, host:port, [v6]:port
    std::string token;
    CC_PROTO_FIELDS(server, token)
};

// collective delete NAME: removes an offline member through the log.
struct ApiDeleteMember {
    std::string name;
    CC_PROTO_FIELDS(name)
};

// ---- discovery (nodediscover): this member's own data, never replicated ----

// nodediscover register: records a device this member has seen (a DHCP hook
// or discovery agent calls it); the same MAC again updates it (non-empty
// fields replace, ips as a whole). Answered ApiDone without lines.
struct ApiDiscoveryRegister {
    std::string mac;  // any case, ':' or '-'; the daemon normalizes it
    std::string serial;
    std::string model;
    std::string uuid;
    std::string type;
    std::vector<std::string> ips;
    CC_PROTO_FIELDS(mac, serial, model, uuid, type, ips)
};

// nodediscover list: answered ApiDiscoveredDevices.
struct ApiDiscoveryList {
    CC_PROTO_FIELDS()
};

// nodediscover assign -e MAC -n NODE: sets the node's net.hwaddr through the
// log, and collective.manager to this member when the node has no manager.
// Answered ApiDone with one line ("n1: assigned aa:..; claimed by mgt1").
struct ApiDiscoveryAssign {
    std::string mac;
    std::string node;
    CC_PROTO_FIELDS(mac, node)
};

// nodediscover clear [-e MAC]: forgets one device (mac set) or every one.
// Answered ApiDone without lines.
struct ApiDiscoveryClear {
    std::string mac;  // empty: every device
    CC_PROTO_FIELDS(mac)
};

// nodepower [-p] NODERANGE [STATE] (operation "power", argument the state):
// runs on each node's manager (routed over the member links in a collective).
// Answered ApiNodeResults.
struct ApiNodeOperation {
    std::string noderange;
    std::string operation;
    std::string argument;
    // nodepower -p: each result also carries the state before the action
    // (NodeResult::previous). An older daemon skips the field and leaves
    // `previous` empty.
    bool show_previous = false;
    CC_PROTO_FIELDS(noderange, operation, argument, show_previous)
};

// collective invite --list: the invitations pending on this member (each
// lives on the member that made it). Answered ApiInvitationList. An older
// daemon answers ApiError{BadRequest}.
struct ApiInviteList {
    CC_PROTO_FIELDS()
};

// collective invite --revoke NAME: drops the invitation pending for NAME on
// this member; its token is refused from then on. Answered ApiDone (one
// line), or ApiError{NotFound} when nothing is pending for NAME here.
struct ApiInviteRevoke {
    std::string name;
    CC_PROTO_FIELDS(name)
};

// collective recover: forced recovery of a collective that lost its
// majority for good. Without `confirm`: only the plan (ApiRecoverPlan) or
// why it may not run on this member. With it: carried out, provided the
// members it would drop are still exactly `dropped` (what the user agreed
// to); ApiDone once the new member list is committed.
struct ApiRecover {
    bool confirm = false;
    std::vector<std::string> dropped;
    CC_PROTO_FIELDS(confirm, dropped)
};

using ApiRequest =
    std::variant<ApiWrite, ApiNodeQuery, ApiGroupQuery, ApiStatusQuery, ApiInvite, ApiJoin,
                 ApiDeleteMember, ApiDiscoveryRegister, ApiDiscoveryList, ApiDiscoveryAssign,
                 ApiDiscoveryClear, ApiNodeOperation, ApiInviteList, ApiInviteRevoke, ApiRecover>;

// ---- responses ----

// The request failed. code says how (proto/outcome.hpp: the one outcome type,
// never Done here; its numeric values are the wire values, append-only) and
// therefore the tool's exit status; message is one line for the user. The
// daemon always fills message (proto::text_or_default), so any tool, old or
// new, has a line to print.
struct ApiError {
    Outcome code = Outcome::Internal;
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

// One member as this member sees it (collective show -v / --json).
struct ApiMemberStatus {
    std::string name;
    std::string address;
    std::string fingerprint;
    bool voter = false;
    bool active = false;
    int64_t lag = -1;              // entries behind the leader's log; -1: unknown here
    int64_t last_contact_ms = -1;  // since the leader last heard from it; -1: unknown here
    // Peer protocol version of the reporting member's link to it (for the
    // reporting member itself: the highest it offers); 0: no link now.
    // Appended: a daemon without it leaves it 0.
    uint32_t protocol = 0;
    CC_PROTO_FIELDS(name, address, fingerprint, voter, active, lag, last_contact_ms, protocol)
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
    std::string role;                      // "leader", "follower", ...
    uint32_t failures_tolerated = 0;       // voters that may still fail before quorum is lost
    std::vector<ApiMemberStatus> members;  // every member, natural order
    uint64_t boot_id = 0;                  // random per daemon start (a join restarts it)
    // Set when this member met a committed entry its build cannot apply: it
    // keeps storing and voting but serves no reads (the one-line reason).
    std::string cannot_apply;
    // Verbose only: offline members that keep nodes ("mgt3 is offline and
    // manages 40 nodes without candidates").
    std::vector<std::string> ownership;
    // How long this member has known the current leader (it led at least
    // that long); -1 without a leader.
    int64_t leader_for_ms = -1;
    CC_PROTO_FIELDS(in_collective, quorum, leader, active, offline, nonvoting, my_name, fingerprint,
                    term, commit_index, applied_index, role, failures_tolerated, members, boot_id,
                    cannot_apply, ownership, leader_for_ms)
};

// Answer to ApiInvite.
struct ApiInvitation {
    std::string token;
    bool key_generated = false;  // print "Certificate generated successfully" (stderr)
    CC_PROTO_FIELDS(token, key_generated)
};

// Answer to ApiJoin: the inviter committed us; wait until the restarted
// daemon (boot_id != previous_boot_id) calls itself `name` and has applied
// `commit_index`, then the join is complete.
struct ApiJoinStarted {
    std::string name;
    uint64_t commit_index = 0;
    uint64_t previous_boot_id = 0;
    bool key_generated = false;
    bool will_vote = false;  // also wait until this member is promoted to voter
    CC_PROTO_FIELDS(name, commit_index, previous_boot_id, key_generated, will_vote)
};

// A command that completed; lines are its output.
struct ApiDone {
    std::vector<std::string> lines;
    CC_PROTO_FIELDS(lines)
};

// One device of this member's discovery data (nodediscover list).
struct ApiDiscoveredDevice {
    std::string node;  // the node whose net.hwaddr is this MAC; empty if none
    std::string model;
    std::string serial;
    std::string uuid;
    std::string mac;  // aa:bb:cc:dd:ee:ff
    std::string type;
    std::vector<std::string> ips;
    CC_PROTO_FIELDS(node, model, serial, uuid, mac, type, ips)
    bool operator==(const ApiDiscoveredDevice&) const = default;
};

// Answer to ApiDiscoveryList: every device, ordered by MAC.
struct ApiDiscoveredDevices {
    std::vector<ApiDiscoveredDevice> devices;
    CC_PROTO_FIELDS(devices)
};

// Answer to ApiNodeOperation: one result per node, in noderange order.
struct ApiNodeResults {
    std::vector<NodeResult> results;
    CC_PROTO_FIELDS(results)
};

// One invitation pending on this member.
struct ApiPendingInvitation {
    std::string name;
    bool nonvoting = false;
    int64_t expires = 0;  // seconds since the Unix epoch
    CC_PROTO_FIELDS(name, nonvoting, expires)
    bool operator==(const ApiPendingInvitation&) const = default;
};

// Answer to ApiInviteList: the invitations pending on `member` (the one
// asked, the only one their tokens work against), by name, and the daemon's
// clock so the tool can say how long each has left.
struct ApiInvitationList {
    std::string member;
    std::vector<ApiPendingInvitation> invitations;
    int64_t now = 0;  // seconds since the Unix epoch
    CC_PROTO_FIELDS(member, invitations, now)
};

// Answer to ApiRecover without confirm: what it would do on `member`.
struct ApiRecoverPlan {
    std::string member;
    std::vector<std::string> keep;     // this member and the reachable ones
    std::vector<std::string> dropped;  // unreachable: left out of the member list
    uint64_t last_index = 0;           // this member's last log entry
    uint64_t last_term = 0;
    CC_PROTO_FIELDS(member, keep, dropped, last_index, last_term)
};

using ApiResponse =
    std::variant<ApiError, ApiWriteDone, ApiObjects, ApiStatus, ApiInvitation, ApiJoinStarted,
                 ApiDone, ApiDiscoveredDevices, ApiNodeResults, ApiInvitationList, ApiRecoverPlan>;

}  // namespace proto
