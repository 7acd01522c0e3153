#include "tests/faults/link_emulator.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace cc::faults {

LinkEmulator::LinkEmulator(std::vector<uint32_t> addresses, uint64_t seed)
    : addresses_(std::move(addresses)),
      faults_(addresses_.size()),
      last_due_(addresses_.size()),
      rng_(seed) {}

void LinkEmulator::set_fault(size_t member, LinkFault fault) {
    if (fault.loss_percent > 100) throw std::invalid_argument("loss_percent above 100");
    faults_.at(member) = fault;
}

std::optional<size_t> LinkEmulator::destination(const Packet& packet) const {
    constexpr size_t kIpv4HeaderMin = 20;
    if (packet.size() < kIpv4HeaderMin || (packet[0] >> 4) != 4) return std::nullopt;
    uint32_t dst;
    std::memcpy(&dst, packet.data() + 16, sizeof dst);  // stays in network order
    auto it = std::find(addresses_.begin(), addresses_.end(), dst);
    if (it == addresses_.end()) return std::nullopt;
    return static_cast<size_t>(it - addresses_.begin());
}

void LinkEmulator::accept(size_t from, Packet packet, Clock::time_point now) {
    auto to = destination(packet);
    if (!to) {
        ++stats_.unroutable;
        return;
    }
    const LinkFault& fault = faults_.at(from);
    if (fault.loss_percent > 0 &&
        std::uniform_int_distribution<unsigned>(0, 99)(rng_) < fault.loss_percent) {
        ++stats_.lost;
        return;
    }
    // Never before the sender's previous packet: a lowered delay must not
    // let later packets overtake held ones.
    auto due = std::max(now + fault.delay, last_due_[from]);
    last_due_[from] = due;
    held_.emplace(std::pair{due, next_seq_++}, Delivery{*to, std::move(packet)});
}

std::vector<LinkEmulator::Delivery> LinkEmulator::release(Clock::time_point now) {
    std::vector<Delivery> out;
    while (!held_.empty() && held_.begin()->first.first <= now) {
        out.push_back(std::move(held_.extract(held_.begin()).mapped()));
        ++stats_.delivered;
    }
    return out;
}

std::optional<LinkEmulator::Clock::time_point> LinkEmulator::next_due() const {
    if (held_.empty()) return std::nullopt;
    return held_.begin()->first.first;
}

}  // namespace cc::faults
