#include "daemon/net/ssh/client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection_impl.hpp"
#include "daemon/net/ssh/libssh_handles.hpp"

namespace cc::ssh {

namespace {

using Clock = std::chrono::steady_clock;

// Closes the socket unless ownership passed to libssh.
struct SocketGuard {
    int fd = -1;
    ~SocketGuard() {
        if (fd >= 0) ::close(fd);
    }
    int release() {
        int f = fd;
        fd = -1;
        return f;
    }
};

int remaining_ms(Clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<long long>(ms.count(), 0));
}

struct AddrInfoFree {
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoFree>;

// The source address to bind, as an IP literal (port 0); nothing and `why`
// set when it is not one.
AddrInfoPtr resolve_source(const std::string& bind_host, std::string& why) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    addrinfo* res = nullptr;
    int gai = ::getaddrinfo(bind_host.c_str(), "0", &hints, &res);
    if (gai != 0) why = "source address " + bind_host + " is not an IP address";
    return AddrInfoPtr(gai == 0 ? res : nullptr);
}

const addrinfo* same_family(const addrinfo* list, int family) {
    for (const addrinfo* a = list; a != nullptr; a = a->ai_next)
        if (a->ai_family == family) return a;
    return nullptr;
}

// Non-blocking connect to each resolved address in turn, within the deadline,
// from `bind_host` when given. The connected socket comes back armed on
// `watchdog` (ticket in `ticket`), so another thread can abort even the TCP
// connect.
int tcp_connect(const std::string& host, uint16_t port, const std::string& bind_host,
                Clock::time_point deadline, Watchdog& watchdog, uint64_t& ticket,
                std::string& why) {
    AddrInfoPtr source;
    if (!bind_host.empty()) {
        source = resolve_source(bind_host, why);
        if (!source) return -1;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (gai != 0) {
        why = ::gai_strerror(gai);
        return -1;
    }
    int fd = -1;
    for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
        const addrinfo* from = source ? same_family(source.get(), ai->ai_family) : nullptr;
        if (source && from == nullptr) {
            why = "no route from source address " + bind_host + " to that address family";
            continue;
        }
        int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         ai->ai_protocol);
        if (s < 0) {
            why = std::strerror(errno);
            continue;
        }
        // Bound before connect: peers see (and record) our listen address.
        if (from != nullptr && ::bind(s, from->ai_addr, from->ai_addrlen) != 0) {
            why = "cannot use source address " + bind_host + ": " + std::strerror(errno);
            ::close(s);
            continue;
        }
        uint64_t armed = watchdog.arm(s, deadline);
        int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{s, POLLOUT, 0};
            rc = ::poll(&p, 1, remaining_ms(deadline));
            if (rc == 0) {
                why = "connection timed out";
                rc = -1;
            } else if (rc > 0) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) why = std::strerror(err);
                rc = err == 0 ? 0 : -1;
            } else {
                why = std::strerror(errno);
            }
        } else if (rc != 0) {
            why = std::strerror(errno);
        }
        if (rc == 0) {
            int flags = ::fcntl(s, F_GETFL);
            ::fcntl(s, F_SETFL, flags & ~O_NONBLOCK);
            fd = s;
            ticket = armed;
        } else {
            watchdog.disarm(armed);
            ::close(s);
        }
    }
    ::freeaddrinfo(res);
    return fd;
}

}  // namespace

const char* preferred_ciphers() {
#if defined(__x86_64__)
    static const bool aes =
        (__builtin_cpu_init(), __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul"));
#else
    static const bool aes = false;
#endif
    return aes ? "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com"
               : "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
}

std::unique_ptr<Connection> connect(const ClientOptions& opt, const crypto::MemberKey& key) {
    // Every failure after the pinned host key was seen says so (a probe
    // needs only that far).
    ConnectFailure stage = ConnectFailure::Other;
    auto error = [&](const std::string& why, std::optional<ConnectFailure> kind = {}) {
        return ConnectError("Failed to connect to " + opt.host + ": " + why, kind.value_or(stage));
    };
    if (opt.expected_fingerprint.empty() && opt.kind != ChannelKind::Join) {
        throw error("no pinned key for this member (only a join may skip the pin)");
    }
    auto deadline = Clock::now() + opt.limits.handshake_timeout;

    // A private watchdog when the caller brings none: it must outlive the connection.
    std::unique_ptr<Watchdog> own_watchdog;
    Watchdog* watchdog = opt.watchdog;
    if (watchdog == nullptr) {
        own_watchdog = std::make_unique<Watchdog>();
        watchdog = own_watchdog.get();
    }

    // Declared before the watchdog ticket so the ticket is disarmed before
    // the session closes the socket.
    detail::SessionPtr session(ssh_new());
    if (!session) throw error("out of memory");

    std::string why;
    uint64_t ticket = 0;
    SocketGuard sock{
        tcp_connect(opt.host, opt.port, opt.bind_host, deadline, *watchdog, ticket, why)};
    if (sock.fd < 0) throw error(why, ConnectFailure::Unreachable);

    struct Disarm {
        Watchdog* w;
        uint64_t t;
        bool armed = true;
        ~Disarm() {
            if (armed) w->disarm(t);
        }
    } disarm{watchdog, ticket};
    ssh_session s = session.get();
    int fd = sock.fd;
    long timeout_s = std::max<long>(
        1, static_cast<long>(
               std::chrono::duration_cast<std::chrono::seconds>(opt.limits.handshake_timeout)
                   .count()));
    int no = 0;
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);  // never read ~/.ssh/config
    ssh_options_set(s, SSH_OPTIONS_HOST, opt.host.c_str());
    ssh_options_set(s, SSH_OPTIONS_USER, opt.my_name.empty() ? "confluent" : opt.my_name.c_str());
    ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, "ecdsa-sha2-nistp384");
    ssh_options_set(s, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, "ecdsa-sha2-nistp384");
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout_s);
    ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, preferred_ciphers());
    ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, preferred_ciphers());
    if (opt.limits.rekey_bytes != 0)
        ssh_options_set(s, SSH_OPTIONS_REKEY_DATA, &opt.limits.rekey_bytes);
    ssh_options_set(s, SSH_OPTIONS_FD, &fd);
    sock.release();  // libssh closes it with the session from here on

    if (ssh_connect(s) != SSH_OK) throw error("SSH handshake failed: " + detail::error_text(s));

    ssh_key server_key = nullptr;
    if (ssh_get_server_publickey(s, &server_key) != SSH_OK) {
        throw error("server sent no host key");
    }
    detail::KeyPtr server_key_owner(server_key);
    std::string server_blob = detail::key_blob(server_key);
    if (server_blob.empty()) throw error("cannot read the server's host key");
    std::string server_fp = crypto::openssh_fingerprint(server_blob);
    if (!opt.expected_fingerprint.empty() && server_fp != opt.expected_fingerprint) {
        // Fail closed before our key is even offered.
        throw error("host key " + server_fp + " does not match the pinned " +
                        opt.expected_fingerprint +
                        "; if the member was reinstalled, invite it again",
                    ConnectFailure::HostKeyMismatch);
    }
    if (!opt.expected_fingerprint.empty()) stage = ConnectFailure::HostKeyMatched;

    detail::KeyPtr our_key = detail::import_private_key(key.pem);
    int auth = ssh_userauth_publickey(s, nullptr, our_key.get());
    if (auth != SSH_AUTH_SUCCESS) {
        auto e = error(auth == SSH_AUTH_DENIED ? "the server refused our key " + key.fingerprint +
                                                     " (not a member there, and no invitation "
                                                     "pending)"
                                               : "authentication failed: " + detail::error_text(s));
        e.key_refused = auth == SSH_AUTH_DENIED && !opt.expected_fingerprint.empty();
        throw e;
    }

    detail::ChannelPtr channel(ssh_channel_new(s));
    if (!channel || ssh_channel_open_session(channel.get()) != SSH_OK) {
        throw error("cannot open a channel: " + detail::error_text(s));
    }
    const char* subsystem =
        opt.kind == ChannelKind::Join ? proto::kJoinSubsystem : proto::kMemberSubsystem;
    if (ssh_channel_request_subsystem(channel.get(), subsystem) != SSH_OK) {
        throw error(std::string("the server refused subsystem ") + subsystem);
    }

    PeerInfo info;
    info.kind = opt.kind;
    info.direction = Direction::Outbound;
    info.key_blob = server_blob;
    info.fingerprint = server_fp;
    info.remote_address = detail::peer_address(ssh_get_fd(s));
    info.name = opt.host;  // until the Hello names it
    disarm.armed = false;  // the connection owns the ticket now
    // A private watchdog lives exactly as long as the connection.
    std::shared_ptr<void> keep(std::shared_ptr<Watchdog>(std::move(own_watchdog)));
    Limits limits = opt.limits;
    if (opt.kind == ChannelKind::Join) {
        limits.max_frame_bytes = std::min(limits.max_frame_bytes, proto::kMaxJoinFrameBytes);
    }
    std::unique_ptr<Connection::Impl> impl;
    try {
        impl = std::make_unique<Connection::Impl>(std::move(session), std::move(channel), info,
                                                  limits, *watchdog, ticket, std::move(keep));
    } catch (const std::system_error& e) {  // out of file descriptors
        throw error(e.what());
    }
    proto::Hello ours;
    ours.name = opt.my_name;
    ours.advertise = opt.advertise;
    ours.max_version = opt.max_version;
    proto::Hello theirs;
    try {
        theirs = impl->exchange_hello(ours, deadline);
    } catch (const ConnectionClosed& e) {
        throw error(e.what());
    }
    auto version = proto::negotiate_version(ours, theirs);
    if (!version) throw error(proto::version_refusal(ours, theirs));
    impl->info.name = theirs.name;
    impl->info.version = *version;
    impl->info.advertise = theirs.advertise;
    impl->info.cipher = ssh_get_cipher_out(s);
    watchdog->rearm(ticket, Clock::now() + opt.limits.dead_after + opt.limits.keepalive_interval);
    return std::make_unique<Connection>(std::move(impl));
}

}  // namespace cc::ssh
