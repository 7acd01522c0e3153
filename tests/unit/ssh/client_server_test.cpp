#include <gtest/gtest.h>

#include "proto/peer.hpp"
#include "tests/unit/ssh/ssh_fixture.hpp"

namespace {

using namespace cc;
using namespace cc::test;

ssh::AuthDecision member_if(const std::string& fp, const std::string& expected,
                            const std::string& name) {
    if (fp == expected) return {ssh::AuthKind::Member, name};
    return {};
}

class ClientServer : public ::testing::Test {
  protected:
    TestKey server_key{"srv"};
    TestKey client_key{"cli"};
};

TEST_F(ClientServer, pinnedMembersExchangeFramesBothWays) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    EXPECT_EQ(conn->peer().name, "srv");
    EXPECT_EQ(conn->peer().fingerprint, server_key.key.fingerprint);
    EXPECT_EQ(conn->peer().version, proto::kPeerVersionMax);
    EXPECT_EQ(conn->peer().direction, ssh::Direction::Outbound);
    ASSERT_TRUE(conn->send("hello"));
    std::string big(1 << 20, 'x');  // larger than an SSH window: exercises flow control
    ASSERT_TRUE(conn->send(big));
    EXPECT_EQ(conn->receive(10s), "echo:hello");
    EXPECT_EQ(conn->receive(10s), "echo:" + big);
    conn.reset();  // a polite close
    auto ended = srv.ended.pop();
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->peer.name, "cli");
    EXPECT_EQ(ended->peer.fingerprint, client_key.key.fingerprint);
    EXPECT_EQ(ended->peer.kind, ssh::ChannelKind::Member);
    EXPECT_EQ(ended->peer.remote_address.rfind("127.0.0.1:", 0), 0u);
}

// The client's first cipher is the one both sides use, and both say so.
TEST_F(ClientServer, theCipherIsTheClientsFirstChoice) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    std::string first = ssh::preferred_ciphers();
    first = first.substr(0, first.find(','));
    EXPECT_EQ(conn->peer().cipher, first);
    ASSERT_TRUE(conn->send("hello"));
    EXPECT_EQ(conn->receive(10s), "echo:hello");
    conn.reset();
    auto ended = srv.ended.pop();
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->peer.cipher, first);
}

TEST_F(ClientServer, keepalivesHoldAnIdleConnectionOpen) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    // Idle for longer than dead_after (3 s): only keepalives flow, nothing is delivered.
    EXPECT_EQ(conn->receive(4s), std::nullopt);
    conn->send("still there");
    EXPECT_EQ(conn->receive(10s), "echo:still there");
}

TEST_F(ClientServer, clientRefusesAServerWhoseHostKeyIsNotThePinnedOne) {
    TestKey other("other");
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    try {
        ssh::connect(client_to(srv.port(), other.key.fingerprint), client_key.key);
        ADD_FAILURE() << "connected to a server with the wrong host key";
    } catch (const ssh::ConnectError& e) {
        EXPECT_NE(std::string(e.what()).find("does not match the pinned"), std::string::npos)
            << e.what();
    }
    // Our key was never offered to the impostor.
    EXPECT_EQ(srv.seen_keys.size(), 0u);
}

TEST_F(ClientServer, serverRefusesAnUnknownKeyBeforeAnyFrame) {
    TestKey stranger("stranger");
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    try {
        ssh::connect(client_to(srv.port(), server_key.key.fingerprint), stranger.key);
        ADD_FAILURE() << "an unknown key was accepted";
    } catch (const ssh::ConnectError& e) {
        EXPECT_NE(std::string(e.what()).find("refused our key"), std::string::npos) << e.what();
    }
    EXPECT_EQ(srv.seen_keys.pop(), stranger.key.fingerprint);
    EXPECT_EQ(srv.ended.size(), 0u);  // no connection ever reached the handler
}

TEST_F(ClientServer, joinOnlyKeyMayOpenTheJoinSubsystemAndNothingElse) {
    TestKey joiner("joiner");
    EchoServer srv(server_key.key, [](const std::string&, const std::string&) {
        return ssh::AuthDecision{ssh::AuthKind::JoinOnly, {}};
    });
    EXPECT_THROW(ssh::connect(client_to(srv.port(), server_key.key.fingerprint), joiner.key),
                 ssh::ConnectError);

    // Join mode: the server key is not known in advance and is handed back.
    auto conn = ssh::connect(client_to(srv.port(), "", ssh::ChannelKind::Join), joiner.key);
    EXPECT_EQ(conn->peer().key_blob, server_key.key.blob);
    EXPECT_EQ(conn->peer().kind, ssh::ChannelKind::Join);
    conn->send("join please");
    EXPECT_EQ(conn->receive(10s), "echo:join please");
    // Join channels are open to strangers: they take no big frames.
    EXPECT_FALSE(conn->send(std::string(proto::kMaxJoinFrameBytes + 1, 'x')));
    conn.reset();
    auto ended = srv.ended.pop();
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->peer.kind, ssh::ChannelKind::Join);
    EXPECT_EQ(ended->peer.name, "cli");  // the name from its Hello
    EXPECT_EQ(ended->peer.key_blob, joiner.key.blob);
}

TEST_F(ClientServer, memberModeWithoutAPinIsRefusedLocally) {
    EXPECT_THROW(ssh::connect(client_to(1, ""), client_key.key), ssh::ConnectError);
}

TEST_F(ClientServer, unreachableServerIsAOneLineError) {
    EchoServer srv(server_key.key,
                   [](const std::string&, const std::string&) { return ssh::AuthDecision{}; });
    uint16_t port = srv.port();
    srv.server->stop();
    try {
        ssh::connect(client_to(port, server_key.key.fingerprint), client_key.key);
        ADD_FAILURE();
    } catch (const ssh::ConnectError& e) {
        EXPECT_EQ(std::string(e.what()), "Failed to connect to 127.0.0.1: Connection refused");
    }
}

TEST_F(ClientServer, fullSendQueueDropsTheOldestPayloads) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto opts = client_to(srv.port(), server_key.key.fingerprint);
    opts.limits.queue_frames = 4;
    auto conn = ssh::connect(opts, client_key.key);
    // Nobody drives the connection yet, so everything waits in the queue.
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(conn->send(std::to_string(i)));
    EXPECT_EQ(conn->dropped(), 6u);
    for (int i = 6; i < 10; ++i) EXPECT_EQ(conn->receive(10s), "echo:" + std::to_string(i));
    EXPECT_FALSE(conn->send(std::string(proto::kMaxFrameBytes + 1, 'x')));
}

TEST_F(ClientServer, aPayloadWrittenNowGoesOutWithoutTheConnectionsThread) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    // Nobody drives the connection: only the sender's own write gets it there.
    ASSERT_TRUE(conn->send("now", ssh::SendMode::WriteNow));
    EXPECT_EQ(srv.received.pop(), "now");
    ASSERT_TRUE(conn->send("again", ssh::SendMode::WriteNow));
    EXPECT_EQ(srv.received.pop(), "again");
    EXPECT_EQ(conn->receive(10s), "echo:now");
    EXPECT_EQ(conn->receive(10s), "echo:again");
}

TEST_F(ClientServer, aPayloadToWriteNowWaitsBehindQueuedOnesAndWhenLarge) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    ASSERT_TRUE(conn->send("queued"));
    ASSERT_TRUE(conn->send("behind it", ssh::SendMode::WriteNow));  // keeps the order
    EXPECT_EQ(srv.received.pop(300ms), std::nullopt);
    EXPECT_EQ(conn->receive(10s), "echo:queued");
    EXPECT_EQ(conn->receive(10s), "echo:behind it");
    EXPECT_EQ(srv.received.pop(), "queued");
    EXPECT_EQ(srv.received.pop(), "behind it");
    // A large frame is left to the connection's thread (encrypting it is
    // not the sender's job), small ones after it wait behind it.
    std::string big(64 * 1024, 'x');
    ASSERT_TRUE(conn->send(big, ssh::SendMode::WriteNow));
    ASSERT_TRUE(conn->send("small", ssh::SendMode::WriteNow));
    EXPECT_EQ(srv.received.pop(300ms), std::nullopt);
    EXPECT_EQ(conn->receive(10s), "echo:" + big);
    EXPECT_EQ(conn->receive(10s), "echo:small");
}

TEST_F(ClientServer, rawTcpGarbageIsDroppedAndTheServerKeepsServing) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    EXPECT_TRUE(server_closes_after(srv.port(), "GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(server_closes_after(srv.port(),
                                    std::string("SSH-2.0-x\r\n") + std::string(100000, '\xff')));
    EXPECT_TRUE(server_closes_after(srv.port(), ""));  // silent: the handshake deadline ends it
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    conn->send("ok");
    EXPECT_EQ(conn->receive(10s), "echo:ok");
}

TEST_F(ClientServer, closeFromAnotherThreadEndsRun) {
    EchoServer srv(server_key.key, [&](const std::string& fp, const std::string&) {
        return member_if(fp, client_key.key.fingerprint, "cli");
    });
    auto conn = ssh::connect(client_to(srv.port(), server_key.key.fingerprint), client_key.key);
    Mailbox<std::string> got;
    std::thread driver([&] { got.push(conn->run([](std::string) {})); });
    conn->close();
    auto reason = got.pop();
    driver.join();
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("closed locally"), std::string::npos) << *reason;
    EXPECT_FALSE(conn->send("late"));
    EXPECT_TRUE(srv.ended.pop());  // the server noticed too
}

}  // namespace
