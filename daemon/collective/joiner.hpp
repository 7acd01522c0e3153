// The joiner's side of the join exchange: connect to SERVER's join
// subsystem with our key, prove the token's secret, check the inviter's
// proof, confirm, and wait until the inviter has committed us to the log.
//
// Errors: every failure is a JoinFailure whose what() is the one line for
// the user ("Invalid token", "Failed to connect to SERVER: reason",
// "Collective does not have quorum", ...) and whose outcome
// (proto/outcome.hpp) says how it ended: BadRequest for an invalid token or
// server argument, Refused when the inviter cannot be reached or the exchange
// breaks before we confirmed, Unknown when it breaks after we confirmed (the
// inviter may have committed us), or the inviter's own JoinRefused outcome.
// Threading: blocking; run it on a thread of its own, never on the daemon thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "daemon/crypto/key.hpp"
#include "daemon/crypto/token.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "proto/outcome.hpp"
#include "proto/peer.hpp"

namespace cc::collective {

struct JoinFailure : std::runtime_error {
    JoinFailure(proto::Outcome o, const std::string& message)
        : std::runtime_error(message), outcome(o) {}
    proto::Outcome outcome;
};

struct JoinTarget {
    std::string host;
    uint16_t port = 13001;
};

// "host", "host:port", "[v6]:port"; JoinFailure("Failed to connect to SERVER: ...")
// when the port is not a number in 1..65535 or the host is empty.
JoinTarget parse_server(const std::string& server, uint16_t default_port);

struct JoinRequestOptions {
    std::string server;     // as the user typed it
    std::string advertise;  // host[:port] the others should use for us; empty = as seen
    std::string bind_host;  // source address of the connection; empty = the kernel's choice
    uint16_t default_port = 13001;
    ssh::Limits limits;
    // How long to wait for the inviter to commit us once proofs are exchanged.
    std::chrono::milliseconds commit_timeout{30000};
};

proto::JoinAccept join_collective(const JoinRequestOptions& options,
                                  const crypto::ParsedToken& token, const crypto::MemberKey& key);

}  // namespace cc::collective
