// Interoperability with the real OpenSSH tools (openssh-client).
#include <gtest/gtest.h>

#include <fstream>

#include "proto/frame.hpp"
#include "proto/peer.hpp"
#include "tests/unit/crypto/run_command.hpp"
#include "tests/unit/ssh/ssh_fixture.hpp"

namespace {

using namespace cc;
using namespace cc::test;

class Interop : public ::testing::Test {
  protected:
    TestKey server_key{"srv"};
    TestKey member_key{"member"};
    TestKey stranger_key{"stranger"};
    TempDir scratch;

    std::unique_ptr<EchoServer> start_server() {
        return std::make_unique<EchoServer>(
            server_key.key, [&](const std::string& fp, const std::string&) {
                if (fp == member_key.key.fingerprint)
                    return ssh::AuthDecision{ssh::AuthKind::Member, "member"};
                return ssh::AuthDecision{};
            });
    }

    // OpenSSH client opening our subsystem with `key`, stdin from `input`.
    std::string ssh_command(uint16_t port, const std::string& key, const std::string& input) {
        return "ssh -F /dev/null -i " + key + " -p " + std::to_string(port) +
               " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
               " -o IdentitiesOnly=yes -o IdentityAgent=none -o ConnectTimeout=10"
               " -o LogLevel=ERROR root@127.0.0.1 -s " +
               proto::kMemberSubsystem + " < " + input + " > /dev/null 2>&1";
    }

    std::string write_file(const std::string& name, const std::string& bytes) {
        auto path = scratch.path() / name;
        std::ofstream(path, std::ios::binary) << bytes;
        return path.string();
    }
};

TEST_F(Interop, sshKeyscanSeesTheMemberKeyWithTheSameFingerprint) {
    auto srv = start_server();
    auto scan = run_command("ssh-keyscan -T 10 -t ecdsa -p " + std::to_string(srv->port()) +
                            " 127.0.0.1 2>/dev/null");
    ASSERT_EQ(scan.status, 0);
    ASSERT_NE(scan.out.find("ecdsa-sha2-nistp384"), std::string::npos) << scan.out;
    auto file = write_file("scanned", scan.out);
    auto fp = run_command("ssh-keygen -lf " + file);
    ASSERT_EQ(fp.status, 0) << fp.out;
    EXPECT_NE(fp.out.find(" " + server_key.key.fingerprint + " "), std::string::npos)
        << fp.out << " vs " << server_key.key.fingerprint;
}

TEST_F(Interop, opensshClientWithAnUnknownKeyIsRefused) {
    auto srv = start_server();
    auto input = write_file("empty", "");
    auto r = run_command(ssh_command(srv->port(), stranger_key.pem_path(), input));
    EXPECT_EQ(r.status, 255);  // ssh's own failure status: permission denied
    EXPECT_EQ(srv->seen_keys.pop(), stranger_key.key.fingerprint);
    EXPECT_EQ(srv->ended.size(), 0u);
}

TEST_F(Interop, opensshClientWithAMemberKeyGetsThrough) {
    auto srv = start_server();
    proto::Hello hello;
    hello.name = "member";
    // Hello, one payload, then end of input: the session closes politely.
    auto input = write_file("good", proto::encode_frame(hello) + proto::frame("ping"));
    run_command(ssh_command(srv->port(), member_key.pem_path(), input));
    auto ended = srv->ended.pop();
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->peer.name, "member");
    EXPECT_NE(ended->reason.find("closed the connection"), std::string::npos) << ended->reason;
}

TEST_F(Interop, badFramesInAnAuthenticatedSessionCloseItAndTheServerKeepsServing) {
    auto srv = start_server();
    proto::Hello hello;
    hello.name = "member";
    std::string oversized = std::string("\xff\xff\xff\x7f", 4) + "junk";
    auto input = write_file("bad", proto::encode_frame(hello) + oversized);
    run_command(ssh_command(srv->port(), member_key.pem_path(), input));
    auto ended = srv->ended.pop();
    ASSERT_TRUE(ended);
    EXPECT_NE(ended->reason.find("bad frame"), std::string::npos) << ended->reason;

    // A Hello that is not a Hello: the connection never reaches the handler.
    auto garbage = write_file("garbage", proto::frame("\x05\xff\xff"));
    run_command(ssh_command(srv->port(), member_key.pem_path(), garbage));
    // Impersonation: a member key calling itself another member.
    proto::Hello liar;
    liar.name = "someone-else";
    auto lie = write_file("lie", proto::encode_frame(liar) + proto::frame("x"));
    run_command(ssh_command(srv->port(), member_key.pem_path(), lie));
    // A member from the future whose version range does not overlap ours.
    proto::Hello future;
    future.name = "member";
    future.min_version = future.max_version = 99;
    auto newer = write_file("future", proto::encode_frame(future) + proto::frame("x"));
    run_command(ssh_command(srv->port(), member_key.pem_path(), newer));
    EXPECT_EQ(srv->ended.size(), 0u);

    auto opts = client_to(srv->port(), server_key.key.fingerprint);
    opts.my_name = "member";
    auto conn = ssh::connect(opts, member_key.key);
    conn->send("alive?");
    EXPECT_EQ(conn->receive(10s), "echo:alive?");
}

}  // namespace
