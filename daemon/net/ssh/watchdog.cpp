#include "daemon/net/ssh/watchdog.hpp"

#include <sys/socket.h>

namespace cc::ssh {

Watchdog::Watchdog() : thread_([this] { loop(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mu_);
        quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

uint64_t Watchdog::arm(int fd, Clock::time_point deadline) {
    std::lock_guard lock(mu_);
    uint64_t ticket = next_++;
    entries_.emplace(ticket, Entry{fd, deadline});
    if (stopping_) ::shutdown(fd, SHUT_RDWR);
    cv_.notify_all();
    return ticket;
}

void Watchdog::rearm(uint64_t ticket, Clock::time_point deadline) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(ticket);
    if (it == entries_.end()) return;
    it->second.deadline = deadline;
    cv_.notify_all();
}

void Watchdog::disarm(uint64_t ticket) {
    std::lock_guard lock(mu_);
    entries_.erase(ticket);
}

void Watchdog::shutdown_all() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& [ticket, e] : entries_) ::shutdown(e.fd, SHUT_RDWR);
}

void Watchdog::loop() {
    std::unique_lock lock(mu_);
    while (!quit_) {
        auto now = Clock::now();
        auto next = Clock::time_point::max();
        for (auto& [ticket, e] : entries_) {
            if (e.deadline <= now) {
                // Fire once: the owner sees its blocked call fail and disarms.
                ::shutdown(e.fd, SHUT_RDWR);
                e.deadline = Clock::time_point::max();
            } else if (e.deadline < next) {
                next = e.deadline;
            }
        }
        if (next == Clock::time_point::max()) {
            cv_.wait(lock);
        } else {
            cv_.wait_until(lock, next);
        }
    }
}

}  // namespace cc::ssh
