#include <gtest/gtest.h>

#include "proto/peer.hpp"

namespace {

proto::Hello hello(uint32_t lo, uint32_t hi, std::string name = "m") {
    proto::Hello h;
    h.min_version = lo;
    h.max_version = hi;
    h.name = std::move(name);
    return h;
}

TEST(NegotiateVersion, picksTheHighestCommonVersion) {
    EXPECT_EQ(proto::negotiate_version(hello(1, 1), hello(1, 1)), 1u);
    EXPECT_EQ(proto::negotiate_version(hello(1, 3), hello(2, 5)), 3u);
    EXPECT_EQ(proto::negotiate_version(hello(2, 5), hello(1, 3)), 3u);  // symmetric
    EXPECT_EQ(proto::negotiate_version(hello(1, 2), hello(2, 2)), 2u);  // one version ahead
}

TEST(NegotiateVersion, refusesDisjointOrEmptyRanges) {
    EXPECT_EQ(proto::negotiate_version(hello(1, 1), hello(2, 3)), std::nullopt);
    EXPECT_EQ(proto::negotiate_version(hello(3, 2), hello(1, 5)), std::nullopt);
    auto text = proto::version_refusal(hello(1, 1, "mgt1"), hello(2, 3, "mgt2"));
    EXPECT_EQ(text,
              "member mgt2 speaks peer protocol versions 2..3, this member speaks 1..1; "
              "upgrade the older member so that the ranges overlap");
}

TEST(JoinMessage, roundTripsEveryAlternative) {
    proto::Membership m{{{"mgt1", "10.0.0.1:13001", "SHA256:x", proto::Role::Voter}}};
    std::vector<proto::JoinMessage> all = {
        proto::JoinRequest{"mgt2", std::string(32, '\1'), "10.0.0.2"},
        proto::JoinChallenge{std::string(32, '\2')},
        proto::JoinConfirm{},
        proto::JoinAccept{m, "mgt1", "10.0.0.2:13001", 42},
        proto::JoinRefused{"Invalid token"},
    };
    for (const auto& msg : all) {
        EXPECT_EQ(proto::from_bytes<proto::JoinMessage>(proto::to_bytes(msg)), msg);
    }
}

TEST(JoinMessage, typeNumbersAreStable) {
    // Appending alternatives is allowed; reordering would break older members.
    EXPECT_EQ(proto::to_bytes(proto::JoinMessage{proto::JoinRequest{}})[0], 0);
    EXPECT_EQ(proto::to_bytes(proto::JoinMessage{proto::JoinRefused{}})[0], 4);
    EXPECT_THROW(proto::from_bytes<proto::JoinMessage>(std::string("\x09\x00", 2)),
                 proto::DecodeError);
}

TEST(Hello, newerHelloWithExtraFieldsStillDecodes) {
    struct HelloV2 {
        uint32_t min_version = 1, max_version = 2;
        std::string name = "mgt9";
        std::string capabilities = "snapshots-v2";
        CC_PROTO_FIELDS(min_version, max_version, name, capabilities)
    };
    auto h = proto::from_bytes<proto::Hello>(proto::to_bytes(HelloV2{}));
    EXPECT_EQ(h.name, "mgt9");
    EXPECT_EQ(h.max_version, 2u);
}

}  // namespace
