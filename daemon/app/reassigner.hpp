// Reassigner: automatic reassignment of the nodes of a lost member, on the
// leader. Once a member has been unreachable (not active in the leader's
// view) for the grace period (collective.reassign_grace, default 30 s), the
// leader moves each of its nodes that has collective.managercandidates to an
// online candidate (daemon/app/reassign_plan.hpp) by setting the node's own
// collective.manager through the log, in batches, and logs one line per
// lost member ("moved 212 nodes from mgt3 to mgt1 and mgt2").
//
// The grace clock starts again when this member becomes leader (a new leader
// has no history of who was reachable). No flapping: a member that comes
// back does not get its nodes back by itself (they now name their new
// manager). Nodes without an online candidate keep their manager and are
// reported (ownership_report, shown by `collective show -v`).
//
// Threading: the daemon thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/app/raft_driver.hpp"
#include "daemon/app/reassign_plan.hpp"
#include "daemon/state/database.hpp"

namespace cc::app {

class Reassigner {
  public:
    Reassigner(boost::asio::io_context& io, const state::Database& db, RaftDriver& driver,
               std::string self, std::chrono::seconds grace);
    ~Reassigner();

    void start();
    void stop();

    // Lines for `collective show -v` about offline members that keep nodes:
    // "mgt3 is offline and manages 40 nodes without candidates".
    std::vector<std::string> ownership_report(const std::vector<std::string>& offline) const;

    // Nodes per batch (one log entry each).
    static constexpr size_t kBatch = 1000;

  private:
    void tick();
    std::vector<NodeOwner> owners() const;

    boost::asio::io_context& io_;
    const state::Database& db_;
    RaftDriver& driver_;
    std::string self_;
    std::chrono::seconds grace_;
    boost::asio::steady_timer timer_;
    std::optional<raft::TimePoint> leading_since_;
    raft::Term term_ = 0;
    size_t in_flight_ = 0;
    ReassignPlan running_;  // what the batches in flight move
    // The last scan that found nothing to move: skip while nothing changed.
    std::pair<uint64_t, std::set<std::string>> idle_scan_;
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::app
