// Internal state of raft::Core, shared by the files that implement it, one
// protocol concern each:
//   core.cpp         public methods, Ready assembly, status
//   election.cpp     timeouts, pre-vote, votes, roles, check-quorum, transfer
//   replication.cpp  append requests/responses, commit, persistence, apply
//   membership.cpp   member list changes, promotion, forced recovery
//   snapshot.cpp     compaction, chunked snapshot transfer and install
//   proposals.cpp    proposals on any member, forwarding to the leader
//   read_index.cpp   linearizable reads
//   invariants.cpp   cheap self-checks after every event
// Threading: same rule as the Core (one thread).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "daemon/raft/core.hpp"
#include "daemon/raft/log.hpp"

namespace raft::detail {

// Leader's view of one other member.
struct Progress {
    enum class Mode { Probe, Replicate, Snapshot };
    Mode mode = Mode::Probe;
    Index match = 0;
    Index next = 1;
    // Replicate: last index of each unacknowledged append, oldest first.
    std::deque<Index> inflight;
    Index commit_sent = 0;      // the commit index the last append carried
    TimePoint last_send{};      // last append or chunk sent
    TimePoint last_progress{};  // last time match or the chunk offset advanced
    std::optional<TimePoint> last_contact;
    uint64_t acked_seq = 0;
    // The last entry this member waits for to answer a client (one it
    // forwarded to us, or the index of a read it asked for): it is sent, and
    // its commit told, at once (it answers when it applies the entry).
    Index awaited_upto = 0;
    // Replicate: when entries were last sent, and whether that append held
    // every entry we had then (a member catching up is never paced).
    TimePoint entries_sent{};
    bool sent_all = false;
    bool first_of_run = false;  // those entries came after a pause (State::paced)
    // From the member list (State::sync_progress): a non-voter not being
    // promoted, and its place among State::nonvoters (State::paced).
    bool nonvoter = false;
    size_t nonvoter_rank = 0;
    // Snapshot mode.
    std::optional<TimePoint> snapshot_requested;
    std::shared_ptr<const std::string> snap_data;
    SnapshotMeta snap_meta;
    uint64_t snap_offset = 0;  // bytes acknowledged
};

// A proposal or read made on this member, waiting for its outcome.
struct Pending {
    Pending() = default;
    explicit Pending(TimePoint deadline_at) : deadline(deadline_at) {}
    Index index = 0;  // 0 until known (forwarded and not yet answered)
    Term term = 0;
    TimePoint deadline{};
    // Exactly-once proposals (Core::propose_once) keep what they carry, to
    // send it again: held while no leader is known, re-sent to each new one.
    bool resend = false;
    proto::EntryKind kind = proto::EntryKind::Command;
    std::string data;
    bool waiting = false;  // to be (re)sent once a leader is known
    TimePoint retry_at{};
    std::string sent_to;  // the leader of the last send (self when leading)
    Term sent_term = 0;
    TimePoint sent_at{};
    // A leader refused a re-sent copy: no more sends; an earlier copy may
    // still commit (the driver then answers), else Unknown at the deadline.
    std::string refused;
    uint32_t sends = 0;  // copies sent; the forward id carries it (forward_id)
};

// A read the leader is confirming (for itself or for another member).
struct LeaderRead {
    std::string from;  // empty: local
    uint64_t incarnation = 0;
    uint64_t id = 0;
    Index index = 0;
    uint64_t seq = 0;  // 0 until the leader has committed in its term
    TimePoint deadline{};
};

struct State {
    State(Config c, BootState boot, uint64_t seed);

    Config cfg;
    RaftLog log;
    uint64_t rng;
    uint64_t incarnation = 0;

    HardState hs;
    std::optional<HardState> hs_emitted;  // last hard state handed to the driver
    Role role = Role::Follower;
    std::string leader;
    std::optional<TimePoint> started;
    std::optional<TimePoint> leader_contact;  // last message from the leader
    TimePoint election_deadline{};
    std::set<std::string> votes;

    Index commit = 0;
    Index applied = 0;         // last index handed out in Ready::committed
    Index persisted = 0;       // the log is durable through this index
    Index handed = 0;          // last index handed to storage in an earlier Ready
    Index leader_matched = 0;  // follower: our log matches the leader's through here
    Index acked = 0;           // follower: highest match sent to the leader
    uint64_t leader_seq = 0;   // follower: highest seq received from the leader

    // Leader state.
    std::map<std::string, Progress> progress;
    size_t nonvoters = 0;  // non-voters not being promoted (leader; sync_progress)
    TimePoint heartbeat_due{};
    // When idle followers are told of the commit index, unless appends carry
    // it first (tell_commit; each follower's commit_sent says whether).
    std::optional<TimePoint> notice_due;
    // When a non-voter's paced append is next due (State::paced).
    std::optional<TimePoint> pace_due;
    // Commands appended since the last Ready and not sent yet: take_ready()
    // sends them (one append request per follower for all the commands a
    // driver proposed between two Readies, rather than one per command).
    std::optional<TimePoint> broadcast_due;
    TimePoint check_quorum_due{};
    uint64_t seq = 0;
    std::optional<std::string> transfer_to;
    TimePoint transfer_deadline{};
    // Answers to forwarded proposals (any term, any role), kept for 2
    // proposal timeouts: a duplicate or late copy gets the same answer as the
    // first, so a proposal is never both rejected and appended.
    std::map<std::tuple<std::string, uint64_t, uint64_t>, std::pair<proto::ForwardReply, TimePoint>>
        forwarded;
    std::deque<LeaderRead> leader_reads;

    // What each member last said of its log (its vote requests and, from
    // peer protocol v6, its vote responses), for forced recovery.
    struct PeerLog {
        Index last_index = 0;
        Term last_term = 0;
        bool catching_up = false;
        TimePoint at{};
    };
    std::map<std::string, PeerLog> peer_logs;
    std::map<std::string, TimePoint> heard;  // last message from each member
    // Last sign of life of each member's link (Core::heard_from: keepalives),
    // for majority_heard() only.
    std::map<std::string, TimePoint> link_heard;
    // When the core last ran, and when it last ran after a gap longer than
    // cfg.contact_window (the process was stopped or the machine stalled:
    // what was heard before the gap says nothing of now). note_run().
    std::optional<TimePoint> last_run;
    std::optional<TimePoint> woke;
    std::map<ProposalId, Pending> proposals;
    std::map<ReadId, Pending> reads;

    // Follower: snapshot being received.
    std::optional<proto::SnapshotChunk> incoming;
    // Follower: a received snapshot the driver is installing (Ready::snapshot)
    // until it calls snapshot_installed(); appends are ignored meanwhile.
    struct Installing {
        SnapshotMeta meta;
        std::string from;
        uint64_t bytes = 0;
    };
    std::optional<Installing> installing;

    Ready ready;

    // ---- helpers (core.cpp) ----
    uint64_t random();
    void send(const std::string& to, proto::RaftMessage m);
    bool is_voter(const std::string& name) const;
    std::vector<std::string> voters() const;
    size_t quorum() const { return voters().size() / 2 + 1; }
    bool self_voter() const { return is_voter(cfg.self); }
    bool leader_known(TimePoint now) const;
    bool has_quorum(TimePoint now) const;
    bool active(const std::string& name, TimePoint now) const;
    // A majority of voters (counting this member when it votes) was heard
    // from within cfg.contact_window: an election can succeed, so a write
    // is held for the coming leader instead of refused. Also true for one
    // window after the core woke from a longer gap (`woke`): until then
    // silence is not evidence.
    bool majority_heard(TimePoint now) const;
    // Called at every entry into the core with its time.
    void note_run(TimePoint now);

    // ---- election.cpp ----
    void reset_election_timer(TimePoint now);
    void election_tick(TimePoint now);
    void campaign(TimePoint now, bool pre_vote, bool transfer);
    void on_lost_link(const std::string& from, TimePoint now);
    void become_follower(Term term, const std::string& leader_name, TimePoint now);
    void become_leader(TimePoint now);
    void on_vote_request(const std::string& from, const proto::VoteRequest& m, TimePoint now);
    void on_vote_response(const std::string& from, const proto::VoteResponse& m, TimePoint now);
    void on_timeout_now(const std::string& from, const proto::TimeoutNow& m, TimePoint now);
    void check_quorum(TimePoint now);
    void transfer_progress(TimePoint now);
    bool log_up_to_date(Index last_index, Term last_term) const;
    bool may_campaign() const;
    size_t granted_votes() const;  // votes from voters of the latest list
    // Handles the term of any incoming message; false: drop the message.
    bool observe_term(const std::string& from, const proto::RaftMessage& m, TimePoint now);

    // ---- replication.cpp ----
    void append_local(proto::EntryKind kind, std::string data);
    void truncate(Index from);
    void replicate(const std::string& to, TimePoint now);
    void send_append(const std::string& to, Progress& p, TimePoint now, bool heartbeat);
    void tell_commit(const std::string& to, Progress& p, TimePoint now);
    void send_due_notices(TimePoint now);
    // Entries for a non-voter (Progress::nonvoter; one append in flight at a
    // time, Config::max_inflight_nonvoter) wait for cfg.nonvoter_append_interval.
    bool paced(const Progress& p, TimePoint now);
    void send_paced(TimePoint now);
    void broadcast(TimePoint now);
    void heartbeat_tick(TimePoint now);
    void on_append(const std::string& from, const proto::AppendRequest& m, TimePoint now);
    void on_append_response(const std::string& from, const proto::AppendResponse& m, TimePoint now);
    void ack_leader(TimePoint now);
    void maybe_commit(TimePoint now);
    void on_persisted(Index index, Term term, TimePoint now);
    void on_append_failed(Index from, TimePoint now);
    void apply(TimePoint now);

    // ---- membership.cpp ----
    void sync_progress(TimePoint now);
    std::optional<std::string> validate_change(proto::Membership& next) const;
    void maybe_promote(const std::string& name, TimePoint now);
    void after_commit_membership(TimePoint now);
    std::optional<std::string> force_recover(proto::Membership survivors, TimePoint now);

    // ---- recovery.cpp ----
    // Heard from (consensus message or link keepalive) within an election timeout.
    bool reachable(const std::string& name, TimePoint now) const;
    // A recent word from `name` (PeerLog) that it is a restored member catching up.
    bool peer_catching_up(const std::string& name, TimePoint now) const;
    // Why forced recovery may not run on this member now (nullopt: it may).
    std::optional<std::string> recovery_refusal(TimePoint now) const;

    // ---- snapshot.cpp ----
    void snapshot_taken(Index index);
    void request_snapshot(const std::string& to, Progress& p, TimePoint now);
    void send_snapshot(const std::string& to, Index index, std::string data, TimePoint now);
    void send_chunk(const std::string& to, Progress& p, TimePoint now);
    void on_chunk(const std::string& from, const proto::SnapshotChunk& m, TimePoint now);
    bool snapshot_installed(bool durable, TimePoint now);
    void on_snapshot_ack(const std::string& from, const proto::SnapshotAck& m, TimePoint now);

    // ---- proposals.cpp ----
    void propose(ProposalId id, proto::EntryKind kind, std::string data, TimePoint now);
    // Leader: validates and appends; returns the reply for the proposer.
    proto::ForwardReply leader_accept(proto::EntryKind kind, std::string data, TimePoint now);
    void on_forward(const std::string& from, const proto::ForwardProposal& m, TimePoint now);
    void on_forward_reply(const std::string& from, const proto::ForwardReply& m, TimePoint now);
    void finish(ProposalId id, Outcome code, Index index, std::string reason);
    // Exactly-once proposals: send (or append, when leading) the waiting ones.
    void dispatch(ProposalId id, Pending& p, TimePoint now);
    void pump_proposals(TimePoint now);
    void resolve_proposals(TimePoint now);

    // ---- read_index.cpp ----
    void read_index(ReadId id, TimePoint now);
    void on_read_request(const std::string& from, const proto::ReadIndexRequest& m, TimePoint now);
    void on_read_reply(const std::string& from, const proto::ReadIndexReply& m, TimePoint now);
    void advance_reads(TimePoint now);
    void fail_leader_reads();
    void resolve_reads(TimePoint now);

    // ---- invariants.cpp ----
    void check_invariants() const;
};

}  // namespace raft::detail
