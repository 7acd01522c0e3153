// TestNet cuts exactly the direction it is asked to, and leaves nothing behind;
// its userspace links also lose and delay what a degraded member sends.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "tests/faults/netns.hpp"
#include "tests/support/skip_or_fail.hpp"

namespace {

using cc::faults::Links;
using cc::faults::TestNet;
using namespace std::chrono_literals;

// Runs f on a thread that has entered the namespace: sockets it creates
// stay in that namespace.
template <class F>
int in_namespace(const std::string& ns, F f) {
    int fd = -1;
    std::thread t([&] {
        int nsfd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd >= 0 && ::setns(nsfd, CLONE_NEWNET) == 0) fd = f();
        if (nsfd >= 0) ::close(nsfd);
    });
    t.join();
    return fd;
}

sockaddr_in addr(const std::string& ip, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    return a;
}

// True when `fd` has a byte to read within `ms`, which it consumes.
bool receives(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return false;
    char c;
    return ::read(fd, &c, 1) == 1;
}

struct Pair {
    int a = -1, b = -1;  // connected: a in member 0, b in member 1
    ~Pair() {
        if (a >= 0) ::close(a);
        if (b >= 0) ::close(b);
    }
};

void connect_pair(TestNet& net, Pair& p) {
    int listener = in_namespace(net.netns_path(1), [&] {
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto a = addr("0.0.0.0", 4000);
        if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 1) != 0)
            return -1;
        return s;
    });
    ASSERT_GE(listener, 0);
    p.a = in_namespace(net.netns_path(0), [] { return ::socket(AF_INET, SOCK_STREAM, 0); });
    ASSERT_GE(p.a, 0);
    auto to = addr(net.address(1), 4000);
    ASSERT_EQ(::connect(p.a, reinterpret_cast<sockaddr*>(&to), sizeof to), 0) << errno;
    p.b = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    ASSERT_GE(p.b, 0);
}

// A TestNet of `members`, or nullptr when namespaces (or /dev/net/tun) are
// unavailable here; `why` says which.
std::unique_ptr<TestNet> net_or_null(size_t members, Links links, std::string& why) {
    try {
        return std::make_unique<TestNet>(members, links);
    } catch (const cc::faults::NetUnavailable& e) {
        why = e.what();
        return nullptr;
    }
}

#define NET_OR_SKIP(var, members, links)               \
    std::string var##_why;                             \
    auto var = net_or_null(members, links, var##_why); \
    if (!var) SKIP_OR_FAIL(var##_why);                 \
    static_assert(true)

void expect_block_cuts_one_direction(TestNet& net) {
    Pair p;
    connect_pair(net, p);
    ASSERT_EQ(::write(p.a, "x", 1), 1);
    EXPECT_TRUE(receives(p.b, 1000));
    net.block(0, 1);
    ASSERT_EQ(::write(p.a, "y", 1), 1);
    ASSERT_EQ(::write(p.b, "z", 1), 1);
    EXPECT_FALSE(receives(p.b, 500)) << "0 -> 1 should be cut";
    EXPECT_TRUE(receives(p.a, 1000)) << "1 -> 0 should still pass";
    net.heal();
    // TCP retransmits the byte that was dropped.
    EXPECT_TRUE(receives(p.b, 5000)) << "0 -> 1 should pass again after heal";
}

TEST(TestNet, blockCutsOneDirectionAndHealRestoresIt) {
    NET_OR_SKIP(net, 2, Links::Veth);
    expect_block_cuts_one_direction(*net);
}

TEST(TestNet, userspaceLinks_blockCutsOneDirectionAndHealRestoresIt) {
    NET_OR_SKIP(net, 2, Links::Userspace);
    expect_block_cuts_one_direction(*net);
    EXPECT_GT(net->link_stats().delivered, 0u) << "the bytes went through the forwarder";
}

TEST(TestNet, userspaceLinks_delayHoldsEachDirection) {
    NET_OR_SKIP(net, 2, Links::Userspace);
    Pair p;
    connect_pair(*net, p);
    constexpr auto kDelay = 100ms;
    ASSERT_TRUE(net->degrade(0, 0, kDelay.count()));
    ASSERT_TRUE(net->degrade(1, 0, kDelay.count()));
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(::write(p.a, "x", 1), 1);
    ASSERT_TRUE(receives(p.b, 5000));
    ASSERT_EQ(::write(p.b, "y", 1), 1);
    ASSERT_TRUE(receives(p.a, 5000));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 2 * kDelay);
    net->clear_degrade(0);
    net->clear_degrade(1);
    start = std::chrono::steady_clock::now();
    ASSERT_EQ(::write(p.a, "x", 1), 1);
    ASSERT_TRUE(receives(p.b, 5000));
    ASSERT_EQ(::write(p.b, "y", 1), 1);
    ASSERT_TRUE(receives(p.a, 5000));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2 * kDelay) << "delay cleared";
}

TEST(TestNet, userspaceLinks_lossDropsOnlyWhatTheDegradedMemberSends) {
    NET_OR_SKIP(net, 2, Links::Userspace);
    Pair p;
    connect_pair(*net, p);
    ASSERT_TRUE(net->degrade(0, 100, 0));
    ASSERT_EQ(::write(p.a, "y", 1), 1);
    ASSERT_EQ(::write(p.b, "z", 1), 1);
    EXPECT_FALSE(receives(p.b, 500)) << "everything 0 sends is lost";
    EXPECT_TRUE(receives(p.a, 1000)) << "1 -> 0 is not degraded";
    EXPECT_GT(net->link_stats().lost, 0u);
    net->clear_degrade(0);
    EXPECT_TRUE(receives(p.b, 5000)) << "TCP retransmits once loss is cleared";
}

TEST(TestNet, namespacesDisappearWithTheObject) {
    std::string path;
    try {
        TestNet net(1);
        path = net.netns_path(0);
        EXPECT_TRUE(std::filesystem::exists(path));
    } catch (const cc::faults::NetUnavailable& e) {
        SKIP_OR_FAIL(e.what());
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
