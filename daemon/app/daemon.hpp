// Daemon: one confluentd member, built by main() from the resolved Config.
// It owns everything with a lifetime (node database, log store, consensus
// driver, cfg/ writer, local API server) and answers the local API.
//
// Start-up: load cfg/ files (a corrupt one stops the daemon with the file,
// line and reason), open the log (a torn tail is cut off), hand both to the
// consensus core, which replays what the files lack. The API socket opens
// once that replay is done (bounded), so the first answer is never stale.
//
// A server in no collective (no cfg/collective) is a collective of one: the
// single voter named by cfg/myname, else the host name.
//
// Threading: everything runs on the io_context's thread except the log
// store's storage thread and the cfg writer's thread, which only post back.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "daemon/app/cfg_writer.hpp"
#include "daemon/app/config.hpp"
#include "daemon/app/discovery_service.hpp"
#include "daemon/app/instance_lock.hpp"
#include "daemon/app/power_service.hpp"
#include "daemon/app/raft_driver.hpp"
#include "daemon/app/reassigner.hpp"
#include "daemon/app/write_path.hpp"
#include "daemon/collective/member_service.hpp"
#include "daemon/net/api/api_server.hpp"
#include "daemon/state/database.hpp"
#include "daemon/storage/file_log_store.hpp"
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"

namespace cc::app {

// Start-up failed; what() is the one line to print before exiting.
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Daemon final : public net::ApiHandler, private collective::ConsensusAccess {
  public:
    // Loads files and the log; throws StartupError.
    Daemon(boost::asio::io_context& io, Config config);
    ~Daemon() override;

    // Starts consensus, the cfg writer, signal handling and (after replay)
    // the API. Returns at once; the caller runs the io_context.
    void start();
    // Clean shutdown (also on SIGTERM/SIGINT): stop the API, answer pending
    // writes, sync the log, write the cfg/ files, stop the io_context.
    void shutdown(const std::string& why);

    void handle(proto::ApiRequest request, net::ApiReply reply) override;

    // Set when the daemon stopped because this member joined a collective:
    // main() resets the files (collective/fresh_start.hpp) and starts a new
    // Daemon as a member of it.
    const std::optional<collective::JoinedCollective>& joined() const { return joined_; }
    // Set when the daemon stopped because it could not serve (the API socket
    // could not be opened), not on request: confluentd then exits 1, so that
    // systemd's Restart=on-failure tries again.
    const std::optional<std::string>& failure() const { return failure_; }

  private:
    // The log found at start is applied (and a lone server leads).
    bool replayed() const;
    void open_api();
    // Runs `then` once this member's state holds every write acknowledged
    // anywhere before the call (at once on a lone server).
    void when_current(std::function<void()> then);
    proto::ApiResponse answer_nodes(const proto::ApiNodeQuery& q) const;
    proto::ApiResponse answer_groups(const proto::ApiGroupQuery& q) const;
    proto::ApiResponse answer_status(bool verbose) const;
    std::optional<proto::ApiError> stale_reads() const;
    // The leader's check of a command before it enters the log (raft::Config::
    // validate_command); turns an exactly-once command into a plain one while
    // a member cannot decode it.
    std::optional<std::string> check_command_kind(proto::EntryKind& kind, std::string& bytes,
                                                  const proto::Membership& members) const;
    // No other member of `members` is known to speak a peer protocol older
    // than `version` (its current link, else the last seen since start; one
    // not seen yet counts as current); true outside a collective.
    bool all_members_speak(const proto::Membership& members, uint32_t version) const;
    struct SpeaksCache {
        uint32_t version;
        uint64_t link_changes;
        proto::Membership members;
        bool answer;
    };
    mutable std::optional<SpeaksCache> speaks_cache_;  // all_members_speak's last answer

    // collective::ConsensusAccess, for the member service.
    raft::Status consensus_status() const override;
    const proto::Membership& latest_membership() const override;
    void change_members(proto::Membership members,
                        std::function<void(collective::ChangeOutcome)> done) override;
    void deliver(const std::string& from, proto::RaftMessage message) override;
    std::vector<std::string> nodes_managed_by(const std::string& member) const override;
    std::variant<raft::RecoveryPlan, std::string> recovery_plan() const override;
    std::optional<std::string> force_recover(proto::Membership survivors) override;

    boost::asio::io_context& io_;
    Config config_;
    std::string my_name_;
    bool in_collective_ = false;
    std::unique_ptr<InstanceLock> lock_;  // first: held while anything else lives
    state::Database db_;
    storage::HardStateFile hard_state_;
    storage::SnapshotMetaFile snapshot_meta_;
    std::unique_ptr<storage::FileLogStore> log_;
    std::unique_ptr<CfgWriter> cfg_writer_;               // before driver_: the driver feeds it
    std::unique_ptr<collective::MemberService> members_;  // before driver_: it sends through it
    std::unique_ptr<RaftDriver> driver_;
    std::unique_ptr<Reassigner> reassigner_;  // after driver_: it proposes through it
    // The collective data key (secret.* values); before power_, which reads it.
    std::unique_ptr<DataKeyKeeper> data_key_;
    // Every write (the API's, nodediscover assign's); after the parts it uses.
    std::unique_ptr<WritePath> writes_;
    std::unique_ptr<PowerService> power_;  // nodepower, routed to the nodes' managers
    std::optional<collective::JoinedCollective> joined_;
    std::optional<std::string> failure_;
    std::unique_ptr<net::ApiServer> api_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer ready_deadline_;
    uint64_t replay_target_ = 0;  // last log index found at start
    bool stopping_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // nodediscover: this member's own discovery data, loaded at start (a
    // corrupt file stops the daemon), never replicated.
    std::unique_ptr<DiscoveryService> discovery_ =
        std::make_unique<DiscoveryService>(config_.state_dir);
};

}  // namespace cc::app
