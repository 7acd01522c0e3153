// Revocation that holds: a member's key is authorized at SSH login, but a
// peer can hold back its Hello past its removal from the member list. The
// transport checks again when it registers the connection, so a removed
// member is refused whatever the timing (RELIABILITY.md, Hostile input).
#include <gtest/gtest.h>
#include <libssh/libssh.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "daemon/net/ssh/peer_transport.hpp"
#include "proto/codec.hpp"
#include "proto/frame.hpp"
#include "proto/peer.hpp"
#include "tests/unit/ssh/ssh_fixture.hpp"

namespace {

using namespace cc;
using namespace cc::test;

// A member client that logs in and opens the member subsystem like a real
// one, then sends its Hello only when told to.
class SlowHelloClient {
  public:
    SlowHelloClient(uint16_t port, const std::string& my_name, const crypto::MemberKey& key) {
        session_ = ssh_new();
        int no = 0;
        long timeout = 5;
        unsigned int p = port;
        ssh_options_set(session_, SSH_OPTIONS_PROCESS_CONFIG, &no);
        ssh_options_set(session_, SSH_OPTIONS_HOST, "127.0.0.1");
        ssh_options_set(session_, SSH_OPTIONS_PORT, &p);
        ssh_options_set(session_, SSH_OPTIONS_USER, my_name.c_str());
        ssh_options_set(session_, SSH_OPTIONS_HOSTKEYS, "ecdsa-sha2-nistp384");
        ssh_options_set(session_, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, "ecdsa-sha2-nistp384");
        ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeout);
        if (ssh_connect(session_) != SSH_OK) return;
        ssh_key k = nullptr;
        if (ssh_pki_import_privkey_base64(key.pem.c_str(), nullptr, nullptr, nullptr, &k) != SSH_OK)
            return;
        int auth = ssh_userauth_publickey(session_, nullptr, k);
        ssh_key_free(k);
        if (auth != SSH_AUTH_SUCCESS) return;
        channel_ = ssh_channel_new(session_);
        if (ssh_channel_open_session(channel_) != SSH_OK) return;
        logged_in_ = ssh_channel_request_subsystem(channel_, proto::kMemberSubsystem) == SSH_OK;
    }
    ~SlowHelloClient() {
        if (channel_ != nullptr) ssh_channel_free(channel_);
        ssh_disconnect(session_);
        ssh_free(session_);
    }

    bool logged_in() const { return logged_in_; }

    void send_hello(const std::string& my_name) {
        proto::Hello hello;
        hello.name = my_name;
        hello.max_version = proto::kPeerVersionMax;
        std::string bytes = proto::frame(proto::to_bytes(hello));
        ssh_channel_write(channel_, bytes.data(), static_cast<uint32_t>(bytes.size()));
    }

    // True when the server closes the channel within the timeout (whatever
    // it sent first: its own Hello, keepalives).
    bool closed_within(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            int n = ssh_channel_read_timeout(channel_, buf, sizeof buf, 0, 100);
            if (n == SSH_ERROR || ssh_channel_is_eof(channel_) || ssh_channel_is_closed(channel_))
                return true;
        }
        return false;
    }

  private:
    ssh_session session_ = nullptr;
    ssh_channel channel_ = nullptr;
    bool logged_in_ = false;
};

TEST(Revocation, aMemberHoldingBackItsHelloPastItsRemovalIsRefused) {
    TestKey key_a("mgt1");
    TestKey key_b("mgt2");
    std::mutex mu;
    std::map<std::string, ssh::PeerEndpoint> members;
    Mailbox<std::string> links_up;

    ssh::TransportOptions o;
    o.my_name = "mgt1";
    o.listen_host = "127.0.0.1";
    o.listen_port = 0;
    o.limits = test_limits();
    o.members = [&] {
        std::lock_guard lock(mu);
        std::vector<ssh::PeerEndpoint> out;
        for (auto& [n, e] : members) out.push_back(e);
        return out;
    };
    ssh::TransportHandlers h;
    h.on_frame = [](const ssh::PeerInfo&, std::string) {};
    h.on_link = [&](const ssh::PeerInfo& peer, bool up) {
        if (up && peer.direction == ssh::Direction::Inbound) links_up.push(peer.name);
    };
    // mgt2 is a member: pinned, but at an address nobody listens on, so the
    // only link that can come up is the one it opens itself.
    members["mgt2"] = {"mgt2", "127.0.0.1:1", key_b.key.fingerprint};
    ssh::PeerTransport a(o, h, key_a.key);
    a.start();

    // mgt2 logs in while it is a member, and waits.
    SlowHelloClient slow(a.port(), "mgt2", key_b.key);
    ASSERT_TRUE(slow.logged_in());

    // `collective delete mgt2` commits: the member list changes.
    {
        std::lock_guard lock(mu);
        members.erase("mgt2");
    }
    a.refresh();

    // Only now does mgt2 send its Hello: it must be refused, not registered.
    slow.send_hello("mgt2");
    EXPECT_TRUE(slow.closed_within(std::chrono::seconds(5)));
    EXPECT_EQ(links_up.pop(std::chrono::milliseconds(500)), std::nullopt);
    a.stop();
}

// The control: the same slow Hello from a member still in the list is served.
TEST(Revocation, aSlowHelloFromACurrentMemberIsServed) {
    TestKey key_a("mgt1");
    TestKey key_b("mgt2");
    Mailbox<std::string> links_up;
    ssh::TransportOptions o;
    o.my_name = "mgt1";
    o.listen_host = "127.0.0.1";
    o.listen_port = 0;
    o.limits = test_limits();
    o.members = [&] {
        return std::vector<ssh::PeerEndpoint>{{"mgt2", "127.0.0.1:1", key_b.key.fingerprint}};
    };
    ssh::TransportHandlers h;
    h.on_frame = [](const ssh::PeerInfo&, std::string) {};
    h.on_link = [&](const ssh::PeerInfo& peer, bool up) {
        if (up && peer.direction == ssh::Direction::Inbound) links_up.push(peer.name);
    };
    ssh::PeerTransport a(o, h, key_a.key);
    a.start();
    SlowHelloClient slow(a.port(), "mgt2", key_b.key);
    ASSERT_TRUE(slow.logged_in());
    a.refresh();
    slow.send_hello("mgt2");
    EXPECT_EQ(links_up.pop(std::chrono::seconds(5)), std::optional<std::string>("mgt2"));
    a.stop();
}

}  // namespace
