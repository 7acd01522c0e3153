// TunLinks: links between network namespaces made of one TUN device per
// namespace and a forwarder thread in the test process, for kernels without
// netem (see README.md, "Loss and delay without netem").
//
// Each member's namespace gets a layer-3 TUN device (IFF_TUN | IFF_NO_PI:
// raw IPv4 packets, no ARP, no link header). The forwarder reads what every
// member sends through its device, lets a LinkEmulator (link_emulator.hpp)
// decide where it goes, whether it is lost and when it arrives, and writes
// it into the destination member's device, where the kernel receives it as
// if it had come off a wire.
//
// The devices exist as long as this object (they are not persistent): the
// destructor stops the thread and closes them, also when a test fails.
//
// Threading: construct, destroy and call set_fault/stats from one thread;
// the forwarder thread is internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/link_emulator.hpp"

namespace cc::faults {

class TunLinks {
  public:
    // Creates the TUN device `device` in each namespace (netns_paths[i] is
    // member i's /proc/<pid>/ns/net; addresses[i] its IPv4 address in
    // network byte order) and starts forwarding. The devices still need an
    // address and "up" (ip addr / ip link). NetUnavailable when there is no
    // /dev/net/tun; std::runtime_error when a device cannot be created.
    TunLinks(const std::vector<std::string>& netns_paths, std::vector<uint32_t> addresses,
             const std::string& device, uint64_t seed);
    ~TunLinks();
    TunLinks(const TunLinks&) = delete;
    TunLinks& operator=(const TunLinks&) = delete;

    // Loss and delay on everything `member` sends, from its next packet on.
    void set_fault(size_t member, LinkFault fault);
    LinkStats stats() const;

  private:
    void forward();
    void read_from(size_t member, std::vector<unsigned char>& buffer);
    void deliver_due();
    void close_all();

    std::vector<int> tuns_;  // member i's device
    int wake_ = -1;          // eventfd: tells the forwarder to stop
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;  // guards emulator_
    LinkEmulator emulator_;
    std::thread forwarder_;
};

}  // namespace cc::faults
