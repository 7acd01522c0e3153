// Hostile-input bounds of the codec (proto/codec.hpp): decoded memory is a
// small multiple of the bytes read, terms and log indexes stay below 2^62,
// and the frame splitter is linear in what it is fed. Regressions of what
// the fuzz targets (tests/fuzz) and the issue "hostile input" found.
#include <gtest/gtest.h>

#include <chrono>

#include "proto/codec.hpp"
#include "proto/frame.hpp"
#include "proto/peer.hpp"
#include "proto/peer_message.hpp"
#include "proto/raft_types.hpp"

namespace {

// A message whose body is `body`, as the codec writes it.
std::string message(const std::string& body) {
    proto::Writer w;
    w.varint(body.size());
    w.raw(body);
    return w.take();
}

// `n` members of zero bytes each: one byte on the wire, ~100 in memory.
std::string empty_members(size_t n) {
    proto::Writer w;
    w.varint(n);
    return message(w.take() + std::string(n, '\0'));
}

TEST(DecodeMemory, joinAcceptOfAMebibyteOfEmptyMembersIsRefused) {
    const size_t n = 1u << 20;
    std::string accept = message(empty_members(n));  // JoinAccept{members} only
    proto::Writer w;
    w.varint(3);  // JoinMessage alternative JoinAccept
    w.raw(accept);
    std::string bytes = w.take();
    ASSERT_LT(bytes.size(), proto::kMaxJoinFrameBytes + 16);
    // Decoded it would hold n * sizeof(MemberInfo) (~100 MB); the budget is
    // 16 bytes per encoded byte, so it is refused before anything is allocated.
    EXPECT_GT(n * sizeof(proto::MemberInfo), proto::kDecodeAmplification * bytes.size() * 5);
    EXPECT_THROW(proto::from_bytes<proto::JoinMessage>(bytes), proto::DecodeError);
}

TEST(DecodeMemory, budgetIsSharedByNestedMessages) {
    // One list of 2000 empty members fits the budget of its own bytes (plus
    // the slack); 32 of them inside one message do not: each body's reader
    // draws on the whole value's budget.
    const size_t n = 2000;
    EXPECT_EQ(proto::from_bytes<proto::Membership>(empty_members(n)).members.size(), n);
    proto::Writer w;
    w.varint(32);
    for (int i = 0; i < 32; ++i) w.raw(empty_members(n));
    EXPECT_THROW(proto::from_bytes<std::vector<proto::Membership>>(w.take()), proto::DecodeError);
}

TEST(DecodeMemory, realisticLargeMessagesStillDecode) {
    // The legitimate worst ratio: a long list of one-character names.
    std::vector<std::string> names(1u << 20, "a");
    EXPECT_EQ(proto::from_bytes<std::vector<std::string>>(proto::to_bytes(names)), names);
    // Entries as a leader sends them, and a large member list.
    proto::AppendRequest append;
    for (uint64_t i = 1; i <= 100000; ++i) append.entries.push_back({3, i, {}, {}});
    auto back = proto::from_bytes<proto::AppendRequest>(proto::to_bytes(append));
    EXPECT_EQ(back.entries.size(), 100000u);
    proto::Membership m;
    for (int i = 0; i < 10000; ++i) {
        m.members.push_back({"mgt" + std::to_string(i), "10.0.0.1:13001",
                             "SHA256:0123456789012345678901234567890123456789012"});
    }
    EXPECT_EQ(proto::from_bytes<proto::Membership>(proto::to_bytes(m)), m);
}

TEST(DecodeMemory, mapEntriesAreChargedTheirTreeNodes) {
    // One million empty key/value pairs would be ~100 MB of tree nodes.
    proto::Writer w;
    w.varint(1u << 20);
    std::string bytes = w.take() + std::string(2u << 20, '\0');
    EXPECT_THROW((proto::from_bytes<std::map<std::string, std::string>>(bytes)),
                 proto::DecodeError);
}

// ---- terms and log indexes ----

constexpr uint64_t kLimit = proto::kMaxTermOrIndex;

template <class T>
proto::PeerMessage round_trip(const T& m) {
    return proto::from_bytes<proto::PeerMessage>(proto::to_bytes(proto::PeerMessage{m}));
}

TEST(DecodeTerms, termOrIndexOf2To62OrMoreIsRefusedInEveryConsensusMessage) {
    for (uint64_t bad : {kLimit, uint64_t{1} << 63, ~uint64_t{0}}) {
        EXPECT_THROW(round_trip(proto::VoteRequest{bad, 0, 0, false, false}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::VoteRequest{1, bad, 0, false, false}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::VoteRequest{1, 0, bad, false, false}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::VoteResponse{bad, true, false}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendRequest{bad, 0, 0, {}, 0, 0}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendRequest{1, 0, 0, {}, bad, 0}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendRequest{1, 0, 0, {{bad, 1, {}, {}}}, 0, 0}),
                     proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendRequest{1, 0, 0, {{1, bad, {}, {}}}, 0, 0}),
                     proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendResponse{1, true, bad, 0, 0}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::AppendResponse{1, false, 0, bad, 0}), proto::DecodeError);
        proto::SnapshotChunk chunk;
        chunk.index = bad;
        EXPECT_THROW(round_trip(chunk), proto::DecodeError);
        chunk.index = 1;
        chunk.membership_index = bad;
        EXPECT_THROW(round_trip(chunk), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::SnapshotAck{1, bad, 0, false}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::TimeoutNow{bad}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::ForwardProposal{bad, 1, 1, {}, {}}), proto::DecodeError);
        proto::ForwardReply reply;
        reply.entry_term = bad;
        EXPECT_THROW(round_trip(reply), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::ReadIndexRequest{bad, 1, 1}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::ReadIndexReply{1, 1, 1, true, bad}), proto::DecodeError);
        EXPECT_THROW(round_trip(proto::LeaderView{bad, {}}), proto::DecodeError);
        proto::JoinAccept accept;
        accept.commit_index = bad;
        EXPECT_THROW(
            proto::from_bytes<proto::JoinMessage>(proto::to_bytes(proto::JoinMessage{accept})),
            proto::DecodeError);
        EXPECT_THROW(proto::from_bytes<proto::Entry>(proto::to_bytes(proto::Entry{bad, 1, {}, {}})),
                     proto::DecodeError);
    }
}

TEST(DecodeTerms, valuesJustBelowTheBoundDecode) {
    const uint64_t top = kLimit - 1;
    auto m = round_trip(proto::AppendRequest{top, top, top, {{top, top, {}, "x"}}, top, ~0ull});
    const auto& a = std::get<proto::AppendRequest>(m);
    EXPECT_EQ(a.term, top);
    EXPECT_EQ(a.entries.at(0).index, top);
    EXPECT_EQ(a.seq, ~0ull);  // a counter, not a term or index: unbounded
}

TEST(DecodeEnums, valueBeyondTheUnderlyingTypeIsRefusedNotTruncated) {
    // EntryKind is a uint8_t: 257 must not read as 1 (Command).
    proto::Writer w;
    w.varint(257);
    EXPECT_THROW(proto::from_bytes<proto::EntryKind>(w.data()), proto::DecodeError);
    EXPECT_EQ(proto::from_bytes<proto::EntryKind>(proto::to_bytes(proto::EntryKind::Membership)),
              proto::EntryKind::Membership);
    // Unknown but representable values still decode (a newer writer's kind).
    EXPECT_EQ(static_cast<int>(proto::from_bytes<proto::EntryKind>("\x09")), 9);
}

// ---- frames ----

TEST(FrameReader, manySmallFramesFedAtOnceAreSplitInLinearTime) {
    // A million keepalives in one read: erasing each frame from the front
    // would move ~2 TB; a read offset moves nothing.
    const size_t n = 1'000'000;
    std::string stream;
    stream.reserve(4 * n + 8);
    for (size_t i = 0; i < n; ++i) stream += proto::frame("");
    proto::FrameReader fr;
    auto start = std::chrono::steady_clock::now();
    fr.feed(stream);
    size_t popped = 0;
    while (auto p = fr.next()) {
        EXPECT_TRUE(p->empty());
        ++popped;
    }
    EXPECT_EQ(popped, n);
    EXPECT_EQ(fr.buffered(), 0u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(FrameReader, keepsPartialFramesAcrossCompaction) {
    proto::FrameReader fr;
    std::string stream;
    for (int i = 0; i < 1000; ++i)
        stream += proto::frame(std::string(size_t(i % 37), char('a' + i % 26)));
    // Odd-sized pieces so frames straddle every feed, and pops between feeds.
    std::vector<std::string> got;
    for (size_t at = 0; at < stream.size(); at += 13) {
        fr.feed(std::string_view(stream).substr(at, 13));
        while (auto p = fr.next()) got.push_back(*p);
    }
    ASSERT_EQ(got.size(), 1000u);
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(got[i], std::string(size_t(i % 37), char('a' + i % 26))) << i;
    EXPECT_EQ(fr.buffered(), 0u);
}

}  // namespace
