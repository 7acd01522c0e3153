#include "tests/collective/cluster.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace cc::ct {

// A /24 of the loopback net per cluster (127.0.R.10, .11, ...): R starts at
// a random value and is taken only when its lock file (in /tmp, flock) is
// free, so tests running side by side, in this process or another, never
// share an address.
Cluster::SubnetLock::SubnetLock() {
    std::random_device rd;
    unsigned start = rd() % 254;
    for (unsigned k = 0; k < 254 && fd < 0; ++k) {
        unsigned r = 1 + (start + k) % 254;
        auto path = "/tmp/cc-test-loopback-127.0." + std::to_string(r) + ".lock";
        int f = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (f < 0) continue;
        if (::flock(f, LOCK_EX | LOCK_NB) == 0) {
            fd = f;
            subnet = r;
        } else {
            ::close(f);
        }
    }
    if (fd < 0) throw std::runtime_error("no free loopback /24 for a test cluster");
}

Cluster::SubnetLock::~SubnetLock() {
    if (fd >= 0) ::close(fd);
}

Cluster::Cluster(size_t members) {
    const unsigned subnet = subnet_.subnet;
    for (size_t i = 0; i < members; ++i) {
        members_.push_back(std::make_unique<it::Member>("mgt" + std::to_string(i + 1)));
        addresses_.emplace_back();
        move(i, "127.0." + std::to_string(subnet) + "." + std::to_string(10 + i));
    }
}

void Cluster::move(size_t i, const std::string& address, bool advertise) {
    std::ofstream toml(members_.at(i)->etc / "confluent.toml");
    toml << "[collective]\nlisten = \"" << address << "\"\n";
    if (advertise) toml << "advertise = \"" << address << "\"\n";
    addresses_.at(i) = address;
}

std::string Cluster::address(size_t i) const {
    return addresses_.at(i);
}

void Cluster::start_all() {
    for (auto& m : members_) m->start();
}

std::string Cluster::ok(size_t i, const std::string& tool, const std::vector<std::string>& args) {
    auto r = run(i, tool, args);
    EXPECT_EQ(r.status, 0) << tool << " on mgt" << i + 1 << "\n" << r;
    EXPECT_EQ(r.err, "") << tool << " on mgt" << i + 1;
    return r.out;
}

std::string Cluster::fails(size_t i, const std::string& tool, const std::vector<std::string>& args,
                           int status) {
    auto r = run(i, tool, args);
    EXPECT_EQ(r.status, status) << tool << " on mgt" << i + 1 << "\n" << r;
    EXPECT_EQ(r.out, "") << tool;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    if (!r.err.empty() && r.err.back() == '\n') r.err.pop_back();
    return r.err;
}

std::string Cluster::invite_and_join(size_t inviter, size_t joiner, bool nonvoting) {
    std::vector<std::string> args{"invite", "mgt" + std::to_string(joiner + 1)};
    if (nonvoting) args.push_back("-n");
    auto inv = run(inviter, "collective", args);
    EXPECT_EQ(inv.status, 0) << inv;
    std::string token = inv.out.substr(0, inv.out.find('\n'));
    auto j = run(joiner, "collective", {"join", address(inviter), "-i", token});
    EXPECT_EQ(j.status, 0) << j << "\n" << members_[joiner]->log();
    return j.out;
}

std::string Cluster::show_until(size_t i, const std::string& expected,
                                std::chrono::milliseconds bound) {
    std::string last;
    out_until(
        i, "collective", {"show"},
        [&](const std::string& out) {
            last = out;
            return out == expected;
        },
        bound);
    return last;
}

std::string Cluster::out_until(size_t i, const std::string& tool,
                               const std::vector<std::string>& args, const std::string& expected,
                               std::chrono::milliseconds bound) {
    return out_until(
        i, tool, args, [&](const std::string& out) { return out == expected; }, bound);
}

std::string Cluster::out_until(size_t i, const std::string& tool,
                               const std::vector<std::string>& args,
                               const std::function<bool(const std::string&)>& done,
                               std::chrono::milliseconds bound) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        auto r = run(i, tool, args);
        std::string last = r.status == 0 ? r.out : r.out + r.err;
        if ((r.status == 0 && done(r.out)) || std::chrono::steady_clock::now() > deadline)
            return last;
        std::this_thread::sleep_for(50ms);
    }
}

}  // namespace cc::ct
