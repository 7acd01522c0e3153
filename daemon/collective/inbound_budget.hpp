// The bound on work queued from one member into the daemon thread: decoded
// peer messages posted to the io_context but not yet handled. Connection
// threads take() before posting, the daemon thread give()s back after
// handling. A member over its budget (the daemon thread is behind, or the
// member floods) has further messages dropped until it drains; consensus
// retransmits whatever mattered.
//
// Threading: thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace cc::collective {

class InboundBudget {
  public:
    static constexpr size_t kMaxMessages = 4096;
    static constexpr size_t kMaxBytes = 64u << 20;  // encoded frame bytes

    InboundBudget(size_t max_messages = kMaxMessages, size_t max_bytes = kMaxBytes)
        : max_messages_(max_messages), max_bytes_(max_bytes) {}

    // Reserves room for one message of `bytes` from `member`; false = drop it.
    // A single message is always let through when nothing else is queued.
    bool take(const std::string& member, size_t bytes) {
        std::lock_guard lock(mu_);
        auto& q = queued_[member];
        if (q.messages > 0 && (q.messages >= max_messages_ || q.bytes + bytes > max_bytes_))
            return false;
        ++q.messages;
        q.bytes += bytes;
        ++total_messages_;
        return true;
    }

    void give(const std::string& member, size_t bytes) {
        std::lock_guard lock(mu_);
        auto it = queued_.find(member);
        if (it == queued_.end()) return;
        if (it->second.messages > 0) {
            --it->second.messages;
            --total_messages_;
        }
        it->second.bytes -= std::min(bytes, it->second.bytes);
        if (it->second.messages == 0) queued_.erase(it);
    }

    // Messages from all members waiting for the daemon thread.
    size_t queued_messages() const {
        std::lock_guard lock(mu_);
        return total_messages_;
    }

    size_t queued_messages(const std::string& member) const {
        std::lock_guard lock(mu_);
        auto it = queued_.find(member);
        return it == queued_.end() ? 0 : it->second.messages;
    }

  private:
    struct Queued {
        size_t messages = 0;
        size_t bytes = 0;
    };
    const size_t max_messages_;
    const size_t max_bytes_;
    mutable std::mutex mu_;
    std::map<std::string, Queued> queued_;
    size_t total_messages_ = 0;
};

}  // namespace cc::collective
