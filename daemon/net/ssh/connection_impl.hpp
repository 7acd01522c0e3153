// Connection internals shared by the client and server code of cc_ssh.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/net/ssh/connection.hpp"
#include "daemon/net/ssh/libssh_handles.hpp"
#include "daemon/net/ssh/watchdog.hpp"
#include "proto/frame.hpp"
#include "proto/peer.hpp"

namespace cc::ssh {

class Connection::Impl {
  public:
    using Clock = std::chrono::steady_clock;

    // Takes an established session whose channel has its subsystem open.
    // `ticket` is this socket's watchdog entry (armed by the caller);
    // `keep` holds whatever libssh callbacks still point to.
    // Throws std::system_error when the process is out of file descriptors:
    // the session and channel are then freed and the ticket disarmed.
    Impl(detail::SessionPtr session, detail::ChannelPtr channel, PeerInfo info, Limits limits,
         Watchdog& watchdog, uint64_t ticket, std::shared_ptr<void> keep = nullptr);
    ~Impl();

    // Sends our Hello and waits (until `deadline`) for the peer's; returns it.
    // Throws ConnectionClosed, also on a malformed Hello.
    proto::Hello exchange_hello(const proto::Hello& ours, Clock::time_point deadline);

    bool send(std::string payload);
    void close();
    bool closed() const;
    std::optional<std::string> receive(std::chrono::milliseconds timeout);
    std::string run(const std::function<void(std::string)>& on_frame);
    uint64_t dropped() const { return dropped_.load(); }

    PeerInfo info;

  private:
    [[noreturn]] void fail(const std::string& reason);
    void check_open();
    void flush_queue();
    void write_frame(std::string_view payload);
    void take_buffered();
    void read_available();
    void wait_io(Clock::time_point until);
    void note_received();
    std::chrono::milliseconds keepalive_interval() const {
        return limits_.quiet && limits_.quiet->load(std::memory_order_relaxed)
                   ? limits_.quiet_keepalive_interval
                   : limits_.keepalive_interval;
    }

    std::shared_ptr<void> keep_;  // declared first: outlives the session below
    detail::SessionPtr session_;
    detail::ChannelPtr channel_;
    Limits limits_;
    Watchdog& watchdog_;
    uint64_t ticket_;
    int fd_;
    int wake_fd_;

    mutable std::mutex mu_;
    std::deque<std::string> queue_;  // guarded by mu_
    size_t queued_bytes_ = 0;        // guarded by mu_
    bool closed_ = false;            // guarded by mu_
    std::atomic<uint64_t> dropped_{0};

    // Owned by the driving thread.
    bool failed_ = false;
    proto::FrameReader reader_;
    std::deque<std::string> inbox_;
    bool surface_keepalives_ = false;  // run(): keepalives reach on_frame as ""
    Clock::time_point last_rx_;
    Clock::time_point last_tx_;
    Clock::time_point last_rearm_;
};

}  // namespace cc::ssh
