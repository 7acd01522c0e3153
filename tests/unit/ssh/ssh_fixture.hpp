// Shared helpers for the SSH transport tests: member keys in temp dirs, a
// thread-safe mailbox to wait on, a raw TCP client, and a frame-echo server.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/client.hpp"
#include "daemon/net/ssh/server.hpp"
#include "tests/support/temp_dir.hpp"

namespace cc::test {

using namespace std::chrono_literals;

// A member key generated into its own directory.
struct TestKey {
    TempDir dir;
    crypto::MemberKey key;
    explicit TestKey(const std::string& host) {
        crypto::generate_key_and_cert(dir.path(), host);
        key = crypto::load_private_key(dir.path() / crypto::kPrivateKeyFile);
    }
    std::string pem_path() const { return (dir.path() / crypto::kPrivateKeyFile).string(); }
};

// Fast timings so failures show up within a test's time budget.
inline ssh::Limits test_limits() {
    ssh::Limits l;
    l.handshake_timeout = 5s;
    l.keepalive_interval = 200ms;
    l.quiet_keepalive_interval = 1000ms;
    l.dead_after = 3s;
    return l;
}

template <class T>
class Mailbox {
  public:
    void push(T v) {
        {
            std::lock_guard lock(mu_);
            items_.push_back(std::move(v));
        }
        cv_.notify_all();
    }
    std::optional<T> pop(std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mu_);
        if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
        T v = std::move(items_.front());
        items_.pop_front();
        return v;
    }
    size_t size() const {
        std::lock_guard lock(mu_);
        return items_.size();
    }

  private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<T> items_;
};

// Connects to 127.0.0.1:port, writes `bytes` and reads until the server
// closes; true when it closed within the timeout.
inline bool server_closes_after(uint16_t port, const std::string& bytes,
                                std::chrono::seconds timeout = 10s) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return false;
    }
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    [[maybe_unused]] auto w = ::write(fd, bytes.data(), bytes.size());
    char buf[4096];
    bool closed = false;
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            closed = true;
            break;
        }
        if (n < 0) break;  // timeout
    }
    ::close(fd);
    return closed;
}

// An SSH server whose connection handler echoes every payload back with a
// prefix and records how each connection ended.
class EchoServer {
  public:
    struct Ended {
        ssh::PeerInfo peer;
        std::string reason;
    };

    EchoServer(const crypto::MemberKey& key,
               std::function<ssh::AuthDecision(const std::string&, const std::string&)> authorize,
               ssh::Limits limits = test_limits()) {
        ssh::ServerOptions o;
        o.listen_host = "127.0.0.1";
        o.port = 0;
        o.my_name = "srv";
        o.limits = limits;
        o.authorize = [this, authorize](const std::string& fp, const std::string& blob) {
            seen_keys.push(fp);
            return authorize(fp, blob);
        };
        o.on_connection = [this](std::unique_ptr<ssh::Connection> conn) {
            ssh::Connection* c = conn.get();
            // run() hands keepalives over as empty payloads: not echoed.
            std::string reason = c->run([this, c](std::string p) {
                if (p.empty()) return;
                received.push(p);
                c->send("echo:" + p);
            });
            ended.push({c->peer(), reason});
        };
        server = std::make_unique<ssh::Server>(std::move(o), key);
    }
    uint16_t port() const { return server->port(); }

    Mailbox<std::string> seen_keys;
    Mailbox<std::string> received;  // every payload, as it arrives
    Mailbox<Ended> ended;
    std::unique_ptr<ssh::Server> server;
};

inline ssh::ClientOptions client_to(uint16_t port, const std::string& fingerprint,
                                    ssh::ChannelKind kind = ssh::ChannelKind::Member) {
    ssh::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.my_name = "cli";
    o.kind = kind;
    o.expected_fingerprint = fingerprint;
    o.limits = test_limits();
    return o;
}

}  // namespace cc::test
