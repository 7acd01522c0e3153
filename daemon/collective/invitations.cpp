#include "daemon/collective/invitations.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "daemon/collective/join_inviter.hpp"
#include "daemon/collective/member_list.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/net/ssh/peer_transport.hpp"
#include "daemon/state/member_files.hpp"
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

int64_t to_epoch(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

struct Invitations::AdmitWait {
    proto::MemberInfo member;
    std::chrono::steady_clock::time_point deadline;
    std::optional<AdmitResult> result;
};

Invitations::Invitations(asio::io_context& io, ConsensusAccess& consensus,
                         InvitationsOptions options, InvitationsHost host)
    : io_(io),
      consensus_(consensus),
      options_(std::move(options)),
      host_(std::move(host)),
      book_(options_.book_file) {}

Invitations::~Invitations() {
    stop();
}

void Invitations::stop() {
    *alive_ = false;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
}

// ---- invite ----

void Invitations::register_self(std::function<void(ChangeOutcome)> done) {
    auto s = consensus_.consensus_status();
    const auto* mine = find_member(s.membership, options_.my_name);
    proto::MemberInfo self{options_.my_name, host_.self_address(), host_.fingerprint(),
                           mine ? mine->role : proto::Role::Voter, false};
    if (mine && mine->fingerprint == self.fingerprint && host_.in_collective()) {
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

void Invitations::invite(const proto::ApiInvite& request, Reply reply) {
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
    // Checked on the number as sent: a huge value must not wrap into a
    // negative duration.
    if (request.ttl_seconds > uint64_t(crypto::kMaxInvitationTtl.count())) {
        reply(error(proto::Outcome::BadRequest, ttl_too_long(request.ttl_seconds)));
        return;
    }
    if (!book_.room_for(request.name)) {
        reply(error(proto::Outcome::Refused, too_many_pending()));
        return;
    }
    // Before anything is created: without quorum nothing changes.
    if (!consensus_.consensus_status().quorum) {
        reply(error(proto::Outcome::NoQuorum));
        return;
    }
    bool created = false;
    try {
        created = host_.get_ready();
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
        auto ttl = request.ttl_seconds
                       ? std::chrono::seconds(static_cast<int64_t>(request.ttl_seconds))
                       : std::min(options_.ttl, crypto::kMaxInvitationTtl);
        // Again: another invite may have taken the last place meanwhile.
        if (!book_.room_for(request.name)) {
            reply(error(proto::Outcome::Refused, too_many_pending()));
            return;
        }
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

std::string Invitations::ttl_too_long(uint64_t ttl) const {
    auto max = crypto::kMaxInvitationTtl.count();
    return "--ttl " + std::to_string(ttl) +
           " is longer than an invitation may stay valid (at most " + std::to_string(max) +
           " seconds, 7 days); give a smaller --ttl";
}

std::string Invitations::too_many_pending() const {
    return std::to_string(crypto::kMaxPendingInvitations) + " invitations are already pending on " +
           options_.my_name +
           " (the most allowed); revoke one with collective invite --revoke NAME or let them "
           "expire";
}

// ---- list and revoke (this member's own book: no quorum needed) ----

proto::ApiInvitationList Invitations::list() const {
    proto::ApiInvitationList out;
    out.member = options_.my_name;
    out.now = to_epoch(std::chrono::system_clock::now());
    for (const auto& p : book_.pending())
        out.invitations.push_back({p.name, p.role == proto::Role::NonVoter, to_epoch(p.expires)});
    return out;
}

proto::ApiResponse Invitations::revoke(const proto::ApiInviteRevoke& request) {
    if (!crypto::valid_member_name(request.name))
        return error(proto::Outcome::BadRequest,
                     "'" + request.name +
                         "' is not a valid member name (1 to 64 characters of A-Z a-z 0-9 . _ -)");
    try {
        if (!book_.revoke(request.name))
            return error(proto::Outcome::NotFound, "no invitation is pending for " + request.name +
                                                       " on " + options_.my_name +
                                                       " (collective invite --list shows them)");
    } catch (const std::exception& e) {
        return error(proto::Outcome::Internal, e.what());
    }
    cc::log::info("revoked the invitation of ", request.name);
    return proto::ApiDone{
        {"revoked the invitation of " + request.name + " on " + options_.my_name}};
}

// ---- a joiner's connection ----

std::string Invitations::serve(ssh::Connection& conn, const std::string& own_blob) {
    return serve_join(
        conn, book_, own_blob, ssh::kDefaultPeerPort,
        [this](proto::MemberInfo m) -> AdmitResult {
            // Refused before the log changes: nothing to undo.
            if (host_.check_reachable)
                if (auto why = host_.check_reachable(m))
                    return proto::JoinRefused{*why, proto::Outcome::Refused};
            return admit(std::move(m));
        },
        std::chrono::seconds(10), &throttle_);
}

Invitations::AdmitResult Invitations::admit(proto::MemberInfo member) {
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

void Invitations::try_admit(std::shared_ptr<AdmitWait> wait) {
    auto finish = [this, wait](AdmitResult r) {
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

}  // namespace cc::collective
