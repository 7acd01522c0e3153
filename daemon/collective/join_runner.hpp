// JoinRunner: `collective join` on the joining member. It runs the join
// exchange (joiner.hpp) with SERVER on a thread of its own, one join at a
// time, and answers on the daemon thread: once the inviter has committed us,
// on_joined is called with what the daemon needs to restart as a fresh
// member (fresh_start.hpp), and the caller gets ApiJoinStarted to wait for
// the catch-up.
//
// Threading: construct, join and stop on the daemon thread. stop() waits for
// a running exchange (bounded by its own timeouts).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "proto/api.hpp"
#include "proto/raft_types.hpp"

namespace cc::collective {

// The daemon must restart as a new member with these (see fresh_start.hpp).
struct JoinedCollective {
    std::string name;
    proto::Membership members;
};

// What joining needs of the member that owns the key.
struct JoinHost {
    // Creates this member's key when missing (true when it did) and listens
    // on the collective port, so the inviter can check it reaches us. Throws
    // std::exception on failure.
    std::function<bool()> ensure_key;
    std::function<crypto::MemberKey()> key;  // after ensure_key
    // What the inviter should record as our address (JoinRequest.advertise).
    std::function<std::string()> peer_advertise;
    // Source address of the join connection (our specific listen address),
    // or "" for the kernel's choice.
    std::function<std::string()> source_host;
    std::function<void(JoinedCollective)> joined;
};

class JoinRunner {
  public:
    using Reply = std::function<void(proto::ApiResponse)>;

    // boot_id: this daemon incarnation's, told to the tool that waits.
    JoinRunner(boost::asio::io_context& io, ssh::Limits limits, uint64_t boot_id, JoinHost host);
    ~JoinRunner();
    JoinRunner(const JoinRunner&) = delete;
    JoinRunner& operator=(const JoinRunner&) = delete;

    void stop();
    void join(const proto::ApiJoin& request, Reply reply);

  private:
    boost::asio::io_context& io_;
    ssh::Limits limits_;
    uint64_t boot_id_;
    JoinHost host_;
    std::thread thread_;
    bool joining_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::collective
