// SSH client side of the member transport: connects to a member, checks its
// host key, authenticates with our key (publickey), opens the subsystem and
// exchanges Hello.
//
// Pinned mode (expected_fingerprint set): the server's host key must have
// exactly that OpenSSH fingerprint, otherwise the connection is refused
// before our key is offered. Join mode (expected_fingerprint empty, only with
// ChannelKind::Join): any host key is taken and returned in the PeerInfo
// (key_blob) so the caller can verify it with the inviter's HMAC proof before
// trusting anything the server says.
//
// Threading: connect() blocks its calling thread up to limits.handshake_timeout
// (or until watchdog->shutdown_all()); it shares no state with other calls.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "daemon/net/ssh/watchdog.hpp"

namespace cc::ssh {

// Why a connection failed, for callers that act on it (a reachability probe
// tells "nothing there" from "someone else there").
enum class ConnectFailure {
    Unreachable,      // no TCP connection (refused, timed out, no route, bad name)
    HostKeyMismatch,  // a server answered, with another host key than the pin
    HostKeyMatched,   // the pinned server answered; a later step failed (auth, Hello, ...)
    Other,            // before the host key was seen (not SSH, handshake timeout, ...)
};

// One line, "Failed to connect to HOST: reason", ready for the user.
struct ConnectError : std::runtime_error {
    explicit ConnectError(const std::string& what, ConnectFailure k = ConnectFailure::Other)
        : std::runtime_error(what), kind(k) {}
    ConnectFailure kind;
    // The pinned server refused our key: it does not list this member (any
    // more): deleted, or dropped by `collective recover`.
    bool key_refused = false;
};

// The ciphers a member offers when it connects, best first (SSH lets the
// client's order decide). libssh puts ChaCha20-Poly1305 first; on a CPU with
// AES and carry-less multiply instructions AES-GCM costs much less per packet
// and per byte (5 voters + 10 non-voters committed 13-22% more writes/s, each
// member spent 15-20% less CPU per write), so it comes first there, else
// ChaCha20-Poly1305 does. Both are OpenSSH's standard AEAD ciphers; the
// server keeps libssh's default list, so members of earlier builds agree
// on one either way.
const char* preferred_ciphers();

struct ClientOptions {
    std::string host;  // name or IP literal
    uint16_t port = 13001;
    // Source address (an IP literal) to bind before connecting: a member that
    // listens on a specific address must be seen coming from it. Empty = the
    // kernel's choice.
    std::string bind_host;
    std::string my_name;                            // sent in Hello (and as the SSH user name)
    std::string advertise;                          // sent in Hello
    uint32_t max_version = proto::kPeerVersionMax;  // sent in Hello
    ChannelKind kind = ChannelKind::Member;
    std::string expected_fingerprint;  // empty = join mode
    Limits limits;
    Watchdog* watchdog = nullptr;  // optional: lets another thread abort the attempt
};

// Throws ConnectError (unreachable, refused, host key mismatch, auth refused,
// subsystem refused, version mismatch, timeout).
std::unique_ptr<Connection> connect(const ClientOptions& options, const crypto::MemberKey& key);

}  // namespace cc::ssh
