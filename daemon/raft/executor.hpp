// raft::Executor: the one loop that carries out what the core returns (its
// Ready), shared by confluentd (app::RaftDriver) and the simulator
// (tests/sim), over small ports: clock, hard-state store, log store,
// network, state machine, answers. Like the core it does no I/O itself.
//
// The durability rule (docs/ARCHITECTURE.md): nothing is sent, acked or
// answered on the strength of state that failed to become durable.
//   - Term, vote and the catching-up flag (HardState, one atomic record) are
//     durable before any message leaves. A failed save (WriteFailed) holds
//     every message until a later save succeeds: no vote, no ack, no
//     heartbeat goes out meanwhile, so writes and votes are refused.
//   - A snapshot from the leader is acknowledged only after it was installed
//     durably; a failed install leaves the core as it was (the leader sends
//     it again).
//   - Log entries count as stored only when the log store reports them
//     synced; a failed write (WriteFailed) makes the core forget them.
//   - A committed entry is applied before any answer that depends on it; an
//     entry whose apply fails (WriteFailed, e.g. cfg/collective on a full
//     disk) is retried every kApplyRetry, and answers and reads that need it
//     wait. Reads are served from what was applied.
//   - A failed fsync (SyncFailed) is never retried: what reached the disk is
//     unknown. The executor calls Ports::fatal and does nothing more.
//   - A committed entry this build cannot decode (CannotApply) stops
//     applying for good in this process, while the member keeps appending,
//     acknowledging and voting (the collective keeps its majority). Reads
//     and new writes are refused with Outcome::NeedsNewerBuild; a newer
//     build replays the log at its start and goes on (so does this one if a
//     snapshot from the leader covers the entry).
//
// Threading: the executor and its core are used from one thread.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/raft/core.hpp"

namespace raft {

// A write failed before it changed what is durable (ENOSPC, EDQUOT, EROFS,
// EIO on write, open, fallocate or rename): the old state is intact and the
// operation may be retried.
struct WriteFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An fsync/fdatasync failed: what is on disk is unknown, and a retry could
// succeed wrongly (the kernel may have dropped the dirty pages).
struct SyncFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A committed entry this build cannot decode or apply (a newer build's
// command kind); what() says which.
struct CannotApply : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What the executor needs from the world. Every method is called on the
// executor's thread; none may call back into the executor or the core.
class Ports {
  public:
    virtual ~Ports() = default;

    virtual TimePoint now() = 0;
    // Call Executor::tick() at `t` (replaces any earlier wake-up).
    virtual void wake_at(TimePoint t) = 0;

    // Replaces the durable hard state; returns once it is durable. Throws
    // WriteFailed or SyncFailed.
    virtual void save_hard_state(const HardState& hs) = 0;

    // The log store (LogStore's contract): queued in order, synced later.
    // Report syncs with Executor::synced, failures with Executor::log_failed
    // (WriteFailed) or Executor::sync_failed.
    virtual void log_append(std::vector<proto::Entry> entries) = 0;
    virtual void log_truncate(Index from) = 0;  // drop entries >= from; 0: all
    virtual void log_compact(Index up_to) = 0;  // drop entries <= up_to

    // Best effort; the core retries what matters.
    virtual void send(Outbound message) = 0;

    // Applies one committed entry (in order, each exactly once unless it
    // throws). Throws WriteFailed (retried later), CannotApply, SyncFailed.
    virtual void apply(const proto::Entry& entry) = 0;
    // Replaces the state, the member list and the compaction point with the
    // snapshot, durably. Throws WriteFailed, CannotApply, SyncFailed.
    virtual void install_snapshot(const SnapshotInstall& snapshot) = 0;
    // The replicated state as of the last applied entry.
    virtual std::string snapshot_bytes() = 0;

    virtual void proposal_done(const ProposalResult& result) = 0;
    virtual void read_done(const ReadResult& result) = 0;

    // A failure the executor handles (one line for the log).
    virtual void warn(const std::string& line) = 0;
    // The member must stop now, having sent nothing more (the daemon logs and
    // exits non-zero; the simulator crashes the member).
    virtual void fatal(const std::string& why) = 0;
};

class Executor {
  public:
    // TEST ONLY: breaks one part of the durability rule so that the
    // simulator's checker can show it catches it. Never set outside tests.
    enum class Mutation : uint8_t {
        None = 0,
        SendWithUnsavedHardState,  // messages go out although term/vote failed to save
        AckAfterFailedSync,        // a failed log fsync is taken as success
    };

    // How long a failed apply waits before it is tried again.
    static constexpr std::chrono::milliseconds kApplyRetry{1000};

    // `durable` is the hard state the core was booted with (absent for a
    // restored member); `applied` is BootState::applied.
    Executor(Core& core, Ports& ports, std::optional<HardState> durable, Index applied,
             Mutation mutation = Mutation::None);

    // Carries out everything the core has to do; call after every event
    // given to the core (the methods below call it themselves).
    void run();

    // Events, each followed by run().
    void tick();
    void receive(const std::string& from, proto::RaftMessage message);
    // Refused at once (NeedsNewerBuild) when this member cannot apply.
    void propose(ProposalId id, std::string command);
    void propose_membership(ProposalId id, proto::Membership members);
    // Core::propose_once (exactly-once command), same refusal.
    void propose_once(ProposalId id, std::string session_command);
    void read_index(ReadId id);
    // Core::forget_proposal and Core::heard_from (no run() needed).
    void forget_proposal(ProposalId id) { core_.forget_proposal(id); }
    void heard_from(const std::string& from);
    // Core::lost_link (may move the election sooner: re-arms the timer).
    void lost_link(const std::string& from);
    // The log store made entries durable through `index` (of term `term`).
    void synced(Index index, Term term);
    // The log store could not write entries from `from` on (WriteFailed).
    void log_failed(Index from);
    // The log store's fsync failed while syncing through `index`.
    void sync_failed(Index index, Term term, const std::string& why);

    // Last entry applied to the state machine (<= the core's handed-out index).
    Index applied() const { return applied_; }
    // Set once a committed entry could not be applied by this build.
    const std::optional<std::string>& cannot_apply() const { return cannot_apply_; }
    // False while term/vote could not be saved (messages are held).
    bool hard_state_durable() const { return hard_state_ok_; }
    // The ports' fatal() was called: nothing more happens.
    bool dead() const { return dead_; }

  private:
    bool save_hard_state();
    void install(const SnapshotInstall& s);
    void apply_committed();
    void answer_proposal(ProposalResult r);
    void answer_read(ReadResult r);
    void release_answers();
    void stop_applying(Index index, const std::string& why);
    void die(const std::string& why);
    void arm(TimePoint next);

    Core& core_;
    Ports& ports_;
    Mutation mutation_;
    std::optional<HardState> saved_;  // last hard state known durable
    bool hard_state_ok_ = true;
    Index applied_ = 0;
    std::deque<proto::Entry> to_apply_;  // committed, not yet applied
    std::optional<TimePoint> retry_at_;  // next apply attempt after a failure
    std::optional<std::string> cannot_apply_;
    Index cannot_apply_index_ = 0;
    // Done answers waiting for their index to be applied.
    std::multimap<Index, ProposalResult> held_proposals_;
    std::multimap<Index, ReadResult> held_reads_;
    TimePoint core_wakeup_{};
    bool in_run_ = false;
    bool dead_ = false;
};

}  // namespace raft
