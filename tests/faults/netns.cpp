#include "tests/faults/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/faults/tun_links.hpp"
#include "tests/integration/harness.hpp"

namespace cc::faults {

namespace {

constexpr const char* kNsenter = "/usr/bin/nsenter";

// A child that enters a new network namespace and waits to be killed. Only
// async-signal-safe calls after fork (the test process has threads).
pid_t spawn_holder() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
        (void)!::write(p[1], &ok, 1);
        for (;;) ::pause();
    }
    ::close(p[1]);
    char ok = '0';
    ssize_t n = ::read(p[0], &ok, 1);
    ::close(p[0]);
    if (n != 1 || ok != '1') {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw NetUnavailable("cannot create a network namespace (needs root / CAP_SYS_ADMIN)");
    }
    return pid;
}

void kill_holder(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

TestNet::TestNet(size_t members, Links links) {
    try {
        for (size_t i = 0; i < members; ++i) {
            holders_.push_back(spawn_holder());
            run_in(i, {"ip", "link", "set", "lo", "up"});
        }
        if (links == Links::Veth)
            build_veth_links();
        else
            build_userspace_links();
    } catch (...) {
        tun_links_.reset();
        for (pid_t h : holders_) kill_holder(h);
        kill_holder(hub_);
        throw;
    }
}

void TestNet::build_veth_links() {
    hub_ = spawn_holder();
    run_in(kHub, {"ip", "link", "add", "br0", "type", "bridge"});
    run_in(kHub, {"ip", "link", "set", "br0", "up"});
    for (size_t i = 0; i < size(); ++i) {
        std::string port = "m" + std::to_string(i);
        run_in(kHub, {"ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns",
                      std::to_string(holders_[i])});
        run_in(kHub, {"ip", "link", "set", port, "master", "br0", "up"});
        run_in(i, {"ip", "addr", "add", address(i) + "/24", "dev", "eth0"});
        run_in(i, {"ip", "link", "set", "eth0", "up"});
    }
}

// TUN devices are point-to-point and NOARP, so the /24 route sends every
// member's packets straight to the forwarder; their MTU is 1500 like the
// veths'.
void TestNet::build_userspace_links() {
    std::vector<std::string> paths;
    std::vector<uint32_t> addresses;
    for (size_t i = 0; i < size(); ++i) {
        paths.push_back(netns_path(i));
        in_addr a{};
        ::inet_pton(AF_INET, address(i).c_str(), &a);
        addresses.push_back(a.s_addr);
    }
    constexpr uint64_t kLossSeed = 5;
    tun_links_ = std::make_unique<TunLinks>(paths, std::move(addresses), "tun0", kLossSeed);
    for (size_t i = 0; i < size(); ++i) {
        run_in(i, {"ip", "addr", "add", address(i) + "/24", "dev", "tun0"});
        run_in(i, {"ip", "link", "set", "tun0", "up"});
    }
}

TestNet::~TestNet() {
    tun_links_.reset();
    for (pid_t h : holders_) kill_holder(h);
    kill_holder(hub_);
}

std::string TestNet::address(size_t member) const {
    return "192.0.2." + std::to_string(11 + member);
}

pid_t TestNet::holder(size_t member) const {
    return member == kHub ? hub_ : holders_.at(member);
}

std::string TestNet::netns_path(size_t member) const {
    return "/proc/" + std::to_string(holder(member)) + "/ns/net";
}

void TestNet::run_in(size_t member, const std::vector<std::string>& argv) const {
    std::vector<std::string> args{"--net=" + netns_path(member)};
    args.insert(args.end(), argv.begin(), argv.end());
    auto r = cc::it::run_program(kNsenter, args, {});
    if (r.status != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += " " + a;
        throw std::runtime_error("network setup failed:" + cmd + ": " + r.err);
    }
}

void TestNet::block(size_t from, size_t to) {
    if (from == to || !blocked_.insert({from, to}).second) return;
    run_in(from, {"ip", "route", "add", "blackhole", address(to) + "/32"});
}

void TestNet::unblock(size_t from, size_t to) {
    if (blocked_.erase({from, to}) == 0) return;
    run_in(from, {"ip", "route", "del", "blackhole", address(to) + "/32"});
}

void TestNet::isolate(size_t member) {
    for (size_t other = 0; other < size(); ++other) {
        block(member, other);
        block(other, member);
    }
}

void TestNet::partition(const std::vector<size_t>& a, const std::vector<size_t>& b) {
    for (size_t x : a)
        for (size_t y : b) {
            block(x, y);
            block(y, x);
        }
}

void TestNet::heal() {
    auto all = blocked_;
    for (auto [from, to] : all) unblock(from, to);
}

bool TestNet::degrade(size_t member, unsigned loss_percent, unsigned delay_ms) {
    if (tun_links_) {
        tun_links_->set_fault(member, {loss_percent, std::chrono::milliseconds(delay_ms)});
        degraded_.insert(member);
        return true;
    }
    std::vector<std::string> argv{"tc",
                                  "qdisc",
                                  "replace",
                                  "dev",
                                  "eth0",
                                  "root",
                                  "netem",
                                  "loss",
                                  std::to_string(loss_percent) + "%",
                                  "delay",
                                  std::to_string(delay_ms) + "ms"};
    std::vector<std::string> args{"--net=" + netns_path(member)};
    args.insert(args.end(), argv.begin(), argv.end());
    if (cc::it::run_program(kNsenter, args, {}).status != 0) return false;
    degraded_.insert(member);
    return true;
}

void TestNet::clear_degrade(size_t member) {
    if (degraded_.erase(member) == 0) return;
    if (tun_links_)
        tun_links_->set_fault(member, {});
    else
        run_in(member, {"tc", "qdisc", "del", "dev", "eth0", "root"});
}

LinkStats TestNet::link_stats() const {
    return tun_links_ ? tun_links_->stats() : LinkStats{};
}

}  // namespace cc::faults
