// LinkEmulator routes by destination address, loses the asked share, delays
// by the asked time and never reorders one sender's packets. No root needed.
#include "tests/faults/link_emulator.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace {

using cc::faults::LinkEmulator;
using cc::faults::LinkFault;
using namespace std::chrono_literals;

uint32_t ip(const char* text) {
    in_addr a{};
    ::inet_pton(AF_INET, text, &a);
    return a.s_addr;
}

LinkEmulator two_members() {
    return LinkEmulator({ip("192.0.2.11"), ip("192.0.2.12")}, 7);
}

// A minimal IPv4 header to `dst` whose last byte is `tag`.
LinkEmulator::Packet packet_to(const char* dst, unsigned char tag) {
    LinkEmulator::Packet p(21, 0);
    p[0] = 0x45;
    uint32_t d = ip(dst);
    std::memcpy(p.data() + 16, &d, sizeof d);
    p[20] = tag;
    return p;
}

TEST(LinkEmulator, release_deliversToTheAddressedMemberAfterTheDelay) {
    auto e = two_members();
    e.set_fault(0, {0, 30ms});
    auto t0 = LinkEmulator::Clock::now();
    e.accept(0, packet_to("192.0.2.12", 1), t0);
    EXPECT_TRUE(e.next_due() == t0 + 30ms);
    EXPECT_TRUE(e.release(t0 + 29ms).empty());
    auto out = e.release(t0 + 30ms);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].to, 1u);
    EXPECT_EQ(out[0].packet, packet_to("192.0.2.12", 1));
    EXPECT_FALSE(e.next_due());
    EXPECT_EQ(e.stats().delivered, 1u);
}

TEST(LinkEmulator, accept_dropsWhatIsNotIpv4ForAMember) {
    auto e = two_members();
    auto t0 = LinkEmulator::Clock::now();
    e.accept(0, packet_to("192.0.2.99", 1), t0);
    auto v6 = packet_to("192.0.2.12", 2);
    v6[0] = 0x60;
    e.accept(0, v6, t0);
    e.accept(0, LinkEmulator::Packet(19, 0x45), t0);
    EXPECT_TRUE(e.release(t0 + 1s).empty());
    EXPECT_EQ(e.stats().unroutable, 3u);
}

TEST(LinkEmulator, accept_losesAboutTheAskedShareOfWhatTheDegradedMemberSends) {
    auto e = two_members();
    e.set_fault(0, {10, 0ms});
    auto t0 = LinkEmulator::Clock::now();
    for (int i = 0; i < 10000; ++i) {
        e.accept(0, packet_to("192.0.2.12", 1), t0);
        e.accept(1, packet_to("192.0.2.11", 2), t0);
    }
    EXPECT_GT(e.stats().lost, 800u);
    EXPECT_LT(e.stats().lost, 1200u);
    size_t from_one = 0;
    for (const auto& d : e.release(t0))
        if (d.to == 0) ++from_one;
    EXPECT_EQ(from_one, 10000u) << "member 1 is not degraded";
}

TEST(LinkEmulator, accept_sameSeedLosesTheSamePackets) {
    auto a = two_members();
    auto b = two_members();
    a.set_fault(0, {50, 0ms});
    b.set_fault(0, {50, 0ms});
    auto t0 = LinkEmulator::Clock::now();
    for (unsigned char i = 0; i < 200; ++i) {
        a.accept(0, packet_to("192.0.2.12", i), t0);
        b.accept(0, packet_to("192.0.2.12", i), t0);
    }
    auto da = a.release(t0);
    auto db = b.release(t0);
    ASSERT_EQ(da.size(), db.size());
    EXPECT_LT(da.size(), 200u);
    for (size_t i = 0; i < da.size(); ++i) EXPECT_EQ(da[i].packet, db[i].packet);
}

TEST(LinkEmulator, release_keepsASendersOrderWhenItsDelayIsLowered) {
    auto e = two_members();
    e.set_fault(0, {0, 100ms});
    auto t0 = LinkEmulator::Clock::now();
    e.accept(0, packet_to("192.0.2.12", 1), t0);
    e.set_fault(0, {});
    e.accept(0, packet_to("192.0.2.12", 2), t0 + 1ms);
    EXPECT_TRUE(e.release(t0 + 50ms).empty()) << "the second packet must not overtake";
    auto out = e.release(t0 + 100ms);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].packet[20], 1);
    EXPECT_EQ(out[1].packet[20], 2);
}

TEST(LinkEmulator, setFault_rejectsMoreThanAllPackets) {
    auto e = two_members();
    EXPECT_THROW(e.set_fault(0, {101, 0ms}), std::invalid_argument);
    e.set_fault(0, {100, 0ms});
    e.accept(0, packet_to("192.0.2.12", 1), LinkEmulator::Clock::now());
    EXPECT_EQ(e.stats().lost, 1u);
}

}  // namespace
