// The inviter's check, before it records a joiner: does the address it is
// about to record lead back to that joiner? A member recorded at an address
// the others cannot reach (the source address of a multi-homed or loopback
// connection, the inviter's own address) never catches up, so the join is
// refused at once with the reason and what to set, instead of hanging.
//
// The probe opens an SSH connection to the address pinned to the joiner's
// key: a server that shows that key proves the address right, even though
// it then refuses our key (we are not its member yet). The joiner listens on
// its collective port during the join for this (JoinRunner).
//
// Threading: blocking, up to limits.handshake_timeout; run it on a transport
// thread (the join connection's), never on the daemon thread.
#pragma once

#include <optional>
#include <string>

#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "proto/raft_types.hpp"

namespace cc::collective {

struct ReachProbe {
    std::string my_name;      // the inviter, in the message and the Hello
    std::string source_host;  // the inviter's own listen address, bound; empty = any
    ssh::Limits limits;       // handshake_timeout bounds the probe
};

// Nothing when a server at member.address shows member.fingerprint; else the
// one line for the joiner ("mgt1 could not reach mgt2 at ADDR (why); start
// confluentd on mgt2 with --listen or --advertise set to an address mgt1 can
// reach").
std::optional<std::string> check_reachable(const ReachProbe& probe, const proto::MemberInfo& member,
                                           const crypto::MemberKey& key);

}  // namespace cc::collective
