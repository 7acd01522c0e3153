#include "daemon/collective/member_service.hpp"

#include <random>

#include "daemon/collective/joiner.hpp"
#include "daemon/collective/member_list.hpp"
#include "daemon/collective/reach_check.hpp"
#include "daemon/collective/status_report.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/util/host_name.hpp"
#include "daemon/util/log.hpp"

namespace cc::collective {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// An empty message is filled with the outcome's standard text on the way
// out (the API server, proto::text_or_default).
proto::ApiError error(proto::Outcome code, std::string message = {}) {
    return proto::ApiError{code, std::move(message)};
}

bool wildcard(const std::string& host) {
    return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

uint64_t new_boot_id() {
    std::random_device rd;
    return (uint64_t(rd()) << 32) ^ rd();
}

}  // namespace

MemberService::MemberService(asio::io_context& io, ServiceOptions options,
                             ConsensusAccess& consensus)
    : io_(io),
      options_(std::move(options)),
      consensus_(consensus),
      boot_id_(new_boot_id()),
      invitations_(
          io, consensus,
          {options_.etc_dir, storage::Layout(options_.state_dir).collective() / "invitations",
           options_.my_name, options_.invitation_ttl},
          {[this] {
               bool created = ensure_key();
               start_bridge();
               return created;
           },
           [this] { return fingerprint(); }, [this] { return self_address(); },
           [this] { return in_collective(); },
           [this](const proto::MemberInfo& m) {
               // key_ exists: join connections arrive only once the bridge runs.
               return check_reachable({options_.my_name, source_host(), options_.limits}, m, *key_);
           }}),
      joins_(io, options_.limits, boot_id_,
             {[this] {
                  // The inviter checks that it reaches us before it records
                  // us (reach_check.hpp): listen during the join.
                  bool created = ensure_key();
                  start_bridge();
                  return created;
              },
              [this] { return *key_; }, [this] { return peer_advertise(); },
              [this] { return source_host(); },
              [this](JoinedCollective j) {
                  if (on_joined) on_joined(std::move(j));
              }}),
      views_(io, options_.my_name,
             {[this] { return consensus_.consensus_status().role == raft::Role::Leader; },
              [this] { return status(); },
              [this](const std::string& to, const proto::PeerMessage& m) {
                  if (bridge_) bridge_->send(to, m);
              }}),
      recovery_(io, consensus_, options_.my_name),
      dropped_(options_.my_name) {
    if (crypto::key_exists(options_.etc_dir))
        key_ = crypto::load_private_key(options_.etc_dir / crypto::kPrivateKeyFile);
}

MemberService::~MemberService() {
    stop();
}

void MemberService::start() {
    // A lone server listens only once it invites someone.
    if (key_ && in_collective()) start_bridge();
}

void MemberService::stop() {
    *alive_ = false;
    invitations_.stop();  // releases join connections waiting for their change
    views_.stop();
    if (bridge_) bridge_->stop();
    joins_.stop();
}

bool MemberService::peers_waiting() const {
    return bridge_ && bridge_->behind();
}

bool MemberService::in_collective() const {
    if (in_collective_.load(std::memory_order_relaxed)) return true;
    if (!fs::exists(options_.etc_dir / "cfg" / "collective")) return false;
    in_collective_.store(true, std::memory_order_relaxed);
    return true;
}

std::string MemberService::fingerprint() const {
    return key_ ? key_->fingerprint : std::string();
}

std::string MemberService::self_address() const {
    if (!options_.advertise.empty()) return with_port(options_.advertise, options_.port);
    auto listen = parse_server(options_.listen, options_.port);
    if (!wildcard(listen.host)) {
        bool v6 = listen.host.find(':') != std::string::npos;
        return (v6 ? "[" + listen.host + "]" : listen.host) + ":" + std::to_string(listen.port);
    }
    return with_port(options_.my_name, options_.port);
}

std::string MemberService::source_host() const {
    auto listen = parse_server(options_.listen, options_.port);
    return wildcard(listen.host) ? std::string() : listen.host;
}

std::string MemberService::peer_advertise() const {
    // A specific --listen is our address as much as --advertise is: the
    // source address of a connection may be another of our addresses (or
    // 127.0.0.1 on loopback), which the others could not reach us at.
    if (!options_.advertise.empty() || !source_host().empty()) return self_address();
    // Wildcard: members record the address they see us at; a non-default
    // port must still be told.
    uint16_t own_port = parse_server(options_.listen, options_.port).port;
    if (own_port != ssh::kDefaultPeerPort) return ":" + std::to_string(own_port);
    return {};
}

bool MemberService::ensure_key() {
    if (key_) return false;
    bool created = false;
    if (!crypto::key_exists(options_.etc_dir)) {
        crypto::generate_key_and_cert(options_.etc_dir, cc::util::short_host_name());
        created = true;
        cc::log::info("generated this member's key and certificate in ", options_.etc_dir.string());
    }
    key_ = crypto::load_private_key(options_.etc_dir / crypto::kPrivateKeyFile);
    return created;
}

void MemberService::start_bridge() {
    if (bridge_ || !key_) return;
    BridgeOptions o;
    o.my_name = options_.my_name;
    o.advertise = peer_advertise();
    o.max_version = options_.peer_protocol_max;
    auto listen = parse_server(options_.listen, options_.port);
    o.listen_host = wildcard(listen.host) ? "0.0.0.0" : listen.host;
    o.listen_port = listen.port;
    o.source_host = source_host();
    o.limits = options_.limits;
    BridgeHandlers h;
    h.members = [this] {
        refreshed_ = consensus_.latest_membership();
        return refreshed_;
    };
    h.on_consensus = [this](const std::string& from, proto::RaftMessage m) {
        consensus_.deliver(from, std::move(m));
    };
    h.on_leader_view = [this](const std::string& from, proto::LeaderView v) {
        views_.received(from, std::move(v));
    };
    h.on_alive = [this](const std::string& from) {
        if (on_alive) on_alive(from);
    };
    h.on_link_lost = [this](const std::string& member) {
        if (on_link_lost) on_link_lost(member);
    };
    h.on_routed = [this](const std::string& from, proto::PeerMessage m) {
        if (on_routed) on_routed(from, std::move(m));
    };
    h.on_data_key = [this](const std::string& from, proto::PeerMessage m) {
        if (on_data_key) on_data_key(from, std::move(m));
    };
    h.on_link = [this](const std::string& member, const std::string& remote,
                       const std::string& advertise) {
        moved_.seen(member, reach_address(advertise, remote, ssh::kDefaultPeerPort));
        record_moved_members();
    };
    h.on_key_refused = [this](const std::string& by) {
        dropped_.refused_by(by, consensus_.consensus_status().leader, DroppedMember::Clock::now());
    };
    h.accepting_joins = [this] { return invitations_.has_pending(); };
    h.on_join = [this, blob = key_->blob](std::unique_ptr<ssh::Connection> conn) {
        cc::log::info(invitations_.serve(*conn, blob));
    };
    bridge_ = std::make_unique<PeerBridge>(io_, o, std::move(h), *key_);
    bridge_->start();
    cc::log::info("collective port listening on ", o.listen_host, ":", bridge_->port(),
                  "; this member is reached at ", self_address());
    views_.start();
}

void MemberService::send(const std::string& to, const proto::RaftMessage& message) {
    if (!bridge_) return;
    // A member added a moment ago is not known to the transport yet.
    if (!find_member(refreshed_, to)) bridge_->refresh();
    bridge_->send(to, message);
}

void MemberService::members_maybe_changed() {
    if (!bridge_) return;
    // Called after every batch the driver applies: compare, not a whole status.
    if (consensus_.latest_membership() != refreshed_) bridge_->refresh();
    record_moved_members();
}

void MemberService::record_moved_members() {
    // Called after every batch the driver applies: no status unless needed.
    if (moved_.idle()) return;
    auto change = moved_.next(consensus_.consensus_status(), std::chrono::steady_clock::now());
    if (!change) return;
    cc::log::info("member ", change->member, " is now reached at ", change->to, " (was ",
                  change->from, "); recording the new address through the log");
    consensus_.change_members(change->list, [this, alive = alive_, c = *change](ChangeOutcome o) {
        if (!*alive) return;
        bool ok = o.done();
        if (ok)
            cc::log::info("address of member ", c.member, " is ", c.to, " from index ", o.index);
        else
            cc::log::warn("could not record the new address of member ", c.member, ": ", o.text(),
                          "; trying again");
        moved_.finished(ok, std::chrono::steady_clock::now());
    });
}

proto::ApiStatus MemberService::status() const {
    ReportContext c;
    c.in_collective = in_collective();
    c.my_name = options_.my_name;
    c.fingerprint = fingerprint();
    c.link_up = [this](const std::string& m) { return bridge_ && bridge_->connected(m); };
    c.link_version = [this](const std::string& m) { return link_version(m); };
    c.own_protocol = options_.peer_protocol_max;
    // The leader's view, while it is the current leader's and fresh.
    auto st = consensus_.consensus_status();
    if (auto fresh = views_.fresh(st.leader, st.term)) {
        c.leader_view = fresh->view;
        c.leader_view_age_ms = fresh->age_ms;
    }
    auto s = status_report(st, raft::Clock::now(), c);
    s.boot_id = boot_id_;
    return s;
}

// ---- invite and join ----

void MemberService::invite(const proto::ApiInvite& request, Reply reply) {
    invitations_.invite(request, std::move(reply));
}

void MemberService::join(const proto::ApiJoin& request, Reply reply) {
    joins_.join(request, std::move(reply));
}

// ---- delete ----

void MemberService::delete_member(const proto::ApiDeleteMember& request, Reply reply) {
    auto s = status();
    const proto::ApiMemberStatus* m = nullptr;
    for (const auto& x : s.members)
        if (x.name == request.name) m = &x;
    if (!s.in_collective || m == nullptr) {
        reply(error(proto::Outcome::NotFound,
                    request.name + " is not a recognized collective member"));
        return;
    }
    if (m->active || m->name == s.leader || m->name == options_.my_name) {
        reply(error(proto::Outcome::Refused,
                    request.name + " is still active, stop the confluent service to remove it"));
        return;
    }
    // No node may be left pointing at a name that is not a member.
    if (auto managed = consensus_.nodes_managed_by(request.name); !managed.empty()) {
        reply(error(proto::Outcome::Refused,
                    request.name + " still manages " + std::to_string(managed.size()) +
                        (managed.size() == 1 ? " node" : " nodes") +
                        "; give them another manager first, e.g. nodeattrib collective.manager=" +
                        request.name + " collective.manager=OTHER"));
        return;
    }
    if (!s.quorum) {
        reply(error(proto::Outcome::NoQuorum));
        return;
    }
    auto list = without_member(consensus_.latest_membership(), request.name);
    if (!list) {
        reply(error(proto::Outcome::NotFound,
                    request.name + " is not a recognized collective member"));
        return;
    }
    consensus_.change_members(*list, [reply, name = request.name](ChangeOutcome o) {
        if (o.done()) {
            cc::log::info("member ", name, " deleted from the collective at index ", o.index);
            reply(proto::ApiDone{{"Successfully deleted " + name}});
        } else {
            reply(error(o.outcome, o.reason));
        }
    });
}

std::optional<std::string> MemberService::dropped_reason() {
    if (!dropped_.set()) return std::nullopt;
    return dropped_.reason(consensus_.consensus_status().leader);
}

uint32_t MemberService::peer_version(const std::string& member) const {
    return bridge_ ? bridge_->last_known_version(member) : 0;
}

void MemberService::send_peer(const std::string& to, const proto::PeerMessage& message,
                              bool peer_speaks_it) {
    if (!bridge_) return;
    if (!find_member(refreshed_, to)) bridge_->refresh();
    bridge_->send(to, message, peer_speaks_it);
}

uint64_t MemberService::link_changes() const {
    return bridge_ ? bridge_->link_changes() : 0;  // no bridge: no links, versions all 0
}

uint32_t MemberService::link_version(const std::string& member) const {
    return bridge_ ? bridge_->version(member) : 0;
}

}  // namespace cc::collective
