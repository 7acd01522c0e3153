// Deadlines for blocking libssh calls. libssh's own timeouts do not cover
// every blocking step of a handshake, so each connection arms a deadline on
// its socket; when it passes (or on shutdown_all) the watchdog calls
// shutdown(2) on the socket, which makes any blocked libssh call fail at once.
// The socket is never closed here: its owner closes it after disarm().
//
// Threading: thread-safe; one internal thread sleeps on a condition variable
// until the earliest deadline or a change.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

namespace cc::ssh {

class Watchdog {
  public:
    using Clock = std::chrono::steady_clock;
    Watchdog();
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Watches `fd` until disarm(); shuts it down at `deadline`
    // (Clock::time_point::max() = only on shutdown_all). Returns a ticket.
    uint64_t arm(int fd, Clock::time_point deadline);
    // Moves the deadline of a ticket.
    void rearm(uint64_t ticket, Clock::time_point deadline);
    // Stops watching; after it returns the watchdog never touches the fd again.
    void disarm(uint64_t ticket);
    // Shuts down every watched socket now and every socket armed later
    // (used when stopping).
    void shutdown_all();

  private:
    void loop();

    struct Entry {
        int fd;
        Clock::time_point deadline;
    };
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<uint64_t, Entry> entries_;
    uint64_t next_ = 1;
    bool stopping_ = false;
    bool quit_ = false;
    std::thread thread_;
};

}  // namespace cc::ssh
