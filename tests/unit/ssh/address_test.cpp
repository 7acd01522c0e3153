#include <gtest/gtest.h>

#include "daemon/net/ssh/address.hpp"

namespace {

using cc::ssh::detail::split_address;

TEST(SplitAddress, acceptsTheUsualForms) {
    auto a = split_address("mgt1", 13001);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "mgt1");
    EXPECT_EQ(a->port, 13001);
    auto b = split_address("127.0.0.2:14000", 13001);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "127.0.0.2");
    EXPECT_EQ(b->port, 14000);
    auto c = split_address("[::1]:15000", 13001);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 15000);
    auto d = split_address("fe80::1", 13001);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->host, "fe80::1");
    EXPECT_EQ(d->port, 13001);
}

TEST(SplitAddress, rejectsMalformedAddresses) {
    for (std::string bad :
         {"", ":13001", "h:", "h:0", "h:65536", "h:12x", "[::1", "[::1]x", "[]:1"}) {
        EXPECT_FALSE(split_address(bad, 13001)) << bad;
    }
}

}  // namespace
