#include "daemon/collective/join_runner.hpp"

#include <boost/asio/post.hpp>
#include <variant>

#include "daemon/collective/joiner.hpp"
#include "daemon/collective/member_list.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/util/log.hpp"

namespace cc::collective {

namespace asio = boost::asio;

namespace {

proto::ApiError error(proto::Outcome code, std::string message) {
    return proto::ApiError{code, std::move(message)};
}

}  // namespace

JoinRunner::JoinRunner(asio::io_context& io, ssh::Limits limits, uint64_t boot_id, JoinHost host)
    : io_(io), limits_(limits), boot_id_(boot_id), host_(std::move(host)) {}

JoinRunner::~JoinRunner() {
    stop();
}

void JoinRunner::stop() {
    *alive_ = false;
    if (thread_.joinable()) thread_.join();
}

void JoinRunner::join(const proto::ApiJoin& request, Reply reply) {
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
        created = host_.ensure_key();
    } catch (const std::exception& e) {
        reply(error(proto::Outcome::Internal, e.what()));
        return;
    }
    joining_ = true;
    if (thread_.joinable()) thread_.join();  // the previous join, finished
    JoinRequestOptions o;
    o.server = request.server;
    o.advertise = host_.peer_advertise();
    if (host_.source_host) o.bind_host = host_.source_host();
    o.limits = limits_;
    thread_ = std::thread([this, o, token = std::move(token), key = host_.key(), reply, created,
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
            if (host_.joined) host_.joined({name, accept.members});
        });
    });
}

}  // namespace cc::collective
