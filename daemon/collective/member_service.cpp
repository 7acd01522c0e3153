#include "daemon/collective/member_service.hpp"
#include "daemon/util/host_name.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <random>

#include "daemon/collective/join_inviter.hpp"
#include "daemon/collective/joiner.hpp"
#include "daemon/collective/member_list.hpp"
#include "daemon/collective/status_report.hpp"
#include "daemon/state/member_files.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/util/log.hpp"

namespace cc::collective {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// How long an inviter keeps retrying a member list change that meets
// another one still in flight (a previous joiner's promotion), and waits
// for it to commit.
constexpr auto kAdmitBound = std::chrono::seconds(20);

// An empty message is filled with the outcome's standard text on the way
// out (the API server, proto::text_or_default).
proto::ApiError error(proto::Outcome code, std::string message = {}) {
    return proto::ApiError{code, std::move(message)};
}

bool wildcard(const std::string& host) {
    return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

}  // namespace

struct MemberService::AdmitWait {
    proto::MemberInfo member;
    std::chrono::steady_clock::time_point deadline;
    std::optional<std::variant<proto::JoinAccept, proto::JoinRefused>> result;
};

MemberService::MemberService(asio::io_context& io, ServiceOptions options,
                             ConsensusAccess& consensus)
    : io_(io),
      options_(std::move(options)),
      consensus_(consensus),
      book_(storage::Layout(options_.state_dir).collective() / "invitations"),
      views_(io, options_.my_name,
             {[this] { return consensus_.consensus_status().role == raft::Role::Leader; },
              [this] { return status(); },
              [this](const std::string& to, const proto::PeerMessage& m) {
                  if (bridge_) bridge_->send(to, m);
              }}) {
    std::random_device rd;
    boot_id_ = (uint64_t(rd()) << 32) ^ rd();
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
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    views_.stop();
    if (bridge_) bridge_->stop();
    if (join_thread_.joinable()) join_thread_.join();
}

bool MemberService::in_collective() const {
    return fs::exists(options_.etc_dir / "cfg" / "collective");
}

std::string MemberService::fingerprint() const {
    return key_ ? key_->fingerprint : std::string();
}

std::string MemberService::self_address() const {
    if (!options_.advertise.empty()) return with_port(options_.advertise, options_.port);
    auto listen = parse_server(options_.listen, options_.port);
    if (!wildcard(listen.host))
        return with_port(listen.host + ":" + std::to_string(listen.port), options_.port);
    return with_port(options_.my_name, options_.port);
}

std::string MemberService::peer_advertise() const {
    // Without --advertise members record the address they see us at; a
    // non-default port must still be told.
    uint16_t own_port = parse_server(options_.listen, options_.port).port;
    if (!options_.advertise.empty()) return self_address();
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
    h.on_routed = [this](const std::string& from, proto::PeerMessage m) {
        if (on_routed) on_routed(from, std::move(m));
    };
    h.on_link = [this](const std::string& member, const std::string& remote,
                       const std::string& advertise) {
        moved_.seen(member, reach_address(advertise, remote, ssh::kDefaultPeerPort));
        record_moved_members();
    };
    h.accepting_joins = [this] { return book_.has_pending(); };
    h.on_join = [this, blob = key_->blob](std::unique_ptr<ssh::Connection> conn) {
        auto line = serve_join(*conn, book_, blob, ssh::kDefaultPeerPort,
                               [this](proto::MemberInfo m) { return admit(std::move(m)); });
        cc::log::info(line);
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

// ---- invite ----

void MemberService::register_self(std::function<void(ChangeOutcome)> done) {
    auto s = consensus_.consensus_status();
    const auto* mine = find_member(s.membership, options_.my_name);
    proto::MemberInfo self{options_.my_name, self_address(), key_->fingerprint,
                           mine ? mine->role : proto::Role::Voter, false};
    if (mine && mine->fingerprint == self.fingerprint && in_collective()) {
        done(ChangeOutcome{});
        return;
    }
    if (mine && *mine == self) {
        // Nothing to change but no cfg/collective yet: the entry at boot holds it.
        done(ChangeOutcome{});
        return;
    }
    if (!fs::exists(options_.etc_dir / "cfg" / "myname"))
        state::save_myname(options_.etc_dir / "cfg" / "myname", options_.my_name);
    consensus_.change_members(with_member(s.membership, self), std::move(done));
}

void MemberService::invite(const proto::ApiInvite& request, Reply reply) {
    if (!crypto::valid_member_name(request.name)) {
        reply(error(proto::Outcome::BadRequest,
                    "'" + request.name +
                        "' is not a valid member name (1 to 64 characters of A-Z a-z 0-9 . _ -)"));
        return;
    }
    if (request.name == options_.my_name) {
        reply(error(
            proto::Outcome::BadRequest,
            request.name + " is this member's own name; invite the other server by its name"));
        return;
    }
    // Before anything is created: without quorum nothing changes.
    if (!consensus_.consensus_status().quorum) {
        reply(error(proto::Outcome::NoQuorum));
        return;
    }
    bool created = false;
    try {
        created = ensure_key();
        start_bridge();
    } catch (const std::exception& e) {
        reply(error(proto::Outcome::Internal, e.what()));
        return;
    }
    register_self([this, request, reply, created, alive = alive_](ChangeOutcome o) {
        if (!*alive) return;
        if (!o.done()) {
            reply(error(o.outcome, o.reason));
            return;
        }
        auto ttl = request.ttl_seconds ? std::chrono::seconds(request.ttl_seconds)
                                       : options_.invitation_ttl;
        try {
            auto token = book_.invite(
                request.name, request.nonvoting ? proto::Role::NonVoter : proto::Role::Voter, ttl);
            cc::log::info("invited ", request.name, request.nonvoting ? " (non-voting)" : "",
                          "; the invitation expires in ", ttl.count(), " s");
            reply(proto::ApiInvitation{token, created});
        } catch (const std::exception& ex) {
            reply(error(proto::Outcome::Internal, ex.what()));
        }
    });
}

// ---- the inviter's side of a join ----

std::variant<proto::JoinAccept, proto::JoinRefused> MemberService::admit(proto::MemberInfo member) {
    auto wait = std::make_shared<AdmitWait>();
    wait->member = std::move(member);
    wait->deadline = std::chrono::steady_clock::now() + kAdmitBound;
    asio::post(io_, [this, wait, alive = alive_] {
        if (*alive) try_admit(wait);
    });
    std::unique_lock lock(mu_);
    bool done = cv_.wait_until(lock, wait->deadline + std::chrono::seconds(1),
                               [&] { return stopping_ || wait->result.has_value(); });
    if (wait->result) return *wait->result;
    // The member list change may be in flight: the joiner cannot know.
    if (!done)
        return proto::JoinRefused{
            "timed out adding the member to the collective; it may or may "
            "not have been added: check `collective show` before trying "
            "again",
            proto::Outcome::Unknown};
    return proto::JoinRefused{
        "the inviting member is shutting down; the member may or may not "
        "have been added: check `collective show` before trying again",
        proto::Outcome::Unknown};
}

void MemberService::try_admit(std::shared_ptr<AdmitWait> wait) {
    auto finish = [this, wait](std::variant<proto::JoinAccept, proto::JoinRefused> r) {
        {
            std::lock_guard lock(mu_);
            wait->result = std::move(r);
        }
        cv_.notify_all();
    };
    auto s = consensus_.consensus_status();
    if (!s.quorum)
        return finish(proto::JoinRefused{std::string(proto::default_text(proto::Outcome::NoQuorum)),
                                         proto::Outcome::NoQuorum});
    auto accept = [this, wait](uint64_t index) {
        auto now = consensus_.consensus_status();
        return proto::JoinAccept{now.membership, now.leader, wait->member.address, index};
    };
    const auto* existing = find_member(s.membership, wait->member.name);
    if (existing && existing->address == wait->member.address &&
        existing->fingerprint == wait->member.fingerprint && existing->role == wait->member.role)
        return finish(accept(s.commit_index));  // already in, as it is
    consensus_.change_members(
        with_member(s.membership, wait->member),
        [this, wait, finish, accept, alive = alive_](ChangeOutcome o) {
            if (!*alive) return;
            if (o.done()) return finish(accept(o.index));
            if (o.outcome == proto::Outcome::Refused &&
                std::chrono::steady_clock::now() < wait->deadline) {
                // Most likely another member list change (a promotion) is in flight.
                auto timer =
                    std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
                timer->async_wait([this, wait, timer, alive](boost::system::error_code ec) {
                    if (!ec && *alive) try_admit(wait);
                });
                return;
            }
            finish(proto::JoinRefused{o.text(), o.outcome});
        });
}

// ---- join ----

void MemberService::join(const proto::ApiJoin& request, Reply reply) {
    crypto::ParsedToken token;
    try {
        token = crypto::parse_token(request.token);
    } catch (const crypto::InvalidTokenFormat& e) {
        reply(error(proto::Outcome::BadRequest, e.what()));
        return;
    }
    if (joining_) {
        reply(error(proto::Outcome::Refused,
                    "a join is already in progress on this member; wait for it to finish"));
        return;
    }
    bool created = false;
    try {
        created = ensure_key();
    } catch (const std::exception& e) {
        reply(error(proto::Outcome::Internal, e.what()));
        return;
    }
    joining_ = true;
    if (join_thread_.joinable()) join_thread_.join();
    JoinRequestOptions o;
    o.server = request.server;
    o.advertise = peer_advertise();
    o.limits = options_.limits;
    join_thread_ = std::thread([this, o, token = std::move(token), key = *key_, reply, created,
                                alive = alive_] {
        std::variant<proto::JoinAccept, proto::JoinRefused> result;
        try {
            result = join_collective(o, token, key);
        } catch (const JoinFailure& e) {
            result = proto::JoinRefused{e.what(), e.outcome};
        } catch (const std::exception& e) {
            result = proto::JoinRefused{"Failed to connect to " + o.server + ": " + e.what(),
                                        proto::Outcome::Refused};
        }
        asio::post(io_, [this, result = std::move(result), name = token.name, reply, created,
                         alive] {
            if (!*alive) return;
            joining_ = false;
            if (auto* failure = std::get_if<proto::JoinRefused>(&result)) {
                cc::log::warn("join failed: ", failure->reason);
                reply(error(failure->outcome, failure->reason));
                return;
            }
            const auto& accept = std::get<proto::JoinAccept>(result);
            cc::log::info("joined the collective as ", name, " (leader ", accept.leader,
                          ", member list committed at index ", accept.commit_index,
                          "); restarting as a new member");
            const auto* me = find_member(accept.members, name);
            bool will_vote = me && (me->role == proto::Role::Voter || me->promote);
            reply(proto::ApiJoinStarted{name, accept.commit_index, boot_id_, created, will_vote});
            if (on_joined) on_joined({name, accept.members});
        });
    });
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

uint32_t MemberService::peer_version(const std::string& member) const {
    return bridge_ ? bridge_->last_known_version(member) : 0;
}

void MemberService::send_peer(const std::string& to, const proto::PeerMessage& message,
                              bool peer_speaks_it) {
    if (!bridge_) return;
    if (!find_member(refreshed_, to)) bridge_->refresh();
    bridge_->send(to, message, peer_speaks_it);
}

uint32_t MemberService::link_version(const std::string& member) const {
    return bridge_ ? bridge_->version(member) : 0;
}

}  // namespace cc::collective
