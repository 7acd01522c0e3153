// Replicated commands: what the data of a log entry of kind EntryKind::Command
// holds (proto::to_bytes(proto::Command)), and the result of applying one.
//
// Each command belongs to exactly one file domain (cfg/nodes or cfg/nodegroups,
// see domain_of) and, when applied, reads and writes only that domain. That is
// what makes per-file replay after a crash exact (docs/ARCHITECTURE.md "Files").
//
// Noderanges travel as text and are expanded when the command is applied, from
// the state of the nodes domain at that log index (group membership is derived
// from the nodes' `groups` attributes, so no other domain is needed). When the
// proposer's full view would expand a noderange differently (attribute matches
// that see inherited values, defined groups without members), the proposer pins
// the expansion into `pinned` (cc::state::Database::prepare does this).
//
// Evolution: alternatives of Command and fields of every struct are append-only.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proto/codec.hpp"
#include "proto/outcome.hpp"
// Declared before the Command alias below: EntryKind::Command would otherwise
// shadow it (-Wshadow) in every file that includes both.
#include "proto/raft_types.hpp"
#ifdef CC_TEST_COMMAND_KIND
#include "proto/peer.hpp"  // kPeerVersionMax
#endif

namespace proto {

// nodedefine NODERANGE [attr=value ...]: the noderange only expands names (the
// nodes need not exist); every named node must be new. Domain: nodes.
struct DefineNodes {
    std::string noderange;
    std::map<std::string, std::string> attributes;
    CC_PROTO_FIELDS(noderange, attributes)
    bool operator==(const DefineNodes&) const = default;
};

// noderemove NODERANGE. Domain: nodes.
struct RemoveNodes {
    std::string noderange;
    std::optional<std::vector<std::string>> pinned;  // explicit node names, see header
    CC_PROTO_FIELDS(noderange, pinned)
    bool operator==(const RemoveNodes&) const = default;
};

// nodeattrib NODERANGE attr=value ...: sets the nodes' own values. An empty
// value masks an inherited one. Domain: nodes.
struct SetNodeAttributes {
    std::string noderange;
    std::map<std::string, std::string> attributes;
    std::optional<std::vector<std::string>> pinned;
    CC_PROTO_FIELDS(noderange, attributes, pinned)
    bool operator==(const SetNodeAttributes&) const = default;
};

// nodeattrib NODERANGE -c attr ...: removes the nodes' own values, so that an
// inherited value shows again. Domain: nodes.
struct ClearNodeAttributes {
    std::string noderange;
    std::vector<std::string> attributes;
    std::optional<std::vector<std::string>> pinned;
    CC_PROTO_FIELDS(noderange, attributes, pinned)
    bool operator==(const ClearNodeAttributes&) const = default;
};

// nodegroupdefine GROUP [attr=value ...]. Domain: nodegroups.
struct DefineGroup {
    std::string group;
    std::map<std::string, std::string> attributes;
    CC_PROTO_FIELDS(group, attributes)
    bool operator==(const DefineGroup&) const = default;
};

// nodegroupremove GROUP: removes the definition and its attributes. Nodes that
// still list the group keep it in their `groups` attribute (it then exists
// implicitly, as in confluent). Domain: nodegroups.
struct RemoveGroup {
    std::string group;
    CC_PROTO_FIELDS(group)
    bool operator==(const RemoveGroup&) const = default;
};

// nodegroupattrib GROUP attr=value ...: a group that is not defined is an error
// ("rack1 group does not exist") unless create_if_missing, which the proposer
// sets when nodes already name the group (an implicit group, see
// daemon/state/README.md). Domain: nodegroups.
struct SetGroupAttributes {
    std::string group;
    std::map<std::string, std::string> attributes;
    bool create_if_missing = false;
    CC_PROTO_FIELDS(group, attributes, create_if_missing)
    bool operator==(const SetGroupAttributes&) const = default;
};

// nodegroupattrib GROUP -c attr ...: removes the group's values. Domain: nodegroups.
struct ClearGroupAttributes {
    std::string group;
    std::vector<std::string> attributes;
    CC_PROTO_FIELDS(group, attributes)
    bool operator==(const ClearGroupAttributes&) const = default;
};

// nodediscover assign -e MAC -n NODE, claiming the node for `manager` (the
// proposing member): sets the node's net.hwaddr to `hwaddr`, and its own
// collective.manager to `manager` unless it already has an own non-empty
// one, which it keeps. Decided when applied, so alike on every member: of two
// members claiming one node at once, the first claim in the log wins and the
// second reads as if it had come later. A manager inherited from a group sits
// in the nodegroups domain, which a nodes command never reads (replay rule,
// daemon/state/README.md): the proposer checks that one, and the candidates.
// Result lines: "n3: <hwaddr>", then "n3: claimed by mgt1" or "n3: managed by
// mgt2, not claimed". Domain: nodes. Needs peer protocol v4.
struct ClaimNode {
    std::string node;
    std::string hwaddr;
    std::string manager;
    CC_PROTO_FIELDS(node, hwaddr, manager)
    bool operator==(const ClaimNode&) const = default;
};

#ifdef CC_TEST_COMMAND_KIND
// TEST ONLY, compiled into the tests' "next build" of confluentd and never
// shipped: a command kind one past the newest, standing for what a newer
// build adds, so tests can show what an older member does with a committed
// entry it cannot decode. Applying it changes nothing. Domain: nodegroups.
// It must stay the last alternative.
struct NextBuildCommand {
    std::string note;
    CC_PROTO_FIELDS(note)
    bool operator==(const NextBuildCommand&) const = default;
};
#endif

// The index of an alternative is its stable wire type number: append only.
using Command =
    std::variant<DefineNodes, RemoveNodes, SetNodeAttributes, ClearNodeAttributes, DefineGroup,
                 RemoveGroup, SetGroupAttributes, ClearGroupAttributes, ClaimNode
#ifdef CC_TEST_COMMAND_KIND
                 ,
                 NextBuildCommand
#endif
                 >;

// The lowest peer protocol version (proto/peer.hpp) whose builds decode each
// command kind, by alternative index. The leader commits a command only when
// every voter's link has reached that version, so that no voter meets a
// committed entry it cannot apply. A new kind takes the version that
// introduces it (and raises kPeerVersionMax).
// clang-format off
inline constexpr uint32_t kCommandMinPeerVersion[] = {
    1, 1, 1, 1,  // DefineNodes, RemoveNodes, SetNodeAttributes, ClearNodeAttributes
    1, 1, 1, 1,  // DefineGroup, RemoveGroup, SetGroupAttributes, ClearGroupAttributes
    4,           // ClaimNode
#ifdef CC_TEST_COMMAND_KIND
    // NextBuildCommand: the newest version this build speaks, so that a
    // collective of current builds commits it (tests/upgrade: the older
    // build, which speaks it too, then meets an entry it cannot decode) and a
    // voter pinned lower refuses it.
    kPeerVersionMax,
#endif
};
// clang-format on
static_assert(std::size(kCommandMinPeerVersion) == std::variant_size_v<Command>,
              "every command kind needs its lowest peer protocol version");

inline uint32_t min_peer_version(const Command& c) {
    return kCommandMinPeerVersion[c.index()];
}

// An exactly-once write (the Raft thesis, section 6.3, client sessions): the
// data of a log entry of kind EntryKind::SessionCommand. The proposing member
// opens a new `session` each time it starts and numbers its writes; it may
// send a write to several leaders in turn (a leader lost before answering),
// so the log can hold several copies, and the state machine applies only the
// first (cc::state::SessionTable). `acked_below`: every seq below it has had
// its answer at the proposer, so the state machine can forget them.
struct SessionCommand {
    std::string session;  // "<member>/<16 hex digits>", new at each start
    uint64_t seq = 0;     // 1, 2, ... within the session
    uint64_t acked_below = 0;
    Command command;
    CC_PROTO_FIELDS(session, seq, acked_below, command)
    bool operator==(const SessionCommand&) const = default;
};

// The cfg/ file a command reads and writes when applied.
enum class Domain : uint8_t { Nodes = 0, NodeGroups = 1 };

// By alternative index, like kCommandMinPeerVersion.
inline constexpr Domain kCommandDomain[] = {
    Domain::Nodes,      Domain::Nodes,      Domain::Nodes,      Domain::Nodes,
    Domain::NodeGroups, Domain::NodeGroups, Domain::NodeGroups, Domain::NodeGroups,
    Domain::Nodes,  // ClaimNode
#ifdef CC_TEST_COMMAND_KIND
    Domain::NodeGroups,  // NextBuildCommand
#endif
};
static_assert(std::size(kCommandDomain) == std::variant_size_v<Command>,
              "every command kind needs its domain");

inline Domain domain_of(const Command& c) {
    return kCommandDomain[c.index()];
}

// Expected outcomes of applying a command: values, not exceptions. The
// wire form of CommandResult (and of log records) keeps this enum;
// outcome_of() is the one mapping to proto::Outcome, the outcome type the
// API and the tools' exit status use.
enum class ResultCode : uint8_t {
    Ok = 0,
    BadRequest = 1,  // malformed noderange, name or attribute; already exists
    NotFound = 2,    // unknown node or group
};

constexpr Outcome outcome_of(ResultCode c) {
    switch (c) {
        case ResultCode::Ok:
            return Outcome::Done;
        case ResultCode::BadRequest:
            return Outcome::BadRequest;
        case ResultCode::NotFound:
            return Outcome::NotFound;
    }
    return Outcome::BadRequest;  // a newer writer's code: the request was not carried out
}

// One output line "name: text". Texts: "created", "deleted", the new value for
// each attribute set (confluent prints `n1: mgt1`), "ATTR cleared" for each
// attribute cleared (confluent's nodeattrib -c then shows the attributes with a
// query, which a CLI can do too).
struct ResultLine {
    std::string name;
    std::string text;
    CC_PROTO_FIELDS(name, text)
    bool operator==(const ResultLine&) const = default;
};

// On failure nothing was changed, `lines` is empty and `message` is one line
// for the user, e.g. "rack1 group does not exist".
struct CommandResult {
    ResultCode code = ResultCode::Ok;
    std::string message;
    std::vector<ResultLine> lines;  // natural-sorted by name
    CC_PROTO_FIELDS(code, message, lines)
    bool operator==(const CommandResult&) const = default;
    bool ok() const { return code == ResultCode::Ok; }
};

// The line a CLI prints on stderr for a failed result, as confluent does:
// "Error: Bad Request - rack1 group does not exist".
inline std::string error_line(const CommandResult& r) {
    switch (r.code) {
        case ResultCode::Ok:
            return {};
        case ResultCode::BadRequest:
            return "Error: Bad Request - " + r.message;
        case ResultCode::NotFound:
            return "Error: Not Found - " + r.message;
    }
    return "Error: " + r.message;
}

}  // namespace proto
