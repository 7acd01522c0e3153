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

    bool send(std::string payload, SendMode mode);
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
    bool try_write_now(const std::string& payload);
    bool room_to_write_now(size_t bytes);
    void take_buffered();
    void read_available();
    void wait_io(std::unique_lock<std::mutex>& io, Clock::time_point until);
    void wake();
    void note_received();
    std::chrono::milliseconds keepalive_interval() const {
        return limits_.quiet && limits_.quiet->load(std::memory_order_relaxed)
                   ? limits_.quiet_keepalive_interval
                   : limits_.keepalive_interval;
    }

    std::shared_ptr<void> keep_;           // declared first: outlives the session below
    ssh_counter_struct socket_counter_{};  // libssh counts the bytes it reads here
    detail::SessionPtr session_;
    detail::ChannelPtr channel_;
    Limits limits_;
    Watchdog& watchdog_;
    uint64_t ticket_;
    int fd_;
    int wake_fd_;

    // Held by whichever thread drives libssh: the connection's thread while
    // it is not waiting in poll(), or a sender writing its frame itself
    // (send(): one thread wake-up less per message). Taken before mu_.
    std::mutex io_mu_;
    int sndbuf_ = 0;  // guarded by io_mu_: the socket's send buffer, last seen

    mutable std::mutex mu_;
    std::deque<std::string> queue_;  // guarded by mu_
    size_t queued_bytes_ = 0;        // guarded by mu_
    bool closed_ = false;            // guarded by mu_
    std::atomic<uint64_t> dropped_{0};

    // Guarded by io_mu_.
    std::string write_error_;      // a sender's own write failed: why
    bool output_pending_ = false;  // a sender's own write left bytes in libssh's buffer
    bool failed_ = false;
    proto::FrameReader reader_;
    std::deque<std::string> inbox_;
    bool surface_keepalives_ = false;  // run(): keepalives reach on_frame as ""
    Clock::time_point last_rx_;
    Clock::time_point last_tx_;
    Clock::time_point last_rearm_;
};

}  // namespace cc::ssh
