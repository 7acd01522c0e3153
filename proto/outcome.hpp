// Outcome: how a request ended. The one outcome type from the consensus core
// (raft::ProposalResult, raft::ReadResult) through the daemon (RaftDriver's
// WriteOutcome, the member service) and the local API (ApiError.code) to the
// exit status of every tool. Each value says whether anything changed, so a
// script can branch on the exit status alone:
//
//   exit 0  Done              the request was carried out
//   exit 1  bad input         BadRequest, NotFound, AlreadyExists: the request
//                             itself is wrong (or a usage error); nothing changed
//   exit 2  refused           NotLeader, StorageFailed, PermissionDenied,
//                             NotInCollective, Refused, NeedsNewerBuild,
//                             Internal: not carried out, nothing changed; the
//                             message says what to do (retry, free space, ...)
//   exit 3  no quorum         NoQuorum: "Collective does not have quorum";
//                             nothing changed
//   exit 4  outcome unknown   Unknown: the change may or may not have been
//                             applied (timeout, lost connection, a leader whose
//                             own log write failed after sending the entry):
//                             read it back before retrying
//
// Wire: the numeric values are ApiError.code on the local API (append-only;
// values 0-7 are the former ApiErrorCode). Done never travels in an ApiError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace proto {

enum class Outcome : uint8_t {
    BadRequest = 0,        // malformed request, noderange, name or attribute
    NotFound = 1,          // unknown node, group or member
    NoQuorum = 2,          // no leader with a majority: nothing changed
    StorageFailed = 3,     // this member could not store the change; nothing changed
    PermissionDenied = 4,  // caller is not root
    NotInCollective = 5,   // "Collective mode not enabled on this system"
    Internal = 6,          // the daemon failed unexpectedly; nothing changed
    AlreadyExists = 7,     // a node, group or member of that name exists
    NotLeader = 8,         // leadership is changing or the daemon stops: retry
    Unknown = 9,           // may or may not have been applied
    Refused = 10,          // not possible in the current state (the message says why)
    NeedsNewerBuild = 11,  // this member cannot apply a committed entry: upgrade it
    Done = 12,             // carried out
};

// The exit status a tool returns for an outcome (table above).
enum class ExitStatus : int { Done = 0, BadInput = 1, Refused = 2, NoQuorum = 3, Unknown = 4 };

constexpr ExitStatus exit_status(Outcome o) {
    switch (o) {
        case Outcome::Done:
            return ExitStatus::Done;
        case Outcome::BadRequest:
        case Outcome::NotFound:
        case Outcome::AlreadyExists:
            return ExitStatus::BadInput;
        case Outcome::NoQuorum:
            return ExitStatus::NoQuorum;
        case Outcome::Unknown:
            return ExitStatus::Unknown;
        case Outcome::StorageFailed:
        case Outcome::PermissionDenied:
        case Outcome::NotInCollective:
        case Outcome::Internal:
        case Outcome::NotLeader:
        case Outcome::Refused:
        case Outcome::NeedsNewerBuild:
            return ExitStatus::Refused;
    }
    return ExitStatus::Refused;
}

constexpr int exit_code(Outcome o) {
    return static_cast<int>(exit_status(o));
}

// The user's text of an outcome when nothing more specific was said: the
// only place these sentences are written.
constexpr std::string_view default_text(Outcome o) {
    switch (o) {
        case Outcome::Done:
            return "done";
        case Outcome::NoQuorum:
            return "Collective does not have quorum";
        case Outcome::NotLeader:
            return "the collective's leader is changing; nothing was changed, retry";
        case Outcome::Unknown:
            return "timed out waiting for the collective; the change may or may not have been "
                   "applied: read it back before retrying";
        case Outcome::NotInCollective:
            return "Collective mode not enabled on this system";
        case Outcome::PermissionDenied:
            return "permission denied: confluentd accepts only root; run it as root";
        case Outcome::NeedsNewerBuild:
            return "this member cannot apply a committed change: it needs a newer build of "
                   "confluentd (see its log)";
        case Outcome::StorageFailed:
            return "this member could not store the change; nothing was changed";
        case Outcome::BadRequest:
            return "bad request";
        case Outcome::NotFound:
            return "not found";
        case Outcome::AlreadyExists:
            return "already exists";
        case Outcome::Refused:
            return "refused; nothing was changed";
        case Outcome::Internal:
            return "confluentd failed unexpectedly; nothing was changed (see its log)";
    }
    return "unknown outcome";
}

// `message` when one was given, else the outcome's default text.
inline std::string text_or_default(Outcome o, const std::string& message) {
    return message.empty() ? std::string(default_text(o)) : message;
}

}  // namespace proto
