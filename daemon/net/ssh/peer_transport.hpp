// The daemon's member-to-member transport: an SSH server for incoming member
// and join connections, and one outgoing connection per other member, kept
// up with reconnects (exponential backoff, capped, jittered) and keepalives.
//
// Members are known by name and pinned key fingerprint. An incoming
// connection is accepted only from a pinned key (or, while accepting_joins()
// says so, an unknown key on the join subsystem only); an outgoing one only to
// a server whose host key matches the pin. The address a member connects
// from is reported in on_link, so the daemon can learn moved members.
//
// Delivery: every payload from a member (on either connection to it) goes to
// on_frame; join connections go to on_join, which owns the connection and
// drives it (blocking receive/send) until the exchange is over.
//
// Threading: public methods may be called from any thread. Callbacks are
// called on transport threads (one per connection), concurrently for
// different peers and in order for one connection; the daemon posts the work
// to its io_context. Callbacks must not call stop(). send() never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection.hpp"

namespace cc::ssh {

inline constexpr uint16_t kDefaultPeerPort = 13001;

struct PeerEndpoint {
    std::string name;
    std::string address;      // "host", "host:port", "[v6]:port"; default port 13001
    std::string fingerprint;  // pinned "SHA256:..."
    bool operator==(const PeerEndpoint&) const = default;
};

struct TransportOptions {
    std::string my_name;
    std::string advertise;                          // Hello.advertise on every connection
    uint32_t max_version = proto::kPeerVersionMax;  // Hello.max_version
    std::string listen_host = "0.0.0.0";
    uint16_t listen_port = kDefaultPeerPort;  // 0 = any free port (tests)
    // Source address of outgoing links (ClientOptions::bind_host); empty =
    // the kernel's choice.
    std::string source_host;
    Limits limits;
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{5000};
    // The current members (our own entry is ignored). Called only from
    // start() and refresh(), on the caller's thread.
    std::function<std::vector<PeerEndpoint>()> members;
    // Whether unknown keys may open the join subsystem right now (e.g.
    // InvitationBook::has_pending). Called on connection threads; thread-safe.
    std::function<bool()> accepting_joins = [] { return false; };
};

struct TransportHandlers {
    std::function<void(const PeerInfo& from, std::string payload)> on_frame;
    // A keepalive arrived from a member (a sign of life; optional).
    std::function<void(const PeerInfo& from)> on_alive;
    // A connection to or from a member came up (up = true) or ended.
    std::function<void(const PeerInfo& peer, bool up)> on_link;
    // Member `name`, at its pinned host key, refused our key: it does not
    // list this member (deleted, or dropped by collective recover). Called
    // at each refused attempt (optional).
    std::function<void(const std::string& name)> on_key_refused;
    // An authenticated join connection after Hello. Not set = joins refused.
    std::function<void(std::unique_ptr<Connection>)> on_join;
};

class PeerTransport {
  public:
    PeerTransport(TransportOptions options, TransportHandlers handlers, crypto::MemberKey key);
    ~PeerTransport();  // stop()
    PeerTransport(const PeerTransport&) = delete;
    PeerTransport& operator=(const PeerTransport&) = delete;

    // Listens and connects to every member. Throws std::runtime_error
    // ("cannot listen on ...") when the port cannot be bound.
    void start();
    // Re-reads members(): new members get a link, removed ones are closed,
    // changed addresses or fingerprints reconnect.
    void refresh();
    // Queues a payload for a member over our outgoing connection. Never
    // blocks; false when the member is unknown or the payload is too large.
    // Payloads sent while the member is unreachable wait (bounded, oldest
    // dropped first) and go out once the link is up; payloads still queued on
    // a connection that breaks are lost (consensus retransmits). `mode`:
    // see Connection::send.
    bool send(const std::string& member, std::string payload, SendMode mode = SendMode::Queue);
    // Closes everything and joins every thread; idempotent.
    void stop();

    uint16_t port() const;
    // Whether our outgoing connection to `member` is established.
    bool connected(const std::string& member) const;
    // The peer protocol version negotiated on that connection; 0 when down.
    uint32_t version(const std::string& member) const;
    // Quiet: this member's keepalives go every Limits::quiet_keepalive_interval
    // instead of keepalive_interval, on every connection (set while it is a
    // non-voter: no member counts on hearing from it within an election
    // timeout). A connection waiting out a quiet interval when this is
    // cleared sends its next keepalive at that interval's end.
    void set_quiet(bool quiet);

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::ssh
