#include "daemon/net/ssh/server.hpp"

#include <arpa/inet.h>
#include <libssh/callbacks.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "daemon/crypto/key.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/net/ssh/connection_impl.hpp"
#include "daemon/net/ssh/libssh_handles.hpp"
#include "daemon/util/log.hpp"
#include "daemon/util/log_throttle.hpp"

namespace cc::ssh {

namespace {

using Clock = std::chrono::steady_clock;

// Everything libssh callbacks of one connection touch. Lives as long as the
// session (handed to the Connection as its keep-alive).
struct Handshake {
    const ServerOptions* options = nullptr;
    std::string remote;
    AuthDecision decision;
    bool authenticated = false;
    int failures = 0;
    ssh_channel channel = nullptr;
    bool subsystem_open = false;
    ChannelKind kind = ChannelKind::Member;
    std::string peer_blob;
    std::string peer_fingerprint;
    ssh_server_callbacks_struct server_cb{};
    ssh_channel_callbacks_struct channel_cb{};
};

int on_auth_pubkey(ssh_session, const char*, ssh_key pubkey, char signature_state, void* userdata) {
    auto* h = static_cast<Handshake*>(userdata);
    if (h->authenticated) return SSH_AUTH_DENIED;
    if (signature_state != SSH_PUBLICKEY_STATE_NONE &&
        signature_state != SSH_PUBLICKEY_STATE_VALID) {
        ++h->failures;  // a signature that does not verify
        return SSH_AUTH_DENIED;
    }
    std::string blob = detail::key_blob(pubkey);
    std::string fp = blob.empty() ? std::string() : crypto::openssh_fingerprint(blob);
    AuthDecision d;
    if (!fp.empty() && h->options->authorize) {
        try {
            d = h->options->authorize(fp, blob);
        } catch (const std::exception& e) {
            log::error("authorize callback failed for key ", fp, ": ", e.what());
            d = AuthDecision{};
        }
    }
    if (d.kind == AuthKind::Refuse) {
        ++h->failures;
        log::warn("refused SSH key ", fp.empty() ? "(unreadable)" : fp, " from ", h->remote,
                  ": not a collective member and no invitation pending");
        return SSH_AUTH_DENIED;
    }
    if (signature_state == SSH_PUBLICKEY_STATE_NONE) return SSH_AUTH_SUCCESS;  // probe: pk_ok
    h->authenticated = true;
    h->decision = d;
    h->peer_blob = std::move(blob);
    h->peer_fingerprint = std::move(fp);
    return SSH_AUTH_SUCCESS;
}

int on_subsystem(ssh_session, ssh_channel channel, const char* subsystem, void* userdata) {
    auto* h = static_cast<Handshake*>(userdata);
    if (h->subsystem_open || channel != h->channel) return -1;
    bool member = std::strcmp(subsystem, proto::kMemberSubsystem) == 0;
    bool join = std::strcmp(subsystem, proto::kJoinSubsystem) == 0;
    if (member && h->decision.kind == AuthKind::Member) {
        h->kind = ChannelKind::Member;
    } else if (join && h->decision.kind != AuthKind::Refuse) {
        h->kind = ChannelKind::Join;
    } else {
        ++h->failures;
        log::warn("refused subsystem '", std::string(subsystem).substr(0, 64), "' for key ",
                  h->peer_fingerprint, " from ", h->remote);
        return -1;
    }
    h->subsystem_open = true;
    return 0;
}

ssh_channel on_channel_open(ssh_session session, void* userdata) {
    auto* h = static_cast<Handshake*>(userdata);
    if (!h->authenticated || h->channel != nullptr) return nullptr;  // one channel per connection
    ssh_channel channel = ssh_channel_new(session);
    if (channel == nullptr) return nullptr;
    h->channel_cb.userdata = h;
    h->channel_cb.channel_subsystem_request_function = on_subsystem;
    ssh_callbacks_init(&h->channel_cb);
    ssh_set_channel_callbacks(channel, &h->channel_cb);
    h->channel = channel;
    return channel;
}

// Every request no callback handled gets libssh's default (refusing) reply;
// failed userauth methods count towards the attempt limit.
int on_other_message(ssh_session, ssh_message message, void* userdata) {
    auto* h = static_cast<Handshake*>(userdata);
    if (ssh_message_type(message) == SSH_REQUEST_AUTH) ++h->failures;
    return 1;
}

// The normalized IP of an accepted peer ("" when not IPv4/IPv6).
std::string source_ip(const sockaddr_storage& ss) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, text,
                    sizeof text);
    } else if (ss.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, text,
                    sizeof text);
    }
    return normalize_ip(text);
}

int listen_socket(const std::string& host, uint16_t port, uint16_t& bound) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        len = sizeof *in4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        len = sizeof *in6;
    } else {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                                 ": not an IP address; give an address such as 0.0.0.0");
    }
    int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error(std::string("cannot create socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // A deep queue (the kernel caps it at net.core.somaxconn): under a flood
    // the acceptor refuses what is over the limits at once, but while it
    // waits for a CPU a full queue of 64 made the kernel drop handshakes,
    // and every connection behind them, a member's included, waited for
    // SYN-ACK retries (1, 2, 4 s).
    constexpr int kListenBacklog = 1024;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::listen(fd, kListenBacklog) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 std::strerror(err) +
                                 "; is another confluentd running, or choose another port");
    }
    sockaddr_storage got{};
    socklen_t got_len = sizeof got;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len);
    bound = ntohs(got.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&got)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&got)->sin6_port);
    return fd;
}

}  // namespace

class Server::Impl {
  public:
    Impl(ServerOptions options, const crypto::MemberKey& key)
        : options_(std::move(options)), bind_(ssh_bind_new()) {
        if (!bind_) throw std::runtime_error("cannot create the SSH listener (out of memory)");
        detail::KeyPtr host_key = detail::import_private_key(key.pem);
        bool no = false;
        ssh_bind_options_set(bind_.get(), SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
        ssh_bind_options_set(bind_.get(), SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
                             "ecdsa-sha2-nistp384");
        ssh_bind_options_set(bind_.get(), SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES,
                             "ecdsa-sha2-nistp384");
        if (ssh_bind_options_set(bind_.get(), SSH_BIND_OPTIONS_IMPORT_KEY, host_key.get()) != 0) {
            throw std::runtime_error("libssh refused the member key as host key: " +
                                     std::string(ssh_get_error(bind_.get())));
        }
        host_key.release();  // owned by the bind now
        listen_fd_ = listen_socket(options_.listen_host, options_.port, port_);
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake_fd_ < 0) {
            int err = errno;
            ::close(listen_fd_);
            throw std::runtime_error(std::string("cannot start the SSH listener: ") +
                                     std::strerror(err));
        }
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~Impl() {
        stop();
        ::close(wake_fd_);
    }

    uint16_t port() const { return port_; }
    StartupLimiter& limiter() { return limiter_; }

    void stop() {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            stopping_ = true;
        }
        uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
        acceptor_.join();
        ::close(listen_fd_);  // new connections are refused from here on
        listen_fd_ = -1;
        watchdog_.shutdown_all();
        std::map<uint64_t, std::thread> threads;
        {
            std::lock_guard lock(mu_);
            threads.swap(threads_);
        }
        for (auto& [id, t] : threads) t.join();
    }

  private:
    void accept_loop() {
        for (;;) {
            pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
                log::error("SSH listener poll failed: ", std::strerror(errno));
                return;
            }
            if (fds[1].revents & POLLIN) return;
            if (!(fds[0].revents & POLLIN)) continue;
            sockaddr_storage from{};
            socklen_t from_len = sizeof from;
            int fd =
                ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &from_len, SOCK_CLOEXEC);
            if (fd < 0) {
                if (accept_failed(errno)) return;
                continue;
            }
            std::string source;
            StartupLimiter::Slot slot;
            Admission a = Admission::TooManyConnections;
            try {
                source = source_ip(from);
                a = limiter_.admit(source, slot);
            } catch (const std::bad_alloc&) {  // refused like any over the limit
            }
            if (a != Admission::Admitted) {
                // Closed at once: no thread, no session, nothing read.
                ::close(fd);
                note_refusal(source, a);
                continue;
            }
            std::lock_guard lock(mu_);
            reap_locked();
            if (stopping_) {
                ::close(fd);
                continue;
            }
            uint64_t id = next_id_++;
            try {
                // The map entry first: a thread already running must never be dropped.
                auto& slot_thread = threads_.try_emplace(id).first->second;
                slot_thread = std::thread([this, fd, id, slot = std::move(slot)]() mutable {
                    run_connection(fd, slot);
                    slot.release();  // before the thread is reaped: counts stay exact
                    std::lock_guard done(mu_);
                    finished_.push_back(id);
                });
            } catch (const std::exception& e) {  // no thread or memory: refuse this one
                threads_.erase(id);
                ::close(fd);
                uint64_t n = 0;
                if (thread_failures_.due(n))
                    log::warn("refused ", n,
                              " SSH connection(s): cannot start a thread: ", e.what());
            }
        }
    }

    // accept() failed with `err`. Out of descriptors or memory: wait a little
    // before the next try (the pending connection stays queued), never spin.
    // True when the loop should end (stop() woke it meanwhile).
    bool accept_failed(int err) {
        if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) return false;
        uint64_t n = 0;
        if (accept_failures_.due(n))
            log::warn("SSH listener: cannot accept connections (", n,
                      " failure(s)): ", std::strerror(err), "; retrying every 100 ms");
        pollfd wake = {wake_fd_, POLLIN, 0};
        return ::poll(&wake, 1, 100) > 0;
    }

    void note_refusal(const std::string& source, Admission a) {
        uint64_t n = 0;
        if (!refusals_.due(n)) return;
        auto c = limiter_.counts();
        log::warn("SSH listener: refused ", n,
                  " connection(s) in the last 10 s before authentication (last from ", source, ": ",
                  admission_text(a), "); ", c.unauthenticated, " unauthenticated of ", c.total,
                  " connection(s) open");
    }

    // Runs one connection; nothing it throws (out of memory) ends the daemon.
    void run_connection(int fd, StartupLimiter::Slot& slot) {
        try {
            serve(fd, slot);
        } catch (const std::exception& e) {
            uint64_t n = 0;
            if (serve_failures_.due(n))
                log::warn("dropped ", n, " SSH connection(s) that could not be served: ", e.what());
        }
    }

    void reap_locked() {
        for (uint64_t id : finished_) {
            auto it = threads_.find(id);
            if (it != threads_.end()) {
                it->second.join();
                threads_.erase(it);
            }
        }
        finished_.clear();
    }

    void serve(int fd, StartupLimiter::Slot& slot) {
        auto deadline = Clock::now() + options_.limits.handshake_timeout;
        // Closes the socket unless the session took it (declared before
        // `disarm`: the watchdog lets go of the socket before it is closed).
        struct OwnedFd {
            int fd;
            bool owned = true;
            ~OwnedFd() {
                if (owned) ::close(fd);
            }
        } owned{fd};
        std::string remote = detail::peer_address(fd);
        detail::SessionPtr session(ssh_new());
        if (!session) return;
        uint64_t ticket = watchdog_.arm(fd, deadline);
        struct Disarm {
            Watchdog& w;
            uint64_t t;
            bool armed = true;
            ~Disarm() {
                if (armed) w.disarm(t);
            }
        } disarm{watchdog_, ticket};

        auto h = std::make_shared<Handshake>();
        h->options = &options_;
        h->remote = remote;
        h->server_cb.userdata = h.get();
        h->server_cb.auth_pubkey_function = on_auth_pubkey;
        h->server_cb.channel_open_request_session_function = on_channel_open;
        ssh_callbacks_init(&h->server_cb);
        ssh_session s = session.get();
        ssh_set_server_callbacks(s, &h->server_cb);
        ssh_set_message_callback(s, on_other_message, h.get());
        ssh_set_auth_methods(s, SSH_AUTH_METHOD_PUBLICKEY);

        bool accepted = ssh_bind_accept_fd(bind_.get(), s, fd) == SSH_OK;
        if (ssh_get_fd(s) == fd) owned.owned = false;  // the session closes it now
        if (!accepted) {
            log::warn("SSH accept from ", remote, " failed: ", detail::error_text(s));
            return;
        }
        if (ssh_handle_key_exchange(s) != SSH_OK) {
            log::debug("SSH key exchange with ", remote, " failed: ", detail::error_text(s));
            return;
        }
        {
            detail::EventPtr event(ssh_event_new());
            if (!event || ssh_event_add_session(event.get(), s) != SSH_OK) return;
            while (!h->subsystem_open) {
                if (ssh_event_dopoll(event.get(), 200) == SSH_ERROR) {
                    log::debug("SSH handshake with ", remote, " ended: ", detail::error_text(s));
                    return;
                }
                // A pinned key proved: no longer counted as unauthenticated.
                if (h->authenticated && h->decision.kind == AuthKind::Member) slot.authenticated();
                if (h->failures > options_.limits.max_auth_attempts) {
                    log::warn("disconnecting ", remote,
                              ": too many failed authentication attempts");
                    return;
                }
                if (Clock::now() >= deadline ||
                    (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
                    log::debug("SSH handshake with ", remote, " timed out or closed");
                    return;
                }
            }
            ssh_event_remove_session(event.get(), s);
        }

        PeerInfo info;
        info.kind = h->kind;
        info.direction = Direction::Inbound;
        info.key_blob = h->peer_blob;
        info.fingerprint = h->peer_fingerprint;
        info.remote_address = remote;
        info.name = h->kind == ChannelKind::Member ? h->decision.member_name : std::string();
        info.cipher = ssh_get_cipher_in(s);  // what the client sends with
        detail::ChannelPtr channel(h->channel);
        disarm.armed = false;
        Limits limits = options_.limits;
        if (info.kind == ChannelKind::Join) {
            limits.max_frame_bytes = std::min(limits.max_frame_bytes, proto::kMaxJoinFrameBytes);
        }
        std::unique_ptr<Connection::Impl> impl;
        try {
            impl = std::make_unique<Connection::Impl>(std::move(session), std::move(channel), info,
                                                      limits, watchdog_, ticket, h);
        } catch (const std::system_error& e) {  // out of file descriptors: drop this one
            log::warn("closing connection from ", remote, ": ", e.what());
            return;
        }
        proto::Hello ours;
        ours.name = options_.my_name;
        ours.advertise = options_.advertise;
        ours.max_version = options_.max_version;
        proto::Hello theirs;
        try {
            theirs = impl->exchange_hello(ours, deadline);
        } catch (const ConnectionClosed& e) {
            log::warn("closing connection from ", remote, ": ", e.what());
            return;
        }
        auto version = proto::negotiate_version(ours, theirs);
        if (!version) {
            log::warn("closing connection from ", remote, ": ",
                      proto::version_refusal(ours, theirs));
            impl->close();
            return;
        }
        if (info.kind == ChannelKind::Member && theirs.name != info.name) {
            log::warn("closing connection from ", remote, ": its key is pinned to member ",
                      info.name, " but it calls itself '", theirs.name.substr(0, 64), "'");
            impl->close();
            return;
        }
        if (info.kind == ChannelKind::Join && !crypto::valid_member_name(theirs.name)) {
            log::warn("closing join connection from ", remote, ": invalid member name");
            impl->close();
            return;
        }
        slot.authenticated();  // a join too, once its Hello is in
        impl->info.name = theirs.name;
        impl->info.version = *version;
        impl->info.advertise = theirs.advertise;
        watchdog_.rearm(
            ticket, Clock::now() + options_.limits.dead_after + options_.limits.keepalive_interval);
        try {
            if (options_.on_connection)
                options_.on_connection(std::make_unique<Connection>(std::move(impl)));
        } catch (const std::exception& e) {
            log::error("connection handler for ", remote, " failed: ", e.what());
        }
    }

    ServerOptions options_;
    StartupLimiter limiter_{options_.limits.startups};
    log::Throttle refusals_, accept_failures_, thread_failures_, serve_failures_;
    detail::BindPtr bind_;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    uint16_t port_ = 0;
    Watchdog watchdog_;
    std::thread acceptor_;
    std::mutex mu_;
    std::map<uint64_t, std::thread> threads_;  // guarded by mu_
    std::vector<uint64_t> finished_;           // guarded by mu_
    uint64_t next_id_ = 1;                     // guarded by mu_
    bool stopping_ = false;                    // guarded by mu_
};

Server::Server(ServerOptions options, const crypto::MemberKey& key)
    : impl_(std::make_unique<Impl>(std::move(options), key)) {}
Server::~Server() = default;
uint16_t Server::port() const {
    return impl_->port();
}
void Server::stop() {
    impl_->stop();
}
void Server::set_member_sources(std::set<std::string> sources) {
    impl_->limiter().set_member_sources(std::move(sources));
}
StartupLimiter::Counts Server::startup_counts() const {
    return impl_->limiter().counts();
}

}  // namespace cc::ssh
