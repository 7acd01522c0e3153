// Messages between the consensus cores of two members (carried by the peer
// transport as one frame each). Field order is the wire order; fields and
// variant alternatives are append-only (rolling upgrades).
//
// Every message carries the sender's current term. The receiving core (not the
// transport) decides what a stale or future term means; the transport only
// decodes, so a garbled frame raises proto::DecodeError at the edge.
// Terms and log indexes stay below proto::kMaxTermOrIndex (2^62): the decoder
// refuses a message that carries a larger one (CC_PROTO_TERMS_AND_INDEXES).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "proto/codec.hpp"
#include "proto/raft_types.hpp"

namespace proto {

// Candidate asks for a vote. pre_vote: a trial round that changes no term or
// vote (a member that rejoins after a partition cannot depose a healthy
// leader). transfer: sent on a leader's request (TimeoutNow), so voters that
// still hear from that leader grant it anyway.
struct VoteRequest {
    uint64_t term = 0;  // pre_vote: the term the candidate would campaign in
    uint64_t last_log_index = 0;
    uint64_t last_log_term = 0;
    bool pre_vote = false;
    bool transfer = false;
    CC_PROTO_FIELDS(term, last_log_index, last_log_term, pre_vote, transfer)
    CC_PROTO_TERMS_AND_INDEXES(term, last_log_index, last_log_term)
};

// Appended in peer protocol v6 (proto::kPeerVersionRecover): the responder's
// log position and whether it is a restored member still catching up, so a
// candidate that cannot win knows where `collective recover` may run. An
// older responder sends neither (decoded: position 0, not catching up:
// unknown).
struct VoteResponse {
    uint64_t term = 0;  // pre_vote: echoes the request's term when granted
    bool granted = false;
    bool pre_vote = false;
    bool catching_up = false;
    uint64_t last_log_index = 0;
    uint64_t last_log_term = 0;
    CC_PROTO_FIELDS(term, granted, pre_vote, catching_up, last_log_index, last_log_term)
    CC_PROTO_TERMS_AND_INDEXES(term, last_log_index, last_log_term)
};

// Leader replicates entries (empty = heartbeat). seq numbers the leader's
// requests within its term; a response carries the highest seq its sender
// has received from that leader (read-index confirmation): the answer to a
// heartbeat at once, the answer to new entries once they are durable.
struct AppendRequest {
    uint64_t term = 0;
    uint64_t prev_log_index = 0;
    uint64_t prev_log_term = 0;
    std::vector<Entry> entries;
    uint64_t leader_commit = 0;
    uint64_t seq = 0;
    CC_PROTO_FIELDS(term, prev_log_index, prev_log_term, entries, leader_commit, seq)
    CC_PROTO_TERMS_AND_INDEXES(term, prev_log_index, prev_log_term, leader_commit)
};

// success: the follower's log matches the leader's through match_index and
// that prefix is durable. !success: prev did not match; hint_index is the
// follower's guess of where to retry (its last index, or the first index of
// the conflicting term).
struct AppendResponse {
    uint64_t term = 0;
    bool success = false;
    uint64_t match_index = 0;
    uint64_t hint_index = 0;
    uint64_t seq = 0;
    CC_PROTO_FIELDS(term, success, match_index, hint_index, seq)
    CC_PROTO_TERMS_AND_INDEXES(term, match_index, hint_index)
};

// One chunk of a snapshot (the replicated state at `index`). Chunks are sent
// one at a time in offset order; `done` marks the last one.
struct SnapshotChunk {
    uint64_t term = 0;
    uint64_t index = 0;       // last log index the snapshot covers
    uint64_t index_term = 0;  // term of that entry
    Membership membership;    // member list as of `index`
    uint64_t offset = 0;
    std::string data;
    bool done = false;
    uint64_t membership_index = 0;  // entry that set `membership` (0: unknown, older sender)
    CC_PROTO_FIELDS(term, index, index_term, membership, offset, data, done, membership_index)
    CC_PROTO_TERMS_AND_INDEXES(term, index, index_term, membership_index)
};

// Acknowledges every byte before next_offset; done: installed durably.
struct SnapshotAck {
    uint64_t term = 0;
    uint64_t index = 0;
    uint64_t next_offset = 0;
    bool done = false;
    CC_PROTO_FIELDS(term, index, next_offset, done)
    CC_PROTO_TERMS_AND_INDEXES(term, index)
};

// Leadership transfer: the leader tells an up-to-date target to campaign now.
struct TimeoutNow {
    uint64_t term = 0;
    CC_PROTO_FIELDS(term)
    CC_PROTO_TERMS_AND_INDEXES(term)
};

// A member that is not the leader forwards a client proposal. (incarnation,
// id) identifies it so that a duplicated message is appended only once.
struct ForwardProposal {
    uint64_t term = 0;
    uint64_t incarnation = 0;  // random per start of the forwarding core
    uint64_t id = 0;
    EntryKind kind = EntryKind::Command;
    std::string data;
    CC_PROTO_FIELDS(term, incarnation, id, kind, data)
    CC_PROTO_TERMS_AND_INDEXES(term)
};

enum class ForwardStatus : uint8_t {
    Appended = 0,   // in the leader's log at (index, entry_term); not yet committed
    NotLeader = 1,  // the receiver is not (or no longer) leader
    NoQuorum = 2,   // the leader cannot reach a majority
    Rejected = 3,   // invalid request; reason says why
};

struct ForwardReply {
    uint64_t term = 0;
    uint64_t incarnation = 0;
    uint64_t id = 0;
    ForwardStatus status = ForwardStatus::NotLeader;
    uint64_t index = 0;
    uint64_t entry_term = 0;
    std::string reason;
    CC_PROTO_FIELDS(term, incarnation, id, status, index, entry_term, reason)
    CC_PROTO_TERMS_AND_INDEXES(term, index, entry_term)
};

// A member asks the leader for a read index (linearizable read).
struct ReadIndexRequest {
    uint64_t term = 0;
    uint64_t incarnation = 0;
    uint64_t id = 0;
    CC_PROTO_FIELDS(term, incarnation, id)
    CC_PROTO_TERMS_AND_INDEXES(term)
};

// ok: once the asker has applied `index`, its state reflects every write
// acknowledged before the request.
struct ReadIndexReply {
    uint64_t term = 0;
    uint64_t incarnation = 0;
    uint64_t id = 0;
    bool ok = false;
    uint64_t index = 0;
    CC_PROTO_FIELDS(term, incarnation, id, ok, index)
    CC_PROTO_TERMS_AND_INDEXES(term, index)
};

// The consensus family: every message between cores, and nothing else (the
// core never sees another family; proto/peer_message.hpp puts the families
// on the wire). The order is the wire order: append only.
using RaftMessage = std::variant<VoteRequest, VoteResponse, AppendRequest, AppendResponse,
                                 SnapshotChunk, SnapshotAck, TimeoutNow, ForwardProposal,
                                 ForwardReply, ReadIndexRequest, ReadIndexReply>;

// Term carried by any message.
inline uint64_t term_of(const RaftMessage& m) {
    return std::visit([](const auto& x) { return x.term; }, m);
}

}  // namespace proto
