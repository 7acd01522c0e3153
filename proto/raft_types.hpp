// Log entries and member descriptions: stored in the log, sent between members,
// applied to cfg/collective. Field order is the wire order; append only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/codec.hpp"

namespace proto {

enum class EntryKind : uint8_t {
    Noop = 0,        // appended by each new leader at the start of its term
    Command = 1,     // data = to_bytes(proto::Command), applied to the node database
    Membership = 2,  // data = to_bytes(proto::Membership), the new member list
    // data = to_bytes(proto::SessionCommand): a command applied at most once
    // per (session, seq) however many copies the log holds (peer protocol v4;
    // an older build stops applying at such an entry rather than guess).
    SessionCommand = 3,
};

struct Entry {
    uint64_t term = 0;
    uint64_t index = 0;
    EntryKind kind = EntryKind::Noop;
    std::string data;
    CC_PROTO_FIELDS(term, index, kind, data)
    CC_PROTO_TERMS_AND_INDEXES(term, index)
    bool operator==(const Entry&) const = default;
};

enum class Role : uint8_t { Voter = 0, NonVoter = 1 };

struct MemberInfo {
    std::string name;         // e.g. "mgt1"; the member's identity together with its key
    std::string address;      // host[:port] other members connect to
    std::string fingerprint;  // OpenSSH SHA-256 fingerprint of its key, "SHA256:..."
    Role role = Role::Voter;
    // NonVoter only: the leader promotes it to Voter (through the log) once it
    // has caught up, so a slow joiner never costs the collective its quorum.
    bool promote = false;
    CC_PROTO_FIELDS(name, address, fingerprint, role, promote)
    bool operator==(const MemberInfo&) const = default;
};

struct Membership {
    std::vector<MemberInfo> members;
    CC_PROTO_FIELDS(members)
    bool operator==(const Membership&) const = default;
};

}  // namespace proto
