// Failed join proofs per source address, so that a token cannot be guessed
// by trying many: after `failures` failed proofs from one address within
// `window`, that address is refused every join for `block`, even with a good
// token. Addresses are kept only while they matter (a failure in the window
// or a block running), at most `max_addresses` of them; beyond that the
// address heard from longest ago is forgotten first.
//
// Threading: thread-safe (one internal mutex): each join connection runs on
// a transport thread of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace cc::crypto {

// Outside the class: a nested struct with member initializers cannot be a
// default argument of its own class's constructor.
struct ProofLimits {
    size_t failures = 5;
    std::chrono::seconds window{60};
    std::chrono::seconds block{300};
    size_t max_addresses = 4096;
};

class ProofThrottle {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    using Limits = ProofLimits;

    explicit ProofThrottle(
        Limits limits = {}, Clock clock = [] { return std::chrono::steady_clock::now(); });

    // How long `address` stays refused (rounded up to whole seconds);
    // nothing when it may try.
    std::optional<std::chrono::seconds> blocked(const std::string& address) const;

    // Records a failed proof from `address`; true when this failure starts
    // a block (the caller logs it once).
    bool failed(const std::string& address);

    const Limits& limits() const { return limits_; }

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::deque<TimePoint> failures;  // within the window, oldest first
        TimePoint blocked_until{};
        TimePoint last{};
    };

    // Drops what no longer matters; keeps room for one more address.
    void forget_stale(TimePoint now);

    Limits limits_;
    Clock clock_;
    mutable std::mutex mu_;
    std::map<std::string, Entry> entries_;
};

}  // namespace cc::crypto
