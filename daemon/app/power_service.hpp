// PowerService: `nodepower`, the first routed node operation. A request made
// on any member runs on each node's manager (collective.manager): nodes this
// member manages run here, the others travel to their manager over the
// member links (proto::NodeRequest, peer protocol v3), never through the log.
// A lone server runs every node itself. Each node's BMC is reached with IPMI
// 2.0 (daemon/hw) at hardwaremanagement.manager with the credentials read
// through read_secret; up to kParallel BMCs at once. With -p
// (show_previous) each result also carries the state before the action.
//
// Adding another node operation (console, sensors, inventory): give it an
// operation name, handle it in run_here (what the manager does for one
// node), and a tool that sends ApiNodeOperation with that name; routing,
// errors per node and the wire stay as they are.
//
// Threading: every public method on the daemon thread; BMC calls run on
// worker threads that post their results back.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/app/data_key.hpp"
#include "daemon/net/api/api_server.hpp"
#include "daemon/state/database.hpp"
#include "proto/api.hpp"
#include "proto/peer_message.hpp"

namespace cc::app {

class PowerService {
  public:
    // What it needs from the member service: the member list and the links.
    struct Peers {
        std::function<bool()> in_collective;
        std::function<proto::Membership()> members;
        // Protocol version of our link to the member; 0 while it is down.
        std::function<uint32_t(const std::string&)> link_version;
        std::function<void(const std::string&, const proto::PeerMessage&)> send;
    };
    // `keys` decrypts the BMC credentials (read_secret).
    PowerService(boost::asio::io_context& io, const state::Database& db, const DataKeyKeeper& keys,
                 std::string self, Peers peers);
    ~PowerService();
    // Joins the worker threads (bounded by the BMC timeout).
    void stop();

    // From a tool on this member.
    void handle(const proto::ApiNodeOperation& request, net::ApiReply reply);
    // From another member: run these nodes here and answer.
    void on_request(const std::string& from, proto::NodeRequest request);
    void on_reply(const std::string& from, proto::NodeReply reply);

    static constexpr size_t kParallel = 32;
    static constexpr std::chrono::milliseconds kBmcTimeout{5000};
    // How long the asking member waits for a manager's answer.
    static constexpr std::chrono::milliseconds kRouteTimeout{15000};

  private:
    using Results = std::vector<proto::NodeResult>;
    // Runs `nodes` on this member's BMC connections; `done` on the daemon
    // thread. show_previous: fill NodeResult::previous (nodepower -p).
    void run_here(const std::string& for_member, const std::string& argument, bool show_previous,
                  std::vector<std::string> nodes, std::function<void(Results)> done);
    // `done`, after turning each result of `manager` that is ok but lacks the
    // previous state (an older manager) into a failure that says so.
    static std::function<void(Results)> with_previous_checked(const std::string& manager,
                                                              std::function<void(Results)> done);
    void reap_workers();  // with workers_mu_ held

    boost::asio::io_context& io_;
    const state::Database& db_;
    const DataKeyKeeper& keys_;
    std::string self_;
    Peers peers_;
    uint64_t next_id_ = 1;
    struct Waiting {
        std::string member;
        std::function<void(Results)> done;
        std::unique_ptr<boost::asio::steady_timer> timer;
    };
    std::map<uint64_t, Waiting> waiting_;  // routed requests out, by id
    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished;
    };
    std::mutex workers_mu_;
    std::vector<Worker> workers_;  // batch threads; finished ones are joined at the next batch
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::app
