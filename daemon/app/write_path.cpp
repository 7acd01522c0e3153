#include "daemon/app/write_path.hpp"

#include <chrono>

#include "daemon/app/api_answers.hpp"
#include "daemon/app/managers.hpp"
#include "daemon/app/secrets.hpp"

namespace cc::app {

WritePath::WritePath(std::string my_name, state::Database& db, RaftDriver& driver,
                     collective::MemberService& members, DataKeyKeeper& data_key)
    : my_name_(std::move(my_name)),
      db_(db),
      driver_(driver),
      members_(members),
      data_key_(data_key) {}

void WritePath::attempt(proto::ApiWrite w, net::ApiReply reply, bool current) {
    const bool in_collective = members_.in_collective();
    if (in_collective && wait_for_key(w, reply, current)) return;
    // While the other members refuse this member's key and no leader is
    // known (collective/dropped_member.hpp), a write could only wait for a
    // quorum it will never reach: refuse it at once, saying why.
    if (in_collective)
        if (auto why = members_.dropped_reason())
            return reply(proto::ApiError{proto::Outcome::Refused, *why});
    std::optional<proto::ApiWrite> original;
    if (in_collective && !current) original = w;  // check_locally() rewrites the command
    if (auto refused = check_locally(w.command, in_collective)) {
        if (!original) return reply(std::move(*refused));
        return recheck_when_current(std::move(*original), std::move(reply));
    }
    if (auto unprotected = seal(w.command))
        return reply(proto::ApiError{proto::Outcome::Refused, std::move(*unprotected)});
    propose(w.command, std::move(reply), !in_collective);
}

bool WritePath::wait_for_key(proto::ApiWrite& w, net::ApiReply& reply, bool current) {
    if (data_key_.key() || !sets_secret(w.command)) return false;
    // Just joined or restored: the key is on its way from the others.
    data_key_.when_key(
        std::chrono::seconds(3), [this, w = std::move(w), reply, current](bool have) mutable {
            if (!have)
                return reply(proto::ApiError{proto::Outcome::Refused, waiting_for_key(my_name_)});
            attempt(std::move(w), std::move(reply), current);
        });
    return true;
}

std::optional<proto::ApiResponse> WritePath::check_locally(proto::Command& command,
                                                           bool in_collective) {
    try {
        if (auto failed = db_.prepare(command)) return proto::ApiWriteDone{0, std::move(*failed)};
    } catch (const state::NoderangeError& e) {
        return proto::ApiWriteDone{0, proto::CommandResult{e.code, e.what(), {}}};
    } catch (const std::exception& e) {
        return proto::ApiError{proto::Outcome::BadRequest, e.what()};
    }
    if (in_collective)
        if (auto why = check_managers(command, driver_.membership()))
            return proto::ApiError{proto::Outcome::BadRequest, std::move(*why)};
    return std::nullopt;
}

void WritePath::recheck_when_current(proto::ApiWrite original, net::ApiReply reply) {
    driver_.read_barrier([this, w = std::move(original), reply = std::move(reply)]() mutable {
        attempt(std::move(w), std::move(reply), true);
    });
}

std::optional<std::string> WritePath::seal(proto::Command& command) {
    try {
        return protect_secrets(command, data_key_, my_name_);
    } catch (const std::exception& e) {  // the key file cannot be written (disk full)
        return std::string(e.what()) + "; nothing was changed";
    }
}

void WritePath::propose(const proto::Command& command, net::ApiReply reply, bool lone) {
    driver_.propose(command, [reply = std::move(reply), lone](WriteOutcome o) {
        o = settle_write(std::move(o), lone);
        if (o.outcome == proto::Outcome::Done)
            reply(proto::ApiWriteDone{o.index, std::move(o.result)});
        else
            reply(proto::ApiError{o.outcome, std::move(o.reason)});  // empty: the API server
                                                                     // sends the default text
    });
}

}  // namespace cc::app
