// What one frame on an established member link carries: a message of one
// family. The peer router (daemon/collective/peer_bridge.hpp) is the one
// owner of member-to-member traffic: it decodes a PeerMessage and hands it to
// the family's handler, so the consensus core sees consensus messages only.
//
//   family       alternatives (wire type numbers)       since
//   consensus    0-10: proto::RaftMessage's, in order   v1
//   leader view  11: LeaderView                         v2
//   routed       12: NodeRequest, 13: NodeReply         v3  (nodepower on the
//                node's manager; never through the log)
//   data key     14: DataKeyRequest, 15: DataKeyReply       v5  (the collective
//                data key, SECURITY.md; SSH, both keys pinned)
//
// The first twelve numbers are those of the single variant older builds put
// on the wire, so the change of types changed no byte. A new family appends
// its alternatives, raises kPeerVersionMax (proto/peer.hpp), and is sent only
// on links that negotiated that version (min_version below): an older member
// drops a connection that carries a type it does not know.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "proto/codec.hpp"
#include "proto/peer.hpp"
#include "proto/raft.hpp"

namespace proto {

// Leader -> followers about once a second, beside the consensus: the
// leader's view of every member, so that `collective show -v` on a follower
// gives lag and last contact too.
struct MemberView {
    std::string name;
    int64_t lag = -1;              // entries behind the leader's log; -1 unknown
    int64_t last_contact_ms = -1;  // since the leader last heard from it; -1 never
    CC_PROTO_FIELDS(name, lag, last_contact_ms)
    bool operator==(const MemberView&) const = default;
};
struct LeaderView {
    uint64_t term = 0;
    std::vector<MemberView> members;
    CC_PROTO_FIELDS(term, members)
    CC_PROTO_TERMS_AND_INDEXES(term)
    bool operator==(const LeaderView&) const = default;
};

// A per-node operation asked of the nodes' manager by the member a tool
// ran on (routed requests). `operation` names it ("power"), `argument` is
// its word ("status", "on", ...). The manager reads each node's BMC and
// credentials from its own copy of the configuration.
struct NodeRequest {
    uint64_t id = 0;  // unique per asking daemon; echoed in the reply
    std::string operation;
    std::string argument;
    std::vector<std::string> nodes;
    // nodepower -p: answer each node's state before the action too. A manager
    // of an older build skips the field and answers without `previous`.
    bool show_previous = false;
    CC_PROTO_FIELDS(id, operation, argument, nodes, show_previous)
};
struct NodeResult {
    std::string node;
    bool ok = false;
    std::string text;  // ok: the output ("on"); otherwise one line of error
    // ok and show_previous asked: the state before the action ("off"; for
    // status the state read, as confluent's -p reads it twice).
    std::string previous;
    CC_PROTO_FIELDS(node, ok, text, previous)
    bool operator==(const NodeResult&) const = default;
};
struct NodeReply {
    uint64_t id = 0;
    std::vector<NodeResult> results;
    CC_PROTO_FIELDS(id, results)
};

// A member without the collective data key asks a member for it (about once
// a second while it lacks it). Only members reach each other on the member
// link (SSH, both keys pinned), so whoever asks may have it.
struct DataKeyRequest {
    uint32_t reserved = 0;  // no content yet; a field keeps the struct a message
    CC_PROTO_FIELDS(reserved)
};
// The key (32 bytes), or empty: the answering member has none either.
struct DataKeyReply {
    std::string key;
    CC_PROTO_FIELDS(key)
};

using PeerMessage =
    std::variant<VoteRequest, VoteResponse, AppendRequest, AppendResponse, SnapshotChunk,
                 SnapshotAck, TimeoutNow, ForwardProposal, ForwardReply, ReadIndexRequest,
                 ReadIndexReply, LeaderView, NodeRequest, NodeReply, DataKeyRequest, DataKeyReply>;

enum class PeerFamily : uint8_t { Consensus, LeaderView, Routed, DataKey };

inline PeerFamily family_of(const PeerMessage& m) {
    if (m.index() < std::variant_size_v<RaftMessage>) return PeerFamily::Consensus;
    if (std::holds_alternative<LeaderView>(m)) return PeerFamily::LeaderView;
    if (std::holds_alternative<DataKeyRequest>(m) || std::holds_alternative<DataKeyReply>(m))
        return PeerFamily::DataKey;
    return PeerFamily::Routed;
}

// The lowest peer protocol version a link must run to carry the family.
inline uint32_t min_version(PeerFamily f) {
    switch (f) {
        case PeerFamily::Consensus:
            return kPeerVersionMin;
        case PeerFamily::LeaderView:
            return kPeerVersionLeaderView;
        case PeerFamily::Routed:
            return kPeerVersionRouted;
        case PeerFamily::DataKey:
            return kPeerVersionSecrets;
    }
    return kPeerVersionMax;
}

inline PeerMessage to_peer_message(RaftMessage m) {
    return std::visit([](auto&& x) -> PeerMessage { return std::move(x); }, std::move(m));
}

}  // namespace proto
