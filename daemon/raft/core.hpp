// raft::Core: the consensus core of one member, a pure deterministic state
// machine. Events in (tick, message received, proposal, storage done), effects
// out (Ready: state to persist, messages to send, entries to apply, results).
// It owns no socket, clock, thread, file or randomness source: the caller
// passes the current time and a seed, so a simulator can replay it exactly.
//
// Threading: not thread-safe. Call every method from one thread (the daemon's
// io_context thread), and call take_ready() after each event. Call tick(now)
// once right after construction: it starts the timers (a collective of one
// elects itself on that first tick).
//
// Driver loop, for every Ready r = take_ready():
//   1. r.hard_state: write and fsync it before anything below.
//   2. r.snapshot:   install it durably (replace the replicated state, the
//                    member list and the compaction point), then call
//                    snapshot_installed(true) and, as it returns, either cut
//                    the log up to r.snapshot->index (true: the log's suffix
//                    is kept) or empty it (false); snapshot_installed(false)
//                    when the install failed. Nothing of the snapshot is
//                    acknowledged before that call.
//   3. r.truncate_from: drop log entries >= it (0: every entry); then append r.entries.
//                    Appends may be synced later (group commit); report each
//                    sync with persisted(index, term) of the last synced entry.
//   4. r.messages:   send (best effort; the core retries what matters).
//   5. r.committed:  apply in order (Noop: nothing; Command: the state machine;
//                    Membership: write cfg/collective).
//   6. r.snapshot_requests: for each member, call send_snapshot() with the
//                    replicated state at some applied index.
//   7. r.proposal_results / r.read_results: answer the callers. Results come
//                    after the entries they depend on were handed out in
//                    r.committed (this or an earlier Ready), so answering
//                    after step 5 gives read-your-writes.
//   8. Wake the core with tick() at r.next_wakeup (or earlier on any event).
//
// Errors: our own bugs abort (CC_CHECK); malformed or stale peer messages
// are ignored (the transport already rejected undecodable frames); expected
// outcomes (not leader, no quorum, timeout) are values in the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proto/outcome.hpp"
#include "proto/raft.hpp"
#include "proto/raft_types.hpp"

namespace raft {

using Index = uint64_t;
using Term = uint64_t;
using ProposalId = uint64_t;
using ReadId = uint64_t;
using Clock = std::chrono::steady_clock;
// The driver passes Clock::now(); the simulator a fake time from its own epoch.
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// TEST ONLY: deliberately breaks one protocol rule so that the simulator's
// mutation test can show it catches the bug. Never set outside tests.
enum class Mutation : uint8_t {
    None = 0,
    CommitCountsNonVoters,  // leader counts non-voting members towards commit
    VoteWithoutLogCheck,    // voters grant votes without comparing logs
};

struct Config {
    std::string self;  // this member's name, as in the membership list
    Millis heartbeat_interval{100};
    // Each election timeout is drawn uniformly in [min, max) from the seeded RNG.
    Millis election_timeout_min{300};
    Millis election_timeout_max{600};
    // Append requests in flight per follower once it is known to match. One
    // at a time: entries proposed while it is in flight go out together when
    // it is answered, so a follower costs the leader (and itself) a message
    // and an fsync per round trip, not per proposal. On three members with
    // 16 and 64 clients this gave 25-50% more writes/s than 8 in flight and
    // half the p99 (BENCHMARKS.md), at the same sequential latency: a round
    // trip here is mostly the follower's fsync, which a batch shares.
    size_t max_inflight_appends = 1;
    // The same for a non-voting member (one not being promoted). Non-voters
    // do not count towards commit, so this never adds write latency.
    size_t max_inflight_nonvoter = 1;
    // While writes flow, a non-voting member that keeps up is sent entries at
    // most this often (one batch per interval rather than one per round
    // trip), so it lags the voters by up to this much: invisible to clients,
    // whose reads on it wait for what they must see and whose writes through
    // it are sent back at once; its cfg files are written once a second
    // anyway. With 5 voters, 10 non-voters and 64 clients a non-voter cost
    // 12-13 µs of CPU per write at 10 ms, 8-10 at 50 ms, 6-7 at 100 ms (18
    // unpaced). 0: never paced.
    Millis nonvoter_append_interval{100};
    // An idle follower is told of a commit this much later, unless an append
    // (the next write's) carries it first: a client writing in a loop then
    // costs no notice and no answer to it per write, and a follower applies
    // at most this late (reads do not wait for it: the read index round
    // carries the commit index; a follower that forwarded the write is told
    // at once).
    Millis commit_notice_delay{2};
    // Upper bound of the entries' data bytes per append request (at least one
    // entry is always sent).
    size_t max_batch_bytes = 1u << 20;
    // Every proposal and read ends with a result within this bound. An
    // exactly-once proposal waits this long at most for a leader to take it
    // (held through an election, re-sent when its leader is lost).
    Millis proposal_timeout{5000};
    // A read index round (read_index()) ends within this bound: a read waits
    // no longer than an election for a lost leader, then the caller answers
    // from local state.
    Millis read_timeout{1000};
    // A member heard from (any message, or a keepalive via heard_from())
    // within this window counts towards majority_heard: while a majority is,
    // a write without a known leader waits for the election instead of
    // failing with NoQuorum. Longer than the links' keepalive interval.
    Millis contact_window{1200};
    // A non-voter's link keepalives come every 2 s (its links are quiet,
    // ssh::Limits::quiet_keepalive_interval): collective recover counts it
    // reachable when heard from within this window (voters: an election
    // timeout). Its links close after 5 s of silence anyway.
    Millis nonvoter_contact_window{5000};
    size_t snapshot_chunk_bytes = 1u << 20;
    // A follower buffers at most this much of an incoming snapshot (hostile
    // input bound: the state of 100,000 nodes is a few MB); a transfer that
    // goes past it is dropped and starts again from offset 0.
    size_t max_snapshot_bytes = size_t{1} << 30;
    // A non-voter marked `promote` is promoted once its log is within this many
    // entries of the leader's and it answered within an election timeout.
    Index promote_max_lag = 16;
    Mutation test_mutation = Mutation::None;  // TEST ONLY, see Mutation
    // The leader's check of a command (proto::Command bytes) before it enters
    // the log, given the latest member list: a one-line reason refuses it
    // (Outcome::Refused to the proposer), so that no member meets a committed
    // entry it cannot apply. Must not call back into the core. Unset: any.
    // `kind` is Command or SessionCommand; the hook may rewrite an entry
    // (kind and data) into an equivalent one that every member decodes.
    std::function<std::optional<std::string>(proto::EntryKind& kind, std::string& command,
                                             const proto::Membership& members)>
        validate_command{};
};

// Term and vote, persisted by the driver (Ready::hard_state) before any
// message that depends on it is sent.
struct HardState {
    Term term = 0;
    std::string voted_for;  // empty: no vote in `term`
    // The member started without its hard state (restored from the four
    // files, or a lost state dir) and has not yet caught up with a current
    // leader (its log matches that leader's through the leader's commit
    // index): it neither votes nor campaigns. Persisted so that a crash
    // before catching up cannot forget the rule.
    bool catching_up = false;
    bool operator==(const HardState&) const = default;
};

struct SnapshotMeta {
    Index index = 0;  // last log index the snapshot covers (0: none)
    Term term = 0;    // term of that entry
    proto::Membership membership;
    // Index of the log entry that set `membership`; 0 when no entry did (the
    // initial list) or the sender is a version that does not say.
    Index membership_index = 0;
    bool operator==(const SnapshotMeta&) const = default;
};

struct BootState {
    // Absent: a restored member (see HardState::catching_up).
    std::optional<HardState> hard_state;
    SnapshotMeta snapshot;
    // Durable log entries after snapshot.index, contiguous and in order.
    std::vector<proto::Entry> log;
    // Highest index the driver's state already reflects (snapshot.index <=
    // applied <= last log index); entries up to it are not handed out again.
    Index applied = 0;
    // Member list when neither the snapshot nor the log holds one (a new
    // collective; for a standalone server: just this member as a voter).
    proto::Membership initial_membership;
};

enum class Role : uint8_t { Follower, PreCandidate, Candidate, Leader };

// How a proposal or read ended: proto::Outcome, the one outcome type from
// the core to the tools' exit status. The core returns Done (committed at
// `index`), NotLeader (definitely not applied: leadership changed or is
// moving; retry), NoQuorum (definitely not applied: no leader with quorum),
// Unknown (may or may not have been applied) and Refused (definitely not
// applied: the request is not acceptable now, `reason` says why).
using proto::Outcome;

struct ProposalResult {
    ProposalId id = 0;
    Outcome code = Outcome::Done;
    Index index = 0;     // Done: the entry's index
    std::string reason;  // one line for the user when code != Done
};

struct ReadResult {
    ReadId id = 0;
    Outcome code = Outcome::Done;  // Done, NoQuorum, NotLeader or Unknown
    // Done: the local state (already applied through r.committed) reflects
    // every write acknowledged before read_index() was called.
    Index index = 0;
    std::string reason;
};

struct Outbound {
    std::string to;
    proto::RaftMessage message;
};

// A snapshot received from the leader, to install in place of the state.
struct SnapshotInstall {
    SnapshotMeta meta;
    std::string data;
};

struct Ready {
    std::optional<HardState> hard_state;
    std::optional<SnapshotInstall> snapshot;
    std::optional<Index> truncate_from;
    std::vector<proto::Entry> entries;
    std::vector<Outbound> messages;
    std::vector<proto::Entry> committed;
    std::vector<std::string> snapshot_requests;
    std::vector<ProposalResult> proposal_results;
    std::vector<ReadResult> read_results;
    TimePoint next_wakeup{};
};

struct MemberStatus {
    proto::MemberInfo info;
    bool voter = false;
    // Leader only (zero elsewhere): replication progress and last answer.
    Index match_index = 0;
    std::optional<TimePoint> last_contact;
    // Leader: answered within an election timeout. Others: self, and the
    // leader while it is heard from.
    bool active = false;
};

struct Status {
    std::string self;
    Role role = Role::Follower;
    Term term = 0;
    std::string leader;  // empty when unknown
    // A leader that hears from a majority of voters is known (self, or heard
    // within an election timeout): writes can succeed.
    bool quorum = false;
    bool catching_up = false;  // restored-member rule in force
    Index commit_index = 0;
    Index applied_index = 0;  // last index handed out in Ready::committed
    Index last_index = 0;
    Index snapshot_index = 0;
    proto::Membership membership;  // latest (possibly uncommitted) member list
    std::vector<MemberStatus> members;
};

// What `collective recover` would do on this member (Core::plan_recovery).
struct RecoveryPlan {
    proto::Membership survivors;       // this member and every reachable member, as listed
    std::vector<std::string> dropped;  // members of the latest list left out
    Index last_index = 0;              // this member's last log entry: the new log starts here
    Term last_term = 0;
};

namespace detail {
struct State;
}

class Core {
  public:
    // rng_seed drives election timeouts and the incarnation number; the
    // simulator passes the seed of the run, the daemon a random value.
    Core(Config config, BootState boot, uint64_t rng_seed);
    ~Core();
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    // Time passes: elections, heartbeats, check-quorum, deadlines. `now` must
    // never go backwards.
    void tick(TimePoint now);

    // A message from member `from` (authenticated by the transport). The
    // sender need not be in this member's list yet: a lagging member may not
    // have seen the addition of the current leader. Messages of stale terms
    // or that make no sense in the current state are ignored.
    // Any member may grant votes whatever its own role; a candidate counts
    // only the voters of its own latest list, so non-voters never decide.
    void receive(const std::string& from, proto::RaftMessage message, TimePoint now);

    // Proposes a replicated command (proto::Command bytes) on any member: the
    // leader appends it, others forward it to the leader. Exactly one
    // ProposalResult with this id follows, within config.proposal_timeout.
    // Without a known leader with quorum it fails at once with NoQuorum.
    // ids must be unique for the lifetime of this Core.
    void propose(ProposalId id, std::string command, TimePoint now);

    // Proposes an exactly-once command (proto::SessionCommand bytes): the
    // state machine applies only the first copy of it that the log holds, so
    // the core may send it to several leaders in turn. Without a known
    // leader it is held while a majority of voters is heard from (see
    // Config::contact_window) and sent to the next leader; a leader lost
    // before the entry commits gets it re-sent to the next. It fails at once
    // with NoQuorum only when no majority is heard from and no copy was sent
    // yet. Exactly one ProposalResult follows within config.proposal_timeout,
    // unless forget_proposal() is called first.
    void propose_once(ProposalId id, std::string session_command, TimePoint now);
    // The driver saw the write applied (a copy the core does not track): no
    // result will follow for `id`, and no copy is sent again.
    void forget_proposal(ProposalId id);
    // A sign of life from member `from` outside consensus messages (a link
    // keepalive): counts for majority_heard.
    void heard_from(const std::string& from, TimePoint now);
    // Every link with member `from` closed: its process ended (the kernel
    // closes a killed process's connections at once) or the connection
    // failed. The member no longer counts as heard from (majority_heard).
    // A follower whose leader it is stops honouring the leader's
    // lease and campaigns within a heartbeat interval, not a whole election
    // timeout. A wrong guess is harmless: pre-vote fails while the other
    // voters still hear the leader, and its next message is followed again.
    void lost_link(const std::string& from, TimePoint now);

    // Proposes a new member list that differs from the latest one in exactly
    // one member (added, removed, or address/fingerprint/role changed). A new
    // Voter is added as a non-voter marked `promote` and promoted by the
    // leader once caught up; the result reports the first change's commit.
    // Rejected while another member list change is uncommitted.
    void propose_membership(ProposalId id, proto::Membership members, TimePoint now);

    // Linearizable read: one ReadResult follows, within
    // config.read_timeout. Ok(index) once this member has applied
    // `index` (handed out in Ready::committed) and the leader confirmed it
    // still led after the call. ids must be unique for the lifetime of this
    // Core (a separate space from proposal ids).
    void read_index(ReadId id, TimePoint now);

    // Storage synced every entry handed out up to `index`, whose term is
    // `term`. Stale reports (the entry was since replaced) are ignored.
    void persisted(Index index, Term term, TimePoint now);

    // Storage could not write the entries from `from` on (disk full, I/O
    // error): the core forgets them, fails the proposals they carried, and
    // steps down if it leads. The driver has dropped them from the log.
    void append_failed(Index from, TimePoint now);

    // The driver's state at `index` (<= applied) is durable as a snapshot:
    // the core drops log entries up to it, and the driver may too.
    void snapshot_taken(Index index, TimePoint now);

    // The driver installed Ready::snapshot durably (durable = true; then the
    // core takes it as its state and acknowledges it to the leader, and the
    // return value says whether the log's entries after the snapshot are
    // kept) or failed to (durable = false: nothing changes; the leader sends
    // it again later, and false is returned).
    bool snapshot_installed(bool durable, TimePoint now);

    // Answer to Ready::snapshot_requests: the replicated state at `index`
    // (snapshot_index <= index <= applied). The core chunks and sends it.
    void send_snapshot(const std::string& to, Index index, std::string data, TimePoint now);

    // Leader only: hands leadership to voter `to` once it is up to date.
    // Returns a one-line reason when refused (not leader, unknown member,
    // non-voter, self). While the transfer runs (at most an election
    // timeout) proposals fail with NotLeader.
    std::optional<std::string> transfer_leadership(const std::string& to, TimePoint now);

    // Forced recovery for a collective that has lost its majority for good:
    // rewrites the member list to `survivors` (which must contain this
    // member and only current members), records it in the log in a new
    // term, and makes this member leader of that term. Refused (returns the
    // reason) while a majority of the current voters that are not catching
    // up has been heard from within an election timeout (a voter restored
    // from backup cannot vote until a leader has brought it up to date, so
    // with two voters left, one of them restored, nobody could ever lead),
    // before one election timeout has passed since start, on a restored
    // member still catching up, and when a reachable voter's log (from its
    // vote requests and, v6, its vote responses) is ahead of this member's;
    // those reasons name the member to run it on instead. RISK: it is the
    // administrator's statement that the removed members are dead; if they
    // are not, they may hold acknowledged writes that the survivors never
    // saw, and those are lost.
    std::optional<std::string> force_recover(proto::Membership survivors, TimePoint now);
    // The same checks, without acting: the member list force_recover would
    // be given by `collective recover` (this member and the reachable ones),
    // or the one-line reason it may not run here.
    std::variant<RecoveryPlan, std::string> plan_recovery(TimePoint now) const;

    // Effects of the events since the last call (see the driver loop above).
    Ready take_ready();

    Status status(TimePoint now) const;

    // Read-only views for the simulator's invariant checks and for tests.
    const HardState& hard_state() const;
    Role role() const;
    bool self_voter() const;  // a voter in the latest member list
    Index commit_index() const;
    Index last_index() const;
    Index first_index() const;  // first index still in the log (snapshot.index + 1)
    // Entry at `index` (first_index() <= index <= last_index()).
    const proto::Entry& entry(Index index) const;
    const SnapshotMeta& snapshot() const;
    // What a snapshot at `index` records (snapshot().index <= index <= last_index()).
    SnapshotMeta snapshot_meta_at(Index index) const;
    const proto::Membership& membership() const;  // latest, possibly uncommitted
    const std::string& leader() const;            // as this member knows it; may be empty

  private:
    std::unique_ptr<detail::State> s_;
};

}  // namespace raft
