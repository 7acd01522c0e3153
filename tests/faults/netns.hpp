// TestNet: a private network for fault tests, made of network namespaces that
// exist only for the test's lifetime.
//
// Layout (Links::Veth, the default): a hub namespace holds a bridge; each
// member gets its own namespace with one veth ("eth0", address
// 192.0.2.(11+i)/24, TEST-NET-1) plugged into the bridge. Links::Userspace
// instead gives each member namespace a TUN device ("tun0", same address)
// and forwards between them in the test process (tun_links.hpp), which can
// lose and delay packets without netem. Nothing is created in the host's
// namespace, and no address can reach the host's interfaces. Each namespace
// is held by a small child process (unshare + pause, killed with the test
// through PR_SET_PDEATHSIG), so the namespaces, veths and bridge vanish when
// the holders die, even if the test process is killed (the TUN devices go
// with their file descriptors).
//
// Why namespaces rather than a TCP proxy on loopback: every member reads the
// same replicated cfg/collective, so all members reach a given member at one
// address, and on loopback every connection comes from 127.0.0.1. A proxy in
// front of a member therefore cannot tell which peer a connection belongs to,
// and cannot cut one pair, or one direction of one pair. With one address
// per namespace, a blackhole route in A's namespace drops exactly what A sends
// to B.
//
// Threading: call from one thread (the test's main thread: the holders'
// PR_SET_PDEATHSIG is tied to the thread that forks them).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/faults/link_emulator.hpp"

namespace cc::faults {

class TunLinks;

// Namespaces cannot be created here (not root, no CAP_SYS_ADMIN).
struct NetUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// How the member namespaces are linked.
enum class Links {
    Veth,       // veth pairs on a bridge; degrade() needs netem in the kernel
    Userspace,  // TUN devices and a forwarder thread; degrade() always works
};

class TestNet {
  public:
    // Builds `members` member namespaces (and the hub, for Links::Veth);
    // NetUnavailable when the kernel refuses (or has no /dev/net/tun, for
    // Links::Userspace), std::runtime_error when an `ip` command fails.
    explicit TestNet(size_t members, Links links = Links::Veth);
    ~TestNet();
    TestNet(const TestNet&) = delete;
    TestNet& operator=(const TestNet&) = delete;

    size_t size() const { return holders_.size(); }
    // "192.0.2.11" for member 0.
    std::string address(size_t member) const;
    // Path of the member's namespace (/proc/<holder>/ns/net), for setns().
    std::string netns_path(size_t member) const;

    // From now on, packets `from` sends to `to` are dropped (one direction).
    void block(size_t from, size_t to);
    void unblock(size_t from, size_t to);
    // Both directions between `member` and every other member.
    void isolate(size_t member);
    // Both directions between every member of `a` and every member of `b`.
    void partition(const std::vector<size_t>& a, const std::vector<size_t>& b);
    // Removes every block.
    void heal();
    // Loss (percent) and delay on everything `member` sends: netem on its
    // eth0 (Links::Veth; false when the kernel has no netem, and nothing is
    // changed then), or the forwarder (Links::Userspace; always true).
    bool degrade(size_t member, unsigned loss_percent, unsigned delay_ms);
    void clear_degrade(size_t member);
    // Packets the forwarder delivered, lost and could not route so far
    // (Links::Userspace; all zero for Links::Veth).
    LinkStats link_stats() const;

    // Runs a command in a member's namespace (or the hub's with kHub);
    // throws with its output when it fails.
    static constexpr size_t kHub = static_cast<size_t>(-1);
    void run_in(size_t member, const std::vector<std::string>& argv) const;

  private:
    pid_t holder(size_t member) const;
    void build_veth_links();
    void build_userspace_links();

    pid_t hub_ = -1;
    std::vector<pid_t> holders_;
    std::set<std::pair<size_t, size_t>> blocked_;
    std::set<size_t> degraded_;
    std::unique_ptr<TunLinks> tun_links_;  // Links::Userspace only
};

}  // namespace cc::faults
