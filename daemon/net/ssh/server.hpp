// SSH server side of the member transport.
//
// Listens on host:port with our member key as the only host key
// (ecdsa-sha2-nistp384). Only publickey authentication is offered; each key
// (probe or signed request) is shown to `authorize`, and only a Member or
// JoinOnly decision is answered positively, so an unknown key is refused
// before any collective message is read. A Member key may open either
// subsystem; a JoinOnly key only proto::kJoinSubsystem. Auth attempts and the
// whole handshake (key exchange, auth, channel, subsystem, Hello) are bounded
// by limits.max_auth_attempts and limits.handshake_timeout. Before that,
// limits.startups decides at accept time whether a connection gets a thread
// at all (startup_limiter.hpp); one over a limit is closed at once. On the member
// subsystem the peer's Hello name must be the member its key is pinned to.
//
// Threading: one acceptor thread plus one thread per connection (blocking
// libssh calls on that thread only). `authorize` and `on_connection` are
// called on connection threads, concurrently for different connections.
// on_connection owns the connection and may drive it (Connection::run) right
// there; the thread ends when it returns. stop() (and the destructor) closes
// the listener, aborts every connection and joins all threads; on_connection
// must return soon after its connection closes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection.hpp"

namespace cc::ssh {

enum class AuthKind { Refuse, Member, JoinOnly };

struct AuthDecision {
    AuthKind kind = AuthKind::Refuse;
    std::string member_name;  // for Member
};

struct ServerOptions {
    std::string listen_host = "0.0.0.0";            // IP literal
    uint16_t port = 13001;                          // 0 = any free port (see Server::port)
    std::string my_name;                            // sent in our Hello
    std::string advertise;                          // sent in our Hello
    uint32_t max_version = proto::kPeerVersionMax;  // sent in our Hello
    Limits limits;
    std::function<AuthDecision(const std::string& fingerprint, const std::string& key_blob)>
        authorize;
    std::function<void(std::unique_ptr<Connection>)> on_connection;
};

class Server {
  public:
    // Binds and starts accepting; throws std::runtime_error with one line
    // ("cannot listen on HOST:PORT: reason") when it cannot.
    Server(ServerOptions options, const crypto::MemberKey& key);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The bound port (the real one when options.port was 0).
    uint16_t port() const;
    void stop();

    // Source addresses (normalize_ip) that bypass the global limit on
    // unauthenticated connections (startup_limiter.hpp): the members'.
    void set_member_sources(std::set<std::string> sources);
    StartupLimiter::Counts startup_counts() const;

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::ssh
