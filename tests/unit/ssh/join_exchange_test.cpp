// The join handshake of docs/ARCHITECTURE.md ("Trust, join and member
// addresses") end to end over the join subsystem: token, proofs bound to the
// keys seen by SSH, single use.
#include <gtest/gtest.h>

#include "daemon/crypto/invitation_book.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/net/ssh/peer_transport.hpp"
#include "proto/peer.hpp"
#include "tests/unit/ssh/ssh_fixture.hpp"

namespace {

using namespace cc;
using namespace cc::test;

// Inviter side: what the daemon's join handler does, minus the log commit.
void answer_join(ssh::Connection& conn, crypto::InvitationBook& book,
                 const std::string& inviter_blob) {
    auto bytes = conn.receive(5s);
    if (!bytes) return;
    auto msg = proto::from_bytes<proto::JoinMessage>(*bytes);
    auto* request = std::get_if<proto::JoinRequest>(&msg);
    if (request == nullptr || request->name != conn.peer().name) {
        conn.send(proto::to_bytes(proto::JoinMessage{proto::JoinRefused{"Invalid token"}}));
        return;
    }
    // The joiner's key comes from the SSH session, never from the message.
    auto r = book.redeem(request->name, request->proof, inviter_blob, conn.peer().key_blob);
    if (r.outcome != crypto::RedeemOutcome::Accepted) {
        conn.send(proto::to_bytes(proto::JoinMessage{proto::JoinRefused{"Invalid token"}}));
        return;
    }
    conn.send(proto::to_bytes(proto::JoinMessage{proto::JoinChallenge{r.inviter_proof}}));
    auto confirm = conn.receive(5s);
    if (!confirm || !std::holds_alternative<proto::JoinConfirm>(
                        proto::from_bytes<proto::JoinMessage>(*confirm))) {
        return;
    }
    proto::JoinAccept accept;
    accept.members.members.push_back({"mgt1", "127.0.0.1", "SHA256:inviter", proto::Role::Voter});
    accept.members.members.push_back(
        {request->name, conn.peer().remote_address, conn.peer().fingerprint, r.role});
    accept.leader = "mgt1";
    conn.send(proto::to_bytes(proto::JoinMessage{accept}));
}

// Joiner side: returns the JoinAccept or the refusal text.
std::variant<proto::JoinAccept, std::string> join(uint16_t port, const std::string& token,
                                                  const crypto::MemberKey& proving_key,
                                                  const crypto::MemberKey& ssh_key) {
    auto parsed = crypto::parse_token(token);
    auto opts = client_to(port, "", ssh::ChannelKind::Join);
    opts.my_name = parsed.name;
    auto conn = ssh::connect(opts, ssh_key);
    const std::string& inviter_blob = conn->peer().key_blob;
    conn->send(proto::to_bytes(proto::JoinMessage{proto::JoinRequest{
        parsed.name, crypto::joiner_proof(parsed.secret, inviter_blob, proving_key.blob), ""}}));
    auto reply = proto::from_bytes<proto::JoinMessage>(conn->receive(5s).value());
    if (auto* refused = std::get_if<proto::JoinRefused>(&reply)) return refused->reason;
    auto& challenge = std::get<proto::JoinChallenge>(reply);
    if (!crypto::proof_matches(crypto::inviter_proof(parsed.secret, inviter_blob, proving_key.blob),
                               challenge.proof)) {
        return std::string("inviter proof mismatch");
    }
    conn->send(proto::to_bytes(proto::JoinMessage{proto::JoinConfirm{}}));
    auto done = proto::from_bytes<proto::JoinMessage>(conn->receive(5s).value());
    if (auto* accept = std::get_if<proto::JoinAccept>(&done)) return *accept;
    return std::get<proto::JoinRefused>(done).reason;
}

class JoinExchange : public ::testing::Test {
  protected:
    JoinExchange() : book(scratch.path() / "invitations") {
        ssh::TransportOptions o;
        o.my_name = "mgt1";
        o.listen_host = "127.0.0.1";
        o.listen_port = 0;
        o.limits = test_limits();
        o.members = [] { return std::vector<ssh::PeerEndpoint>{}; };
        o.accepting_joins = [this] { return book.has_pending(); };
        ssh::TransportHandlers h;
        h.on_join = [this](std::unique_ptr<ssh::Connection> conn) {
            answer_join(*conn, book, inviter.key.blob);
        };
        transport = std::make_unique<ssh::PeerTransport>(std::move(o), std::move(h), inviter.key);
        transport->start();
    }

    TempDir scratch;
    TestKey inviter{"mgt1"};
    TestKey joiner{"mgt2"};
    crypto::InvitationBook book;
    std::unique_ptr<ssh::PeerTransport> transport;
};

TEST_F(JoinExchange, mutualProofAdmitsTheJoinerOnce) {
    auto token = book.invite("mgt2", proto::Role::NonVoter);
    auto result = join(transport->port(), token, joiner.key, joiner.key);
    ASSERT_TRUE(std::holds_alternative<proto::JoinAccept>(result)) << std::get<std::string>(result);
    auto& accept = std::get<proto::JoinAccept>(result);
    ASSERT_EQ(accept.members.members.size(), 2u);
    EXPECT_EQ(accept.members.members[1].name, "mgt2");
    EXPECT_EQ(accept.members.members[1].fingerprint, joiner.key.fingerprint);
    EXPECT_EQ(accept.members.members[1].role, proto::Role::NonVoter);

    // Single use: with no invitation left, the unknown key cannot even log in.
    EXPECT_THROW(join(transport->port(), token, joiner.key, joiner.key), ssh::ConnectError);
}

TEST_F(JoinExchange, aJoinerPresentingAnotherKeyThanItProvedIsRefused) {
    TestKey other("other");
    auto token = book.invite("mgt2", proto::Role::Voter);
    auto result = join(transport->port(), token, joiner.key, other.key);
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), "Invalid token");
    // The failed attempt did not use the invitation up.
    auto retry = join(transport->port(), token, joiner.key, joiner.key);
    EXPECT_TRUE(std::holds_alternative<proto::JoinAccept>(retry));
}

TEST_F(JoinExchange, aTamperedTokenIsRefused) {
    auto token = book.invite("mgt2", proto::Role::Voter);
    auto parsed = crypto::parse_token(token);
    parsed.secret[5] ^= 1;
    auto result = join(transport->port(), crypto::encode_token("mgt2", parsed.secret), joiner.key,
                       joiner.key);
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), "Invalid token");
}

}  // namespace
