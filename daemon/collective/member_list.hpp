// Edits of a member list (proto::Membership) and what the transport needs
// from it. Members are identified by name; a list holds each name once.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/net/ssh/peer_transport.hpp"
#include "proto/raft_types.hpp"

namespace cc::collective {

// The entry named `name`, or nullptr.
const proto::MemberInfo* find_member(const proto::Membership& list, std::string_view name);

// `list` with `member` added, or replacing the entry of the same name (a
// re-invited member: new key, new address). Order is kept.
proto::Membership with_member(proto::Membership list, proto::MemberInfo member);

// `list` without `name`; nothing when it is not there.
std::optional<proto::Membership> without_member(const proto::Membership& list,
                                                std::string_view name);

// Every member but `self`, as pinned transport endpoints. Members without a
// fingerprint (a lone server that never had a key) cannot be pinned and are
// left out.
std::vector<ssh::PeerEndpoint> peer_endpoints(const proto::Membership& list, std::string_view self);

// "host:port" from an address that may lack the port ("host", "10.0.0.1",
// "[::1]:13001", "::1"); the port defaults to `default_port`.
std::string with_port(const std::string& address, uint16_t default_port);

// The host part of "ip:port" / "[v6]:port" as reported for a TCP peer.
std::string host_of(const std::string& address);

// Where members reach a peer that says `advertise` (JoinRequest/Hello) and
// connected from `remote_address`: "host:port" as said; ":PORT" the address
// seen at that port; "" the address seen at `default_port`.
std::string reach_address(const std::string& advertise, const std::string& remote_address,
                          uint16_t default_port);

}  // namespace cc::collective
