// Says a recurring problem (a flood, a full descriptor table) once per
// interval rather than once per occurrence, with how many were not said.
//
// Threading: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace cc::log {

class Throttle {
  public:
    using Clock = std::chrono::steady_clock;
    explicit Throttle(Clock::duration interval = std::chrono::seconds(10)) : interval_(interval) {}

    // Counts one occurrence; true when a line is due now, `since_last` then
    // being the occurrences since the last line (this one included).
    bool due(uint64_t& since_last) {
        std::lock_guard lock(mu_);
        ++count_;
        auto now = Clock::now();
        if (said_ && now - last_ < interval_) return false;
        said_ = true;
        last_ = now;
        since_last = count_;
        count_ = 0;
        return true;
    }

  private:
    const Clock::duration interval_;
    std::mutex mu_;
    Clock::time_point last_{};
    uint64_t count_ = 0;
    bool said_ = false;
};

}  // namespace cc::log
