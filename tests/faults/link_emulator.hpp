// LinkEmulator: the decisions of a userspace link emulator, without any I/O:
// which member an IPv4 packet is for, whether it is lost, and when it is
// delivered. TunLinks (tun_links.hpp) feeds it the packets read from the
// members' TUN devices and writes out what it releases.
//
// Faults are set per sending member and apply to everything that member
// sends (the meaning netem has on a member's eth0 egress): a packet is lost
// with probability loss_percent / 100, drawn from a seeded RNG, and
// otherwise delivered `delay` after it was accepted. Packets a member sends
// leave in the order they were sent, also when its delay is lowered while
// some are still held. Packets that are not IPv4, or are addressed to no
// member, are dropped.
//
// Threading: none of its own; the caller serializes every call.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace cc::faults {

struct LinkFault {
    unsigned loss_percent = 0;  // 0..100
    std::chrono::milliseconds delay{0};
};

struct LinkStats {
    uint64_t delivered = 0;   // released to their destination
    uint64_t lost = 0;        // dropped by the loss probability
    uint64_t unroutable = 0;  // not IPv4, or for no member
};

class LinkEmulator {
  public:
    using Clock = std::chrono::steady_clock;
    using Packet = std::vector<unsigned char>;

    struct Delivery {
        size_t to;
        Packet packet;
    };

    // addresses[i]: member i's IPv4 address in network byte order.
    LinkEmulator(std::vector<uint32_t> addresses, uint64_t seed);

    void set_fault(size_t member, LinkFault fault);

    // A packet `from` sent at `now`: dropped, or held until its due time.
    void accept(size_t from, Packet packet, Clock::time_point now);
    // Every held packet due at or before `now`, in due order.
    std::vector<Delivery> release(Clock::time_point now);
    // When the next held packet is due; nothing when none is held.
    std::optional<Clock::time_point> next_due() const;

    const LinkStats& stats() const { return stats_; }

  private:
    std::optional<size_t> destination(const Packet& packet) const;

    std::vector<uint32_t> addresses_;
    std::vector<LinkFault> faults_;
    std::vector<Clock::time_point> last_due_;  // per sender, keeps its order
    std::mt19937_64 rng_;
    // Held packets by (due time, acceptance order): equal due times keep
    // the order packets were accepted in.
    std::map<std::pair<Clock::time_point, uint64_t>, Delivery> held_;
    uint64_t next_seq_ = 0;
    LinkStats stats_;
};

}  // namespace cc::faults
