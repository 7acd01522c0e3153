// The inviter's side of the join exchange (docs/ARCHITECTURE.md, "Trust,
// join and member addresses"; message order in proto/peer.hpp), run on the
// join connection's own thread.
//
// The joiner's key is taken from the SSH session, never from a message. A
// failed proof leaves the invitation pending (and counts against the source
// address, see serve_join); after a verified proof and the
// joiner's confirmation, `admit` adds the member through the log and blocks
// until the change is committed (or fails), and its answer goes back to the
// joiner as JoinAccept or JoinRefused.
//
// Threading: serve_join blocks its calling thread (a transport thread);
// `book` is thread-safe; `admit` must do its own hand-off to the daemon thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <variant>

#include "daemon/crypto/invitation_book.hpp"
#include "daemon/crypto/proof_throttle.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "proto/peer.hpp"

namespace cc::collective {

// The member to add; returns JoinAccept once committed, or the refusal to
// send (its outcome and one-line reason).
using AdmitResult = std::variant<proto::JoinAccept, proto::JoinRefused>;
using AdmitFn = std::function<AdmitResult(proto::MemberInfo)>;

// Runs the exchange; returns a log line saying how it ended. With a
// `throttle`, every failed proof (or a request under another name than the
// Hello's) counts against the joiner's source address, and an address it
// blocks is refused (Outcome::Refused) even with a good token; the start of
// a block is logged as a warning.
std::string serve_join(ssh::Connection& conn, crypto::InvitationBook& book,
                       const std::string& own_blob, uint16_t default_port, const AdmitFn& admit,
                       std::chrono::milliseconds step_timeout = std::chrono::seconds(10),
                       crypto::ProofThrottle* throttle = nullptr);

}  // namespace cc::collective
