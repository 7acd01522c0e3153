#include "daemon/crypto/proof_throttle.hpp"

#include <algorithm>

namespace cc::crypto {

ProofThrottle::ProofThrottle(Limits limits, Clock clock)
    : limits_(limits), clock_(std::move(clock)) {}

std::optional<std::chrono::seconds> ProofThrottle::blocked(const std::string& address) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(address);
    if (it == entries_.end()) return std::nullopt;
    auto now = clock_();
    if (it->second.blocked_until <= now) return std::nullopt;
    auto left = it->second.blocked_until - now;
    auto whole = std::chrono::ceil<std::chrono::seconds>(left);
    return std::max(whole, std::chrono::seconds(1));
}

bool ProofThrottle::failed(const std::string& address) {
    std::lock_guard lock(mu_);
    auto now = clock_();
    if (!entries_.contains(address)) forget_stale(now);
    Entry& e = entries_[address];
    e.last = now;
    if (e.blocked_until > now) return false;  // already refused; nothing new
    while (!e.failures.empty() && e.failures.front() + limits_.window <= now)
        e.failures.pop_front();
    e.failures.push_back(now);
    if (e.failures.size() < limits_.failures) return false;
    e.failures.clear();
    e.blocked_until = now + limits_.block;
    return true;
}

void ProofThrottle::forget_stale(TimePoint now) {
    std::erase_if(entries_, [&](const auto& kv) {
        const Entry& e = kv.second;
        bool recent = !e.failures.empty() && e.failures.back() + limits_.window > now;
        return !recent && e.blocked_until <= now;
    });
    while (!entries_.empty() && entries_.size() >= limits_.max_addresses) {
        auto oldest = std::min_element(
            entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
        entries_.erase(oldest);
    }
}

}  // namespace cc::crypto
