// One established member-to-member SSH channel (either direction), after the
// key checks and the Hello version handshake: a two-way stream of frames.
//
// Frames are proto/frame.hpp payloads. The connection sends a keepalive (an
// empty frame) after `keepalive_interval` of silence and gives up on a peer
// that has been silent for `dead_after`. A truncated, oversized or otherwise
// malformed frame closes the connection (never an assertion).
//
// Threading: send(), close() and closed() may be called from any thread.
// receive() and run() drive the libssh session and must be called by one
// thread at a time (the connection's own thread); send() wakes that thread,
// or with SendMode::WriteNow may write the frame on the caller's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/net/ssh/startup_limiter.hpp"
#include "proto/frame.hpp"
#include "proto/peer.hpp"

namespace cc::ssh {

enum class ChannelKind { Member, Join };

// How send() hands over a payload. Queue: to the connection's thread, woken
// to write it. WriteNow: the caller writes it itself when that cannot block
// (nothing queued before it, the connection's thread is not in libssh, the
// socket takes it at once, the frame is small), else queues it: one thread
// wake-up less on each side of a round trip, for a caller whose time is not
// better spent elsewhere.
enum class SendMode { Queue, WriteNow };
enum class Direction { Inbound, Outbound };

// Timing and size bounds shared by clients, servers and the transport.
struct Limits {
    // TCP + SSH + auth + Hello. On the server also the pre-authentication
    // deadline (OpenSSH's LoginGraceTime; collective.login_grace_time).
    std::chrono::milliseconds handshake_timeout{10000};
    // Short enough that a member hears from every other well within
    // raft::Config::contact_window even when the link carries nothing else.
    std::chrono::milliseconds keepalive_interval{400};
    // Instead, while *quiet is set (a non-voting member: nobody counts on
    // hearing from it within an election timeout), well under dead_after.
    std::chrono::milliseconds quiet_keepalive_interval{2000};
    std::shared_ptr<const std::atomic<bool>> quiet;
    std::chrono::milliseconds dead_after{5000};  // no frame (not even a keepalive) for this long
    size_t queue_frames = 4096;                  // outgoing frames held for a slow peer
    size_t queue_bytes = 64u * 1024 * 1024;
    int max_auth_attempts = 4;  // failed userauth requests before the server disconnects
    // An outgoing connection re-exchanges its keys after this many bytes
    // (0: libssh's bound, 1 GiB with chacha20-poly1305). Tests set it low
    // to exercise writes during a re-exchange.
    uint64_t rekey_bytes = 0;
    uint32_t max_frame_bytes = proto::kMaxFrameBytes;
    StartupLimits startups;  // server: admission before authentication
};

// Who is at the other end, as established by the SSH layer (never by a message).
struct PeerInfo {
    std::string name;  // Member: the pinned member; Join: the name the joiner claims
    ChannelKind kind = ChannelKind::Member;
    Direction direction = Direction::Inbound;
    std::string key_blob;        // the peer's public key, SSH wire format
    std::string fingerprint;     // "SHA256:..." of key_blob
    std::string remote_address;  // "ip:port" of the TCP peer
    uint32_t version = 0;        // negotiated peer protocol version
    std::string cipher;          // the SSH cipher, client to server (preferred_ciphers())
    std::string advertise;       // the peer's Hello.advertise
    uint64_t id = 0;             // unique per connection within this process
};

// The connection ended: what happened, as one log-ready line.
struct ConnectionClosed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Connection {
  public:
    class Impl;
    explicit Connection(std::unique_ptr<Impl> impl);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const PeerInfo& peer() const;

    // Queues one payload (or writes it, see SendMode) and returns at once.
    // When the queue is full the oldest queued payloads are dropped to make
    // room. False when closed or when the payload alone exceeds the frame
    // limit.
    bool send(std::string payload, SendMode mode = SendMode::Queue);

    // Ends the connection; idempotent; wakes the driving thread.
    void close();
    bool closed() const;

    // Waits up to `timeout` for the next payload (nothing on timeout) while
    // flushing queued sends and keepalives. Throws ConnectionClosed.
    std::optional<std::string> receive(std::chrono::milliseconds timeout);

    // Delivers every payload to on_frame (on this thread) until the
    // connection ends, then returns why. A keepalive from the peer is
    // delivered as an empty payload (a sign of life, nothing to decode).
    std::string run(const std::function<void(std::string)>& on_frame);

    // Payloads dropped because the send queue was full.
    uint64_t dropped() const;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::ssh
