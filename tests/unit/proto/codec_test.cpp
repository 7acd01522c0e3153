#include <gtest/gtest.h>

#include "proto/codec.hpp"
#include "proto/frame.hpp"
#include "proto/raft_types.hpp"

namespace {

struct V1 {
    uint64_t a = 0;
    std::string b;
    CC_PROTO_FIELDS(a, b)
};
struct V2 {
    uint64_t a = 0;
    std::string b;
    std::vector<int32_t> c{7};
    CC_PROTO_FIELDS(a, b, c)
};

TEST(Codec, roundTripsEveryKind) {
    proto::Membership m{{{"mgt1", "127.0.0.1:13001", "SHA256:abc", proto::Role::Voter},
                         {"mgt2", "127.0.0.2:13001", "SHA256:def", proto::Role::NonVoter}}};
    EXPECT_EQ(proto::from_bytes<proto::Membership>(proto::to_bytes(m)), m);
    std::map<std::string, std::optional<int64_t>> x{{"neg", -5}, {"none", std::nullopt}};
    EXPECT_EQ((proto::from_bytes<decltype(x)>(proto::to_bytes(x))), x);
    std::variant<V1, std::string> v = std::string("hi");
    auto back = proto::from_bytes<decltype(v)>(proto::to_bytes(v));
    EXPECT_EQ(std::get<std::string>(back), "hi");
}

TEST(Codec, olderReaderSkipsNewFieldsAndNewerReaderDefaultsMissingOnes) {
    V2 newer{1, "x", {1, 2}};
    auto old = proto::from_bytes<V1>(proto::to_bytes(newer));
    EXPECT_EQ(old.a, 1u);
    EXPECT_EQ(old.b, "x");
    auto fresh = proto::from_bytes<V2>(proto::to_bytes(V1{2, "y"}));
    EXPECT_EQ(fresh.a, 2u);
    EXPECT_EQ(fresh.c, std::vector<int32_t>{7});
}

TEST(Codec, rejectsTruncatedAndHostileInput) {
    auto bytes = proto::to_bytes(V1{300, "hello"});
    for (size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_THROW(proto::from_bytes<V1>(bytes.substr(0, n)), proto::DecodeError) << n;
    }
    EXPECT_THROW(proto::from_bytes<V1>(bytes + "z"), proto::DecodeError);
    // A vector claiming a billion elements in a 6-byte buffer.
    std::string huge = "\x80\x94\xeb\xdc\x03\x00";
    EXPECT_THROW(proto::from_bytes<std::vector<std::string>>(huge), proto::DecodeError);
    EXPECT_THROW(proto::from_bytes<bool>("\x02"), proto::DecodeError);
    EXPECT_THROW((proto::from_bytes<std::variant<V1>>("\x05\x00")), proto::DecodeError);
    EXPECT_THROW(proto::from_bytes<uint8_t>("\x80\x02"), proto::DecodeError);
}

TEST(FrameReader, splitsStreamAndRefusesOversizedFrames) {
    proto::FrameReader fr;
    std::string stream = proto::frame("one") + proto::frame("") + proto::frame("three");
    for (char c : stream) fr.feed(std::string_view(&c, 1));
    EXPECT_EQ(fr.next(), "one");
    EXPECT_EQ(fr.next(), "");
    EXPECT_EQ(fr.next(), "three");
    EXPECT_EQ(fr.next(), std::nullopt);
    proto::FrameReader small(10);
    small.feed(proto::frame(std::string(11, 'x')));
    EXPECT_THROW(small.next(), proto::DecodeError);
}

}  // namespace
