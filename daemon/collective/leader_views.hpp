// LeaderViews: the leader-view family of peer traffic. On the leader it
// sends its view of every member's lag and last contact (proto::LeaderView)
// to the other members once a second; the peer router puts it only on links
// that negotiated v2. On a follower it keeps the latest view received, which
// `collective show -v` uses while it is the current leader's and fresh.
//
// Threading: the daemon thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proto/api.hpp"
#include "proto/peer_message.hpp"

namespace cc::collective {

class LeaderViews {
  public:
    struct Hooks {
        std::function<bool()> leading;             // this member leads now
        std::function<proto::ApiStatus()> report;  // lag and last contact of each member
        std::function<void(const std::string& to, const proto::PeerMessage&)> send;
    };
    LeaderViews(boost::asio::io_context& io, std::string self, Hooks hooks);
    ~LeaderViews();

    // Starts sending once a second (while leading).
    void start();
    void stop();

    void received(const std::string& from, proto::LeaderView view);

    // A view younger than this is shown (the leader sends one a second).
    static constexpr std::chrono::seconds kFresh{3};
    struct Fresh {
        const proto::LeaderView* view;
        int64_t age_ms;
    };
    // The latest view if it came from `leader` in `term` and is fresh.
    std::optional<Fresh> fresh(const std::string& leader, uint64_t term) const;

  private:
    void share();

    std::string self_;
    Hooks hooks_;
    boost::asio::steady_timer timer_;
    struct Received {
        std::string from;
        proto::LeaderView view;
        std::chrono::steady_clock::time_point at;
    };
    std::optional<Received> latest_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cc::collective
