// Both sides of the join exchange (join_inviter + joiner) over a real SSH
// transport on loopback, with the log commit replaced by a function.
#include <gtest/gtest.h>

#include "daemon/collective/join_inviter.hpp"
#include "daemon/collective/joiner.hpp"
#include "daemon/crypto/invitation_book.hpp"
#include "daemon/net/ssh/peer_transport.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace cc;
using namespace std::chrono_literals;

struct Key {
    test::TempDir dir;
    crypto::MemberKey key;
    Key() {
        crypto::generate_key_and_cert(dir.path(), "test");
        key = crypto::load_private_key(dir.path() / crypto::kPrivateKeyFile);
    }
};

ssh::Limits fast() {
    ssh::Limits l;
    l.handshake_timeout = 5s;
    l.keepalive_interval = 200ms;
    l.dead_after = 3s;
    return l;
}

class Join : public ::testing::Test {
  protected:
    Join() : book(scratch.path() / "invitations") {
        ssh::TransportOptions o;
        o.my_name = "mgt1";
        o.listen_host = "127.0.0.1";
        o.listen_port = 0;
        o.limits = fast();
        o.members = [] { return std::vector<ssh::PeerEndpoint>{}; };
        o.accepting_joins = [this] { return book.has_pending(); };
        ssh::TransportHandlers h;
        h.on_join = [this](std::unique_ptr<ssh::Connection> conn) {
            collective::serve_join(*conn, book, inviter.key.blob, 13001,
                                   [this](proto::MemberInfo m) { return admit(std::move(m)); });
        };
        transport = std::make_unique<ssh::PeerTransport>(std::move(o), std::move(h), inviter.key);
        transport->start();
    }

    collective::AdmitResult admit(proto::MemberInfo m) {
        admitted = m;
        if (!refusal.reason.empty()) return refusal;
        proto::JoinAccept a;
        a.members.members = {{"mgt1", "127.0.0.1:13001", inviter.key.fingerprint}, m};
        a.leader = "mgt1";
        a.your_address = m.address;
        a.commit_index = 42;
        return a;
    }

    collective::JoinRequestOptions to_inviter(std::string advertise = "") {
        collective::JoinRequestOptions o;
        o.server = "127.0.0.1:" + std::to_string(transport->port());
        o.advertise = std::move(advertise);
        o.limits = fast();
        o.commit_timeout = 5s;
        return o;
    }

    std::string failure(const collective::JoinRequestOptions& o, const std::string& token,
                        const crypto::MemberKey& key) {
        try {
            collective::join_collective(o, crypto::parse_token(token), key);
        } catch (const collective::JoinFailure& e) {
            outcome = e.outcome;
            return e.what();
        }
        outcome = proto::Outcome::Done;
        return "joined";
    }

    test::TempDir scratch;
    Key inviter, joiner;
    crypto::InvitationBook book;
    std::unique_ptr<ssh::PeerTransport> transport;
    std::optional<proto::MemberInfo> admitted;
    proto::JoinRefused refusal;                     // reason empty: admit
    proto::Outcome outcome = proto::Outcome::Done;  // of the last failure()
};

TEST_F(Join, joinCollective_returnsTheAcceptOnceAdmitted) {
    auto token = book.invite("mgt2", proto::Role::NonVoter);
    auto accept = collective::join_collective(to_inviter(), crypto::parse_token(token), joiner.key);
    EXPECT_EQ(accept.commit_index, 42u);
    ASSERT_TRUE(admitted);
    EXPECT_EQ(admitted->name, "mgt2");
    EXPECT_EQ(admitted->fingerprint, joiner.key.fingerprint);
    EXPECT_EQ(admitted->role, proto::Role::NonVoter);
    EXPECT_EQ(admitted->address, "127.0.0.1:13001");  // the address seen, default port
    // Used up: the server now lets no unknown key in, which the joiner reports as a bad token.
    EXPECT_EQ(failure(to_inviter(), token, joiner.key), "Invalid token");
    EXPECT_EQ(outcome, proto::Outcome::BadRequest);
}

TEST_F(Join, joinCollective_recordsTheAdvertisedAddress) {
    auto token = book.invite("mgt2", proto::Role::Voter);
    collective::join_collective(to_inviter("mgt2.example"), crypto::parse_token(token), joiner.key);
    ASSERT_TRUE(admitted);
    EXPECT_EQ(admitted->address, "mgt2.example:13001");
}

TEST_F(Join, joinCollective_recordsTheSeenHostAtTheJoinersOwnPort) {
    auto token = book.invite("mgt2", proto::Role::Voter);
    collective::join_collective(to_inviter(":14001"), crypto::parse_token(token), joiner.key);
    ASSERT_TRUE(admitted);
    EXPECT_EQ(admitted->address, "127.0.0.1:14001");
}

TEST_F(Join, aTamperedSecretIsInvalidAndLeavesTheInvitation) {
    auto token = book.invite("mgt2", proto::Role::Voter);
    auto parsed = crypto::parse_token(token);
    parsed.secret[3] ^= 1;
    EXPECT_EQ(failure(to_inviter(), crypto::encode_token("mgt2", parsed.secret), joiner.key),
              "Invalid token");
    EXPECT_EQ(outcome, proto::Outcome::BadRequest);
    EXPECT_FALSE(admitted);
    EXPECT_EQ(book.pending_names(), std::vector<std::string>{"mgt2"});
}

TEST_F(Join, aTokenForAnotherNameIsInvalid) {
    book.invite("mgt3", proto::Role::Voter);
    auto other = crypto::make_invitation("mgt2");
    EXPECT_EQ(failure(to_inviter(), other.token, joiner.key), "Invalid token");
    EXPECT_EQ(outcome, proto::Outcome::BadRequest);
}

TEST_F(Join, theInvitersRefusalReachesTheJoinerWithItsOutcome) {
    refusal = {"Collective does not have quorum", proto::Outcome::NoQuorum};
    auto token = book.invite("mgt2", proto::Role::Voter);
    EXPECT_EQ(failure(to_inviter(), token, joiner.key), "Collective does not have quorum");
    EXPECT_EQ(outcome, proto::Outcome::NoQuorum);
}

TEST_F(Join, anUnknownCommitReachesTheJoinerAsUnknown) {
    refusal = {"timed out adding the member", proto::Outcome::Unknown};
    auto token = book.invite("mgt2", proto::Role::Voter);
    EXPECT_EQ(failure(to_inviter(), token, joiner.key), "timed out adding the member");
    EXPECT_EQ(outcome, proto::Outcome::Unknown);
}

TEST_F(Join, anUnreachableServerSaysSoWithTheNameTyped) {
    auto token = book.invite("mgt2", proto::Role::Voter);
    auto o = to_inviter();
    transport->stop();
    auto text = failure(o, token, joiner.key);
    EXPECT_EQ(text.rfind("Failed to connect to " + o.server + ": ", 0), 0u) << text;
    EXPECT_EQ(outcome, proto::Outcome::Refused);  // nothing was sent: nothing changed
}

}  // namespace
