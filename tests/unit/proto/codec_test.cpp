#include <gtest/gtest.h>

#include "proto/api.hpp"
#include "proto/codec.hpp"
#include "proto/frame.hpp"
#include "proto/outcome.hpp"
#include "proto/peer.hpp"
#include "proto/peer_message.hpp"
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

// proto/outcome.hpp: the one outcome type, its exit status and wire values.
TEST(Outcome, exitStatusTellsDoneBadInputRefusedNoQuorumAndUnknownApart) {
    using proto::Outcome;
    EXPECT_EQ(proto::exit_code(Outcome::Done), 0);
    for (auto o : {Outcome::BadRequest, Outcome::NotFound, Outcome::AlreadyExists})
        EXPECT_EQ(proto::exit_code(o), 1) << int(o);
    for (auto o :
         {Outcome::StorageFailed, Outcome::PermissionDenied, Outcome::NotInCollective,
          Outcome::Internal, Outcome::NotLeader, Outcome::Refused, Outcome::NeedsNewerBuild})
        EXPECT_EQ(proto::exit_code(o), 2) << int(o);
    EXPECT_EQ(proto::exit_code(Outcome::NoQuorum), 3);
    EXPECT_EQ(proto::exit_code(Outcome::Unknown), 4);
    // A value from a newer daemon: not carried out as far as this build knows.
    EXPECT_EQ(proto::exit_code(static_cast<Outcome>(200)), 2);
    EXPECT_EQ(proto::default_text(static_cast<Outcome>(200)), "unknown outcome");
}

TEST(Outcome, everyOutcomeHasADefaultTextAndAGivenTextWins) {
    for (int v = 0; v <= int(proto::Outcome::Done); ++v)
        EXPECT_FALSE(proto::default_text(static_cast<proto::Outcome>(v)).empty()) << v;
    EXPECT_EQ(proto::text_or_default(proto::Outcome::NoQuorum, ""),
              "Collective does not have quorum");
    EXPECT_EQ(proto::text_or_default(proto::Outcome::NoQuorum, "mine"), "mine");
}

TEST(Outcome, commandResultCodesMapToOutcomes) {
    EXPECT_EQ(proto::outcome_of(proto::ResultCode::Ok), proto::Outcome::Done);
    EXPECT_EQ(proto::outcome_of(proto::ResultCode::BadRequest), proto::Outcome::BadRequest);
    EXPECT_EQ(proto::outcome_of(proto::ResultCode::NotFound), proto::Outcome::NotFound);
}

TEST(Outcome, apiErrorKeepsTheFormerApiErrorCodeWireValues) {
    // The former ApiErrorCode: BadRequest 0 ... AlreadyExists 7.
    proto::ApiError e{proto::Outcome::NoQuorum, "x"};
    auto bytes = proto::to_bytes(proto::ApiResponse{e});
    auto back = std::get<proto::ApiError>(proto::from_bytes<proto::ApiResponse>(bytes));
    EXPECT_EQ(back.code, proto::Outcome::NoQuorum);
    EXPECT_EQ(int(proto::Outcome::NoQuorum), 2);
    EXPECT_EQ(int(proto::Outcome::AlreadyExists), 7);
}

struct OldJoinRefused {  // JoinRefused as inviters before the outcome field sent it
    std::string reason;
    CC_PROTO_FIELDS(reason)
};

TEST(Outcome, joinRefusedFromAnOlderInviterDecodesAsRefused) {
    auto r =
        proto::from_bytes<proto::JoinRefused>(proto::to_bytes(OldJoinRefused{"Invalid token"}));
    EXPECT_EQ(r.reason, "Invalid token");
    EXPECT_EQ(r.outcome, proto::Outcome::Refused);
    proto::JoinRefused q{"Collective does not have quorum", proto::Outcome::NoQuorum};
    EXPECT_EQ(proto::from_bytes<proto::JoinRefused>(proto::to_bytes(q)), q);
    EXPECT_EQ(proto::from_bytes<OldJoinRefused>(proto::to_bytes(q)).reason, q.reason);
}

// nodepower -p: the fields v3 builds send and read, before show_previous
// and previous were appended.
struct V3NodeRequest {
    uint64_t id = 0;
    std::string operation;
    std::string argument;
    std::vector<std::string> nodes;
    CC_PROTO_FIELDS(id, operation, argument, nodes)
};
struct V3NodeResult {
    std::string node;
    bool ok = false;
    std::string text;
    CC_PROTO_FIELDS(node, ok, text)
};

TEST(PeerMessage, nodepowerShowPrevious_isSkippedByAnOlderManager_andMissingInItsAnswer) {
    proto::NodeRequest asked{9, "power", "on", {"n1"}, true};
    auto old = proto::from_bytes<V3NodeRequest>(proto::to_bytes(asked));
    EXPECT_EQ(old.argument, "on");
    EXPECT_EQ(old.nodes, std::vector<std::string>{"n1"});
    // What the older manager answers: no previous state.
    auto answer =
        proto::from_bytes<proto::NodeResult>(proto::to_bytes(V3NodeResult{"n1", true, "on"}));
    EXPECT_EQ(answer, (proto::NodeResult{"n1", true, "on", ""}));
    proto::NodeResult now{"n1", true, "on", "off"};
    EXPECT_EQ(proto::from_bytes<proto::NodeResult>(proto::to_bytes(now)), now);
}

}  // namespace

// The peer router encodes a consensus message as a RaftMessage and decodes
// every frame as a PeerMessage: the same bytes, and the type numbers of the
// single variant older builds used (LeaderView was its twelfth alternative).
TEST(PeerMessage, consensusFamilyBytesAreTheRaftMessageBytes_andLeaderViewKeepsNumber11) {
    proto::RaftMessage append =
        proto::AppendRequest{7, 3, 2, {proto::Entry{7, 4, proto::EntryKind::Noop, ""}}, 3, 9};
    auto bytes = proto::to_bytes(append);
    EXPECT_EQ(bytes, proto::to_bytes(proto::to_peer_message(append)));
    auto back = proto::from_bytes<proto::PeerMessage>(bytes);
    EXPECT_EQ(proto::family_of(back), proto::PeerFamily::Consensus);
    EXPECT_EQ(back.index(), append.index());

    proto::PeerMessage view = proto::LeaderView{5, {{"mgt2", 1, 20}}};
    EXPECT_EQ(view.index(), 11u);
    EXPECT_EQ(proto::to_bytes(view).at(0), '\x0b');  // the varint type number
    EXPECT_EQ(proto::family_of(view), proto::PeerFamily::LeaderView);
    EXPECT_EQ(proto::min_version(proto::PeerFamily::LeaderView), 2u);
    // A consensus-only decoder (the core's type) refuses it, as a v1 member did.
    EXPECT_THROW(proto::from_bytes<proto::RaftMessage>(proto::to_bytes(view)), proto::DecodeError);
}
