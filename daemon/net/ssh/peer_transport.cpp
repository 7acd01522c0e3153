#include "daemon/net/ssh/peer_transport.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "daemon/net/ssh/address.hpp"
#include "daemon/net/ssh/client.hpp"
#include "daemon/net/ssh/server.hpp"
#include "daemon/net/ssh/watchdog.hpp"
#include "daemon/util/log.hpp"

namespace cc::ssh {

namespace {

// A frame the daemon rejects by throwing (e.g. proto::DecodeError) is hostile
// input: the connection is dropped and the transport carries on.
void deliver(const TransportHandlers& handlers, Connection& conn, const PeerInfo& peer,
             std::string payload) {
    if (payload.empty()) {  // a keepalive
        if (handlers.on_alive) handlers.on_alive(peer);
        return;
    }
    if (!handlers.on_frame) return;
    try {
        handlers.on_frame(peer, std::move(payload));
    } catch (const std::exception& e) {
        log::warn("dropping the connection with member ", peer.name,
                  ": it sent a frame that was rejected: ", e.what());
        conn.close();
    }
}

void report_link(const TransportHandlers& handlers, const PeerInfo& peer, bool up) {
    if (!handlers.on_link) return;
    try {
        handlers.on_link(peer, up);
    } catch (const std::exception& e) {
        log::error("link callback for member ", peer.name, " failed: ", e.what());
    }
}

// One outgoing connection to one member, kept up by its own thread.
class Link {
  public:
    // `reached(name, remote_address)` is told where each connection to the
    // member went (on the link's thread, no lock of the link held).
    using Reached = std::function<void(const std::string&, const std::string&)>;
    Link(PeerEndpoint endpoint, const TransportOptions& options, const TransportHandlers& handlers,
         const crypto::MemberKey& key, Reached reached)
        : endpoint_(std::move(endpoint)),
          options_(options),
          handlers_(handlers),
          key_(key),
          reached_(std::move(reached)) {
        thread_ = std::thread([this] { loop(); });
    }

    ~Link() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
            if (conn_ != nullptr) conn_->close();
        }
        cv_.notify_all();
        watchdog_.shutdown_all();  // aborts a connection attempt in progress
        thread_.join();
    }

    const PeerEndpoint& endpoint() const { return endpoint_; }

    // The member left the list (or changed key or address): close now and
    // never register a connection again, even one whose handshake is still
    // in flight. Called under the transport's lock, so no link of a removed
    // member survives the refresh() that removed it; the destructor joins.
    void retire() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
            if (conn_ != nullptr) conn_->close();
        }
        cv_.notify_all();
        watchdog_.shutdown_all();
    }

    // The member just reached us: if our link to it is down, retry now
    // rather than at the end of a backoff of up to backoff_max (a member
    // restarted after a long outage would otherwise wait that long for the
    // leader's messages, which travel on the leader's own link).
    void retry_now() {
        {
            std::lock_guard lock(mu_);
            if (conn_ != nullptr) return;
            kick_ = true;
        }
        cv_.notify_all();
    }

    bool send(std::string payload, SendMode mode) {
        if (payload.size() > options_.limits.max_frame_bytes) return false;
        std::lock_guard lock(mu_);
        if (conn_ != nullptr) return conn_->send(std::move(payload), mode);
        // Not connected: keep a bounded backlog for when we are.
        pending_bytes_ += payload.size();
        pending_.push_back(std::move(payload));
        while (pending_.size() > 1 && (pending_.size() > options_.limits.queue_frames ||
                                       pending_bytes_ > options_.limits.queue_bytes)) {
            pending_bytes_ -= pending_.front().size();
            pending_.pop_front();
        }
        return true;
    }

    bool connected() const {
        std::lock_guard lock(mu_);
        return conn_ != nullptr;
    }

    uint32_t version() const {
        std::lock_guard lock(mu_);
        return conn_ != nullptr ? conn_->peer().version : 0;
    }

  private:
    bool stopping() const {
        std::lock_guard lock(mu_);
        return stop_;
    }

    void loop() {
        std::mt19937_64 rng{std::random_device{}()};
        auto backoff = options_.backoff_initial;
        bool reported_failure = false;
        for (;;) {
            {
                std::lock_guard lock(mu_);
                if (stop_) return;
            }
            try {
                run_once();
                backoff = options_.backoff_initial;  // it worked for a while
                reported_failure = false;
            } catch (const ConnectError& e) {
                if (stopping()) return;  // the failure is our own stop() aborting it
                if (e.key_refused && handlers_.on_key_refused) {
                    try {
                        handlers_.on_key_refused(endpoint_.name);
                    } catch (const std::exception& x) {
                        log::error("key refusal callback for member ", endpoint_.name,
                                   " failed: ", x.what());
                    }
                }
                // Say it once per outage, not at every retry.
                if (!reported_failure) {
                    log::warn("member ", endpoint_.name, ": ", e.what(), "; retrying");
                    reported_failure = true;
                } else {
                    log::debug("member ", endpoint_.name, ": ", e.what());
                }
            } catch (const std::exception& e) {
                log::error("member ", endpoint_.name, ": ", e.what(), "; retrying");
            }
            // Jittered exponential backoff: uniform in [backoff/2, backoff].
            std::uniform_int_distribution<long long> pick(backoff.count() / 2, backoff.count());
            auto wait = std::chrono::milliseconds(pick(rng));
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, wait, [this] { return stop_ || kick_; });
            if (stop_) return;
            if (kick_) {
                kick_ = false;
                backoff = options_.backoff_initial;
                continue;
            }
            backoff = std::min(backoff * 2, options_.backoff_max);
        }
    }

    void run_once() {
        auto hp = detail::split_address(endpoint_.address, kDefaultPeerPort);
        if (!hp) {
            throw ConnectError("Failed to connect to " + endpoint_.address +
                               ": not a valid address (host, host:port or [v6]:port)");
        }
        ClientOptions co;
        co.host = hp->host;
        co.port = hp->port;
        co.bind_host = options_.source_host;
        co.my_name = options_.my_name;
        co.advertise = options_.advertise;
        co.max_version = options_.max_version;
        co.kind = ChannelKind::Member;
        co.expected_fingerprint = endpoint_.fingerprint;
        co.limits = options_.limits;
        co.watchdog = &watchdog_;
        std::unique_ptr<Connection> conn = connect(co, key_);
        if (conn->peer().name != endpoint_.name) {
            throw ConnectError("Failed to connect to " + endpoint_.address + ": it answers as '" +
                               conn->peer().name.substr(0, 64) + "', expected " + endpoint_.name);
        }
        {
            std::lock_guard lock(mu_);
            if (stop_) return;
            for (auto& p : pending_) conn->send(std::move(p));
            pending_.clear();
            pending_bytes_ = 0;
            conn_ = conn.get();
        }
        PeerInfo peer = conn->peer();
        log::info("connected to member ", peer.name, " at ", peer.remote_address,
                  " (peer protocol v", peer.version, ") with ", peer.cipher);
        if (reached_) reached_(peer.name, peer.remote_address);
        report_link(handlers_, peer, true);
        std::string reason = conn->run(
            [&](std::string payload) { deliver(handlers_, *conn, peer, std::move(payload)); });
        {
            std::lock_guard lock(mu_);
            conn_ = nullptr;
        }
        log::info("connection to member ", peer.name, " ended: ", reason);
        report_link(handlers_, peer, false);
    }

    const PeerEndpoint endpoint_;
    const TransportOptions& options_;
    const TransportHandlers& handlers_;
    const crypto::MemberKey& key_;
    const Reached reached_;
    Watchdog watchdog_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;                // guarded by mu_
    bool kick_ = false;                // retry_now(); guarded by mu_
    Connection* conn_ = nullptr;       // guarded by mu_; owned by the link thread
    std::deque<std::string> pending_;  // guarded by mu_
    size_t pending_bytes_ = 0;         // guarded by mu_
    std::thread thread_;               // last: started when everything else exists
};

TransportOptions with_quiet_flag(TransportOptions o, const std::shared_ptr<std::atomic<bool>>& q) {
    o.limits.quiet = q;
    return o;
}

}  // namespace

class PeerTransport::Impl {
  public:
    Impl(TransportOptions options, TransportHandlers handlers, crypto::MemberKey key)
        : options_(with_quiet_flag(std::move(options), quiet_)),
          handlers_(std::move(handlers)),
          key_(std::move(key)) {}

    void set_quiet(bool quiet) { quiet_->store(quiet, std::memory_order_relaxed); }

    ~Impl() { stop(); }

    void start() {
        ServerOptions so;
        so.listen_host = options_.listen_host;
        so.port = options_.listen_port;
        so.my_name = options_.my_name;
        so.advertise = options_.advertise;
        so.max_version = options_.max_version;
        so.limits = options_.limits;
        so.authorize = [this](const std::string& fp, const std::string& blob) {
            return authorize(fp, blob);
        };
        so.on_connection = [this](std::unique_ptr<Connection> conn) { serve(std::move(conn)); };
        refresh();  // members are pinned before the first connection is accepted
        auto server = std::make_unique<Server>(std::move(so), key_);
        uint16_t bound = server->port();
        {
            std::lock_guard lock(mu_);
            server_ = std::move(server);
            push_sources_locked();
        }
        log::info("member transport listening on ", options_.listen_host, ":", bound, " with key ",
                  key_.fingerprint);
    }

    void refresh() {
        std::vector<PeerEndpoint> members =
            options_.members ? options_.members() : std::vector<PeerEndpoint>{};
        std::vector<std::unique_ptr<Link>> retired;
        {
            std::lock_guard lock(mu_);
            if (stopped_) return;
            std::map<std::string, PeerEndpoint> wanted;
            pinned_.clear();
            for (auto& m : members) {
                if (m.name == options_.my_name) continue;
                pinned_[m.fingerprint] = m.name;
                wanted[m.name] = m;
            }
            for (auto it = links_.begin(); it != links_.end();) {
                auto w = wanted.find(it->first);
                if (w == wanted.end() || !(w->second == it->second->endpoint())) {
                    it->second->retire();
                    retired.push_back(std::move(it->second));
                    it = links_.erase(it);
                } else {
                    ++it;
                }
            }
            for (auto& [name, ep] : wanted) {
                if (!links_.count(name)) {
                    links_[name] = std::make_unique<Link>(
                        ep, options_, handlers_, key_,
                        [this](const std::string& member, const std::string& remote) {
                            learn_source(member, remote);
                        });
                }
            }
            for (auto it = seen_at_.begin(); it != seen_at_.end();) {
                it = wanted.count(it->first) ? std::next(it) : seen_at_.erase(it);
            }
            recorded_sources_.clear();
            for (auto& [name, ep] : wanted) {
                if (auto hp = detail::split_address(ep.address, kDefaultPeerPort)) {
                    if (auto ip = normalize_ip(hp->host); !ip.empty()) recorded_sources_.insert(ip);
                }
            }
            push_sources_locked();
            // Incoming connections from keys that are no longer pinned end now.
            for (auto& [id, conn] : inbound_) {
                auto p = pinned_.find(conn->peer().fingerprint);
                if (p == pinned_.end() || p->second != conn->peer().name) conn->close();
            }
        }
        retired.clear();  // joins their threads outside the lock
    }

    bool send(const std::string& member, std::string payload, SendMode mode) {
        std::lock_guard lock(mu_);
        auto it = links_.find(member);
        if (it == links_.end()) return false;
        return it->second->send(std::move(payload), mode);
    }

    bool connected(const std::string& member) const {
        std::lock_guard lock(mu_);
        auto it = links_.find(member);
        return it != links_.end() && it->second->connected();
    }

    uint32_t version(const std::string& member) const {
        std::lock_guard lock(mu_);
        auto it = links_.find(member);
        return it != links_.end() ? it->second->version() : 0;
    }

    uint16_t port() const {
        std::lock_guard lock(mu_);
        return server_ ? server_->port() : 0;
    }

    void stop() {
        std::map<std::string, std::unique_ptr<Link>> links;
        std::unique_ptr<Server> server;
        {
            std::lock_guard lock(mu_);
            if (stopped_) return;
            stopped_ = true;
            links.swap(links_);
            server = std::move(server_);
        }
        links.clear();
        if (server) server->stop();
    }

  private:
    // Where member `name` was seen at the other end of an authenticated
    // connection: its address bypasses the global pre-authentication limit
    // from now on (a member whose cfg/collective address is a host name).
    void learn_source(const std::string& name, const std::string& remote_address) {
        auto hp = detail::split_address(remote_address, kDefaultPeerPort);
        std::string ip = hp ? normalize_ip(hp->host) : std::string();
        if (ip.empty()) return;
        std::lock_guard lock(mu_);
        if (stopped_ || !links_.count(name)) return;  // not (or no longer) a member
        if (!seen_at_[name].insert(ip).second) return;
        push_sources_locked();
    }

    void push_sources_locked() {
        if (!server_) return;
        std::set<std::string> all = recorded_sources_;
        for (auto& [name, ips] : seen_at_) all.insert(ips.begin(), ips.end());
        server_->set_member_sources(std::move(all));
    }

    AuthDecision authorize(const std::string& fingerprint, const std::string&) {
        {
            std::lock_guard lock(mu_);
            auto it = pinned_.find(fingerprint);
            if (it != pinned_.end()) return {AuthKind::Member, it->second};
        }
        if (handlers_.on_join && options_.accepting_joins && options_.accepting_joins()) {
            return {AuthKind::JoinOnly, {}};
        }
        return {AuthKind::Refuse, {}};
    }

    void serve(std::unique_ptr<Connection> conn) {
        if (conn->peer().kind == ChannelKind::Join) {
            log::info("join connection from ", conn->peer().remote_address, " (key ",
                      conn->peer().fingerprint, ", says it is ", conn->peer().name, ")");
            if (handlers_.on_join) handlers_.on_join(std::move(conn));
            return;
        }
        PeerInfo peer = conn->peer();
        {
            std::lock_guard lock(mu_);
            if (stopped_) return;
            // The key was authorized at SSH login, but the member list may
            // have changed since (a peer can hold back its Hello past its
            // `collective delete`). Checked again under the lock refresh()
            // sweeps inbound_ with, so there is no window in between.
            auto p = pinned_.find(peer.fingerprint);
            if (p == pinned_.end() || p->second != peer.name) {
                conn->close();
                log::warn("closing connection from ", peer.remote_address, ": member ", peer.name,
                          " (key ", peer.fingerprint, ") is no longer in the member list");
                return;
            }
            inbound_[peer.id] = conn.get();
        }
        log::info("member ", peer.name, " connected from ", peer.remote_address);
        learn_source(peer.name, peer.remote_address);
        {
            std::lock_guard lock(mu_);
            if (auto it = links_.find(peer.name); it != links_.end()) it->second->retry_now();
        }
        report_link(handlers_, peer, true);
        std::string reason = conn->run(
            [&](std::string payload) { deliver(handlers_, *conn, peer, std::move(payload)); });
        {
            std::lock_guard lock(mu_);
            inbound_.erase(peer.id);
        }
        log::info("connection from member ", peer.name, " ended: ", reason);
        report_link(handlers_, peer, false);
    }

    // Every connection's Limits::quiet (ours, whichever end dialled).
    const std::shared_ptr<std::atomic<bool>> quiet_ = std::make_shared<std::atomic<bool>>(false);
    const TransportOptions options_;
    const TransportHandlers handlers_;
    const crypto::MemberKey key_;
    mutable std::mutex mu_;
    std::unique_ptr<Server> server_;                      // guarded by mu_
    std::map<std::string, std::unique_ptr<Link>> links_;  // guarded by mu_
    std::map<std::string, std::string> pinned_;           // fingerprint -> name, guarded by mu_
    std::map<uint64_t, Connection*> inbound_;             // guarded by mu_
    // Member source addresses for the server's startup limiter: the IP
    // literals in the member list, and where each member was seen.
    std::set<std::string> recorded_sources_;                // guarded by mu_
    std::map<std::string, std::set<std::string>> seen_at_;  // guarded by mu_
    bool stopped_ = false;                                  // guarded by mu_
};

PeerTransport::PeerTransport(TransportOptions options, TransportHandlers handlers,
                             crypto::MemberKey key)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handlers), std::move(key))) {}
PeerTransport::~PeerTransport() {
    stop();
}
void PeerTransport::start() {
    impl_->start();
}
void PeerTransport::refresh() {
    impl_->refresh();
}
bool PeerTransport::send(const std::string& member, std::string payload, SendMode mode) {
    return impl_->send(member, std::move(payload), mode);
}
void PeerTransport::stop() {
    impl_->stop();
}
uint16_t PeerTransport::port() const {
    return impl_->port();
}
bool PeerTransport::connected(const std::string& member) const {
    return impl_->connected(member);
}
uint32_t PeerTransport::version(const std::string& member) const {
    return impl_->version(member);
}
void PeerTransport::set_quiet(bool quiet) {
    impl_->set_quiet(quiet);
}

}  // namespace cc::ssh
