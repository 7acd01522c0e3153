// RaftDriver: runs the pure consensus core (raft::Core) against the real world
// through the one Ready executor (raft::Executor, shared with the simulator).
// The driver is the executor's ports: the hard-state file, the log store
// (group commit on the storage thread), the peer links, the node database
// and cfg/collective, the tick timer. The executor's durability rule holds:
// nothing is sent, acknowledged or answered on the strength of state that
// failed to become durable; a write is answered only after it is durable,
// committed and applied locally (read-your-writes).
//
// Compaction: once the cfg/ files durably hold the state at index I
// (files_saved), the driver records I in snapshot-meta, tells the core and
// drops whole log segments up to I.
//
// Threading: construct and call only on the daemon thread (the io_context's).
// The log store's callbacks arrive on the storage thread; the daemon posts
// them here (on_synced / on_storage_error).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/raft/core.hpp"
#include "daemon/raft/executor.hpp"
#include "daemon/state/database.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/log_store.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "proto/commands.hpp"
#include "proto/outcome.hpp"

namespace cc::app {

// How a proposed write ended (proto/outcome.hpp: the one outcome type).
struct WriteOutcome {
    proto::Outcome outcome = proto::Outcome::Done;
    uint64_t index = 0;           // Done: the entry's log index
    proto::CommandResult result;  // Done: what applying it did
    std::string reason;           // otherwise: one line for the user (empty: the default text)
};

// The one writer of cfg/nodes and cfg/nodegroups (the cfg writer), told
// when a snapshot from the leader replaces the state. Called on the daemon
// thread.
class ApplyListener {
  public:
    virtual ~ApplyListener() = default;
    // A snapshot from the leader replaces the state: writes `db` (the state
    // it decodes to, at `index`) to cfg/nodes and cfg/nodegroups durably
    // before returning, serialized with the listener's own writes of those
    // files, and takes it as the state from then on. Throws cc::fs::FsError
    // (then nothing changed).
    virtual void install_snapshot(const state::Database& db, const std::string& bytes,
                                  uint64_t index) = 0;
};

class RaftDriver : private raft::Ports {
  public:
    struct Files {
        std::filesystem::path cfg_dir;  // cfg/collective is written here
    };
    // Sends a message to a peer (best effort). Standalone servers have none.
    using SendFn = std::function<void(const std::string& to, proto::RaftMessage)>;

    // boot must come from the files and the log store's recovered() log;
    RaftDriver(boost::asio::io_context& io, raft::Config config, raft::BootState boot,
               state::Database& db, storage::LogStore& log, storage::HardStateFile& hard_state,
               storage::SnapshotMetaFile& snapshot_meta, Files files, SendFn send,
               ApplyListener* listener = nullptr);
    ~RaftDriver() override;
    RaftDriver(const RaftDriver&) = delete;
    RaftDriver& operator=(const RaftDriver&) = delete;

    // Starts the tick timer and processes the first Ready.
    void start();
    // Stops the timer; pending writes are answered with an Unknown outcome.
    void stop();

    // Proposes a prepared command; `done` is called exactly once on this
    // thread. While use_sessions() says so, the command goes into the log as
    // an exactly-once write (proto::SessionCommand, of this start's session):
    // held through an election and re-sent to a new leader, applied once.
    void propose(const proto::Command& command, std::function<void(WriteOutcome)> done);
    // Calls `then` once on this thread, when this member has applied every
    // write acknowledged anywhere before the call (a read index round through
    // the leader), so a script that wrote on one member and reads on another
    // sees its change. Without a leader, or when the round fails or outlasts
    // raft::Config::read_timeout, it is called anyway: reads then answer from
    // local state, as they do without quorum.
    void read_barrier(std::function<void()> then);
    // Whether every member decodes exactly-once writes (peer protocol v4).
    void set_use_sessions(std::function<bool()> f) { use_sessions_ = std::move(f); }
    // Whether the daemon thread has nothing else waiting (no member's message
    // queued for it): a follower then writes and syncs its log entries itself
    // (LogStore::append_now) instead of handing them to the storage thread
    // and waiting for it to hand them back.
    void set_idle(std::function<bool()> f) { idle_ = std::move(f); }
    // A member's link keepalive (raft::Core::heard_from).
    void heard_from(const std::string& member);
    // Every link with `member` closed (raft::Core::lost_link).
    void lost_link(const std::string& member);

    // Proposes a new member list (differing from the latest in one member);
    // `done` is called exactly once on this thread.
    void propose_membership(proto::Membership members, std::function<void(WriteOutcome)> done);

    // Events posted from the storage thread.
    void on_synced(storage::LogPosition last);
    // next_index: where the store's next append must start (0: anywhere).
    void on_storage_error(const std::string& message, uint64_t next_index);
    // A consensus message from a peer.
    void receive(const std::string& from, proto::RaftMessage message);
    // The cfg/ files durably reflect the state at `index` (every domain).
    void files_saved(uint64_t index);

    // collective recover: raft::Core::plan_recovery and force_recover (the
    // new member list's entry is then the core's last index).
    std::variant<raft::RecoveryPlan, std::string> recovery_plan() const;
    std::optional<std::string> force_recover(proto::Membership survivors);

    // The core's status, with applied_index what the node database holds.
    raft::Status status() const;
    // The latest (possibly uncommitted) member list.
    const proto::Membership& membership() const { return core_->membership(); }
    // Set once a committed entry could not be applied by this build: reads
    // and writes are refused (Outcome::NeedsNewerBuild) with this line.
    const std::optional<std::string>& cannot_apply() const { return executor_->cannot_apply(); }
    // False while term and vote cannot be saved (no message leaves).
    bool hard_state_durable() const { return executor_->hard_state_durable(); }
    // When this member learnt of the current leader; empty without one.
    std::optional<raft::TimePoint> leader_since() const { return leader_since_; }
    // Called after every Ready that applied entries, with the applied index.
    void set_on_applied(std::function<void(uint64_t)> f) { on_applied_ = std::move(f); }

    // Log entries at least this far past the snapshot before compacting.
    static constexpr uint64_t kCompactEvery = 4096;
    // A live follower further behind than this is not waited for by
    // compaction: it gets a snapshot of the state (a few MB even for 100,000
    // nodes) instead of every entry it missed (docs/ARCHITECTURE.md,
    // "Catching up").
    static constexpr uint64_t kSnapshotLag = 8192;

  private:
    // Registers `done` for a new proposal; answers it at once when stopped.
    std::optional<raft::ProposalId> register_proposal(std::function<void(WriteOutcome)>& done);
    void after_event(uint64_t applied_before);
    void observe_leadership();
    void answer_own_write(uint64_t seq, uint64_t index, state::Database::SessionApplied applied);
    // Removes and returns the answer callback of proposal `id`, if still open.
    std::optional<std::function<void(WriteOutcome)>> take_pending(raft::ProposalId id);
    void prune_results();

    // raft::Ports
    raft::TimePoint now() override;
    void wake_at(raft::TimePoint t) override;
    void save_hard_state(const raft::HardState& hs) override;
    void log_append(std::vector<proto::Entry> entries) override;
    void log_truncate(raft::Index from) override;
    void log_compact(raft::Index up_to) override;
    void send(raft::Outbound message) override;
    void apply(const proto::Entry& entry) override;
    void install_snapshot(const raft::SnapshotInstall& snapshot) override;
    std::string snapshot_bytes() override;
    void proposal_done(const raft::ProposalResult& result) override;
    void read_done(const raft::ReadResult& result) override;
    void warn(const std::string& line) override;
    void fatal(const std::string& why) override;

    void save_snapshot_meta(const raft::SnapshotMeta& meta);

    boost::asio::io_context& io_;
    std::unique_ptr<raft::Core> core_;
    std::unique_ptr<raft::Executor> executor_;
    state::Database& db_;
    storage::LogStore& log_;
    storage::HardStateFile& hard_state_;
    storage::SnapshotMetaFile& snapshot_meta_;
    Files files_;
    SendFn send_;
    ApplyListener* listener_;
    boost::asio::steady_timer timer_;
    bool timer_pending_ = false;  // an async_wait on timer_ has not completed
    std::function<void(uint64_t)> on_applied_;

    raft::ProposalId next_id_ = 1;
    std::map<raft::ProposalId, std::function<void(WriteOutcome)>> pending_;
    raft::ReadId next_read_ = 1;
    std::map<raft::ReadId, std::function<void()>> reads_;
    // Results of applied commands until their proposal result arrives.
    struct Applied {
        proto::CommandResult result;
        raft::TimePoint at;
    };
    std::map<uint64_t, Applied> results_;
    std::optional<std::string> storage_failure_;  // reason for proposals failed by it

    // Exactly-once writes: this start's session, its next seq, and the
    // writes not answered yet (by seq; the lowest is the acked_below sent).
    std::function<bool()> use_sessions_;
    std::function<bool()> idle_;
    std::string self_;
    std::string session_;
    uint64_t next_seq_ = 1;
    struct OpenSeq {
        raft::ProposalId id;
        proto::Domain domain;
    };
    std::map<uint64_t, OpenSeq> open_seqs_;

    // Leadership as last seen (observe_leadership).
    std::string seen_leader_;
    raft::Term seen_term_ = 0;
    raft::TimePoint leader_lost_at_{};
    std::optional<raft::TimePoint> leader_since_;
    bool stopped_ = false;
};

}  // namespace cc::app
