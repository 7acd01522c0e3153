// RaftDriver: runs the pure consensus core (raft::Core) against the real world.
// It feeds the core its events (ticks from a timer, storage syncs, proposals,
// peer messages) and executes every Ready in the order core.hpp prescribes:
//   hard state fsynced BEFORE any message leaves, log appends queued to the
//   storage writer (group commit), syncs posted back as core.persisted,
//   committed entries applied to the Database, then proposals answered.
// So a write is answered only after it is durable, committed and applied
// locally (read-your-writes).
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
#include "daemon/state/database.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/log_store.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "proto/commands.hpp"

namespace cc::app {

// How a proposed write ended.
struct WriteOutcome {
    enum class Kind { Applied, NoQuorum, NotLeader, Timeout, Rejected, StorageFailed };
    Kind kind = Kind::Applied;
    uint64_t index = 0;           // Applied: the entry's log index
    proto::CommandResult result;  // Applied: what applying it did
    std::string reason;           // otherwise: one line for the user
};

// Sees every change right after the daemon's Database applied it, in log
// order (the cfg writer keeps a replica with it). Called on the daemon thread.
class ApplyListener {
  public:
    virtual ~ApplyListener() = default;
    virtual void command_applied(const proto::Command& c, uint64_t index) = 0;
    virtual void index_noted(uint64_t index) = 0;
    virtual void snapshot_installed(const std::string& bytes, uint64_t index) = 0;
};

class RaftDriver {
  public:
    struct Files {
        std::filesystem::path cfg_dir;           // cfg/collective is written here
        std::filesystem::path catching_up_flag;  // exists while HardState::catching_up
    };
    // Sends a message to a peer (best effort). Standalone servers have none.
    using SendFn = std::function<void(const std::string& to, proto::RaftMessage)>;

    // boot must come from the files and the log store's recovered() log;
    RaftDriver(boost::asio::io_context& io, raft::Config config, raft::BootState boot,
               state::Database& db, storage::LogStore& log, storage::HardStateFile& hard_state,
               storage::SnapshotMetaFile& snapshot_meta, Files files, SendFn send,
               ApplyListener* listener = nullptr);
    ~RaftDriver();
    RaftDriver(const RaftDriver&) = delete;
    RaftDriver& operator=(const RaftDriver&) = delete;

    // Starts the tick timer and processes the first Ready.
    void start();
    // Stops the timer; pending writes are answered with a Timeout outcome.
    void stop();

    // Proposes a prepared command; `done` is called exactly once on this thread.
    void propose(const proto::Command& command, std::function<void(WriteOutcome)> done);

    // Proposes a new member list (differing from the latest in one member);
    // `done` is called exactly once on this thread.
    void propose_membership(proto::Membership members, std::function<void(WriteOutcome)> done);

    // Events posted from the storage thread.
    void on_synced(storage::LogPosition last);
    // next_index: where the store's next append must start (0: anywhere).
    void on_storage_error(const std::string& message, uint64_t next_index);
    // A message from a peer (transport, issue 4).
    void receive(const std::string& from, proto::RaftMessage message);
    // The cfg/ files durably reflect the state at `index` (every domain).
    void files_saved(uint64_t index);

    raft::Status status() const;
    // The latest (possibly uncommitted) member list.
    const proto::Membership& membership() const { return core_->membership(); }
    // Called after every Ready that applied entries, with the applied index.
    void set_on_applied(std::function<void(uint64_t)> f) { on_applied_ = std::move(f); }

    // Log entries at least this far past the snapshot before compacting.
    static constexpr uint64_t kCompactEvery = 4096;

  private:
    void process();
    // Registers `done` for a new proposal; answers it at once when stopped.
    std::optional<raft::ProposalId> register_proposal(std::function<void(WriteOutcome)>& done);
    void write_hard_state(const raft::HardState& hs);
    void install_snapshot(const raft::SnapshotInstall& s);
    void save_member_list_from_snapshot(const raft::SnapshotMeta& meta);
    void save_snapshot_meta(const raft::SnapshotMeta& meta);
    void apply(const proto::Entry& e);
    void answer(const raft::ProposalResult& r);
    void arm_timer(raft::TimePoint at);
    void prune_results();

    boost::asio::io_context& io_;
    std::unique_ptr<raft::Core> core_;
    state::Database& db_;
    storage::LogStore& log_;
    storage::HardStateFile& hard_state_;
    storage::SnapshotMetaFile& snapshot_meta_;
    Files files_;
    SendFn send_;
    ApplyListener* listener_;
    boost::asio::steady_timer timer_;
    std::function<void(uint64_t)> on_applied_;

    raft::ProposalId next_id_ = 1;
    std::map<raft::ProposalId, std::function<void(WriteOutcome)>> pending_;
    // Results of applied commands until their proposal result arrives.
    struct Applied {
        proto::CommandResult result;
        raft::TimePoint at;
    };
    std::map<uint64_t, Applied> results_;
    uint64_t applied_index_ = 0;
    uint64_t log_last_index_ = 0;                 // last entry queued to the store
    std::optional<std::string> storage_failure_;  // reason for proposals failed by it
    bool stopped_ = false;
    bool in_process_ = false;
};

}  // namespace cc::app
