#include "daemon/collective/join_inviter.hpp"

#include "daemon/collective/member_list.hpp"
#include "daemon/util/log.hpp"

namespace cc::collective {

namespace {

void send(ssh::Connection& conn, proto::JoinMessage m) {
    conn.send(proto::to_bytes(m));
}

std::string refuse(ssh::Connection& conn, proto::JoinRefused refusal, const std::string& why) {
    send(conn, std::move(refusal));
    // Let the refusal go out before the connection is dropped by our caller.
    try {
        (void)conn.receive(std::chrono::milliseconds(200));
    } catch (const ssh::ConnectionClosed&) {
    }
    return why;
}

// Counts a failed proof from `host`; logs the start of a block.
void count_failure(crypto::ProofThrottle* throttle, const std::string& host) {
    if (throttle == nullptr || !throttle->failed(host)) return;
    const auto& l = throttle->limits();
    cc::log::warn("join proofs from ", host, " failed ", l.failures, " times within ",
                  l.window.count(), " s; refusing joins from it for ", l.block.count(), " s");
}

}  // namespace

std::string serve_join(ssh::Connection& conn, crypto::InvitationBook& book,
                       const std::string& own_blob, uint16_t default_port, const AdmitFn& admit,
                       std::chrono::milliseconds step_timeout, crypto::ProofThrottle* throttle) {
    const auto& peer = conn.peer();
    const std::string host = host_of(peer.remote_address);
    try {
        auto bytes = conn.receive(step_timeout);
        if (!bytes) return "join from " + peer.remote_address + ": no request in time";
        auto msg = proto::from_bytes<proto::JoinMessage>(*bytes);
        auto* request = std::get_if<proto::JoinRequest>(&msg);
        // Before the proof is looked at: a blocked address learns nothing.
        if (auto left = throttle ? throttle->blocked(host) : std::nullopt)
            return refuse(conn,
                          {"too many failed join attempts from " + host + "; " +
                               "this member refuses joins from it for another " +
                               std::to_string(left->count()) + " s",
                           proto::Outcome::Refused},
                          "join from " + peer.remote_address +
                              " refused: too many failed attempts from this address");
        if (request == nullptr || request->name != peer.name) {
            count_failure(throttle, host);
            return refuse(conn, {"Invalid token", proto::Outcome::BadRequest},
                          "join from " + peer.remote_address +
                              ": no request, or a name other than its Hello");
        }
        auto r = book.redeem(request->name, request->proof, own_blob, peer.key_blob);
        if (r.outcome != crypto::RedeemOutcome::Accepted) {
            count_failure(throttle, host);
            const char* why = r.outcome == crypto::RedeemOutcome::Expired ? "expired invitation"
                              : r.outcome == crypto::RedeemOutcome::NoInvitation ? "no invitation"
                                                                                 : "proof mismatch";
            return refuse(
                conn, {"Invalid token", proto::Outcome::BadRequest},
                "join of " + request->name + " from " + peer.remote_address + " refused: " + why);
        }
        send(conn, proto::JoinChallenge{r.inviter_proof});
        auto confirm = conn.receive(step_timeout);
        if (!confirm || !std::holds_alternative<proto::JoinConfirm>(
                            proto::from_bytes<proto::JoinMessage>(*confirm)))
            return "join of " + request->name + ": the joiner did not confirm our proof";
        proto::MemberInfo member{
            request->name, reach_address(request->advertise, peer.remote_address, default_port),
            peer.fingerprint, r.role};
        auto admitted = admit(member);
        if (auto* refusal = std::get_if<proto::JoinRefused>(&admitted))
            return refuse(conn, *refusal,
                          "join of " + request->name + " failed: " + refusal->reason);
        send(conn, std::get<proto::JoinAccept>(admitted));
        // Wait for the joiner to hang up so the accept is surely delivered.
        try {
            (void)conn.receive(step_timeout);
        } catch (const ssh::ConnectionClosed&) {
        }
        return "member " + request->name + " joined from " + member.address + " with key " +
               member.fingerprint;
    } catch (const proto::DecodeError& e) {
        return "join from " + peer.remote_address + ": garbled message: " + e.what();
    } catch (const ssh::ConnectionClosed& e) {
        return "join from " + peer.remote_address + " ended: " + e.what();
    }
}

}  // namespace cc::collective
