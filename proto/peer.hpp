// What members say to each other on the SSH channel before (and besides) the
// consensus traffic. Append-only like every proto/ message.
//
// Channel: an SSH session channel opened on one of two subsystems.
//   kMemberSubsystem  only for keys pinned in cfg/collective; after the Hello
//                     exchange it carries consensus frames (proto/raft.hpp).
//   kJoinSubsystem    also for unknown keys while an invitation is pending;
//                     carries the join exchange below and nothing else.
// Framing: proto/frame.hpp. A zero-length frame is a keepalive: it is sent
// when a side has been quiet for a while and is never delivered upwards.
//
// Handshake: each side sends one Hello as its first frame, without waiting
// for the other's. Both compute negotiate_version(); when the ranges do not
// overlap both log version_refusal() and close. The member-subsystem server
// also closes when Hello.name is not the member its key is pinned to.
//
// Join exchange on kJoinSubsystem (J = joiner, I = inviter), after Hello:
//   J -> I  JoinRequest{name, joiner proof, advertise}
//   I -> J  JoinChallenge{inviter proof}   or JoinRefused{reason}
//   J -> I  JoinConfirm{}                  (J has checked I's proof)
//   I -> J  JoinAccept{members, ...}       once J is committed in the log,
//           or JoinRefused{reason}
// Proofs: daemon/crypto/token.hpp. The inviter takes the joiner's key from the
// SSH session (never from a message), so a proof made for another key fails.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "proto/codec.hpp"
#include "proto/outcome.hpp"
#include "proto/raft_types.hpp"

namespace proto {

inline constexpr const char* kMemberSubsystem = "confluent-collective@v1";
inline constexpr const char* kJoinSubsystem = "confluent-collective-join@v1";
// Join messages are small; a join channel (open to unknown keys) accepts no
// bigger frame than this, whatever the general frame limit.
inline constexpr uint32_t kMaxJoinFrameBytes = 1u << 20;

// Peer protocol versions this build speaks. Raise max when adding behaviour a
// peer must opt into; raise min only when dropping support for old members.
//   v1  consensus messages, Hello, the join exchange
//   v2  proto::LeaderView (a v1 member drops a connection that carries one)
//   v3  routed requests: proto::NodeRequest / NodeReply (nodepower runs on the
//       node's manager); to a member on v1 or v2 none is sent, and the asking
//       member says so per node ("mgt3 runs a version without power
//       control; upgrade it")
//   v4  exactly-once writes: log entries of kind EntryKind::SessionCommand
//       (a client session and sequence number around each command, so a
//       write re-sent to a new leader is applied once). A member proposes
//       them only when every voter's link speaks v4, and a leader turns one
//       back into a plain command while any member is below v4; the
//       ClaimNode command kind (nodediscover assign) also needs v4
//   v5  the collective data key: proto::DataKeyRequest / DataKeyReply (a
//       member without the key that encrypts secret.* values asks a member
//       for it over the member link; SECURITY.md); never sent below v5
//   v6  collective recover: VoteResponse carries the responder's log
//       position and catching-up flag (appended fields; an older member
//       sends neither and is treated as position unknown)
inline constexpr uint32_t kPeerVersionMin = 1;
inline constexpr uint32_t kPeerVersionMax = 6;
inline constexpr uint32_t kPeerVersionLeaderView = 2;
inline constexpr uint32_t kPeerVersionRouted = 3;
inline constexpr uint32_t kPeerVersionSessions = 4;
inline constexpr uint32_t kPeerVersionSecrets = 5;
inline constexpr uint32_t kPeerVersionRecover = 6;

struct Hello {
    uint32_t min_version = kPeerVersionMin;
    uint32_t max_version = kPeerVersionMax;
    std::string name;  // the sender's member name (the joiner: the name in its token)
    // Where members should reach the sender, as JoinRequest::advertise:
    // "host:port", ":port" (the address seen, that port) or "" (the address
    // seen, default port). A member that comes back from a new address is
    // recorded there through the log (member_service.cpp).
    std::string advertise;
    CC_PROTO_FIELDS(min_version, max_version, name, advertise)
    bool operator==(const Hello&) const = default;
};

// The highest version both sides speak, nothing when the ranges do not overlap
// (or a range is empty).
inline std::optional<uint32_t> negotiate_version(const Hello& a, const Hello& b) {
    uint32_t lo = std::max(a.min_version, b.min_version);
    uint32_t hi = std::min(a.max_version, b.max_version);
    if (a.min_version > a.max_version || b.min_version > b.max_version || lo > hi) {
        return std::nullopt;
    }
    return hi;
}

// One log line for a failed negotiation, naming both ranges and the fix.
inline std::string version_refusal(const Hello& ours, const Hello& theirs) {
    return "member " + theirs.name + " speaks peer protocol versions " +
           std::to_string(theirs.min_version) + ".." + std::to_string(theirs.max_version) +
           ", this member speaks " + std::to_string(ours.min_version) + ".." +
           std::to_string(ours.max_version) +
           "; upgrade the older member so that the ranges overlap";
}

struct JoinRequest {
    std::string name;       // the name from the token; becomes the joiner's cfg/myname
    std::string proof;      // joiner proof, 32 bytes
    std::string advertise;  // host[:port] others should use, empty = the address seen
    CC_PROTO_FIELDS(name, proof, advertise)
    bool operator==(const JoinRequest&) const = default;
};

struct JoinChallenge {
    std::string proof;  // inviter proof, 32 bytes
    CC_PROTO_FIELDS(proof)
    bool operator==(const JoinChallenge&) const = default;
};

struct JoinConfirm {
    uint32_t reserved = 0;  // no content yet; a field keeps the struct a message
    CC_PROTO_FIELDS(reserved)
    bool operator==(const JoinConfirm&) const = default;
};

struct JoinAccept {
    Membership members;         // the committed member list that includes the joiner
    std::string leader;         // current leader's name, empty when unknown
    std::string your_address;   // the address recorded for the joiner
    uint64_t commit_index = 0;  // the joiner reports Success once it has applied this
    CC_PROTO_FIELDS(members, leader, your_address, commit_index)
    CC_PROTO_TERMS_AND_INDEXES(commit_index)
    bool operator==(const JoinAccept&) const = default;
};

// User-facing one-line reason, e.g. "Invalid token" or
// "Collective does not have quorum", and how the join ended
// (proto/outcome.hpp), which becomes `collective join`'s exit status:
// BadRequest (invalid or expired token), NoQuorum, Unknown (the member list
// change may or may not have been committed), Refused (anything else, nothing
// changed). `outcome` is an appended field: a refusal from an older inviter,
// which sends only the text, decodes as Refused (not carried out; its
// "Invalid token" then exits 2 rather than 1).
struct JoinRefused {
    std::string reason;
    Outcome outcome = Outcome::Refused;
    CC_PROTO_FIELDS(reason, outcome)
    bool operator==(const JoinRefused&) const = default;
};

using JoinMessage = std::variant<JoinRequest, JoinChallenge, JoinConfirm, JoinAccept, JoinRefused>;

}  // namespace proto
