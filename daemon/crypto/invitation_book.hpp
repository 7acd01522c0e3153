// Pending invitations of this member, kept across daemon restarts.
//
// An invitation is (name, secret, role, expiry). It is single use: a join
// whose proof verifies consumes it; a failed proof leaves it in place (so a
// typo does not burn the token). Inviting a name again replaces its pending
// invitation. Expired invitations are dropped. An invitation lives on the
// member that made it: its token is good against that member only.
//
// Bounds (a token is a secret that admits a server, and the book is a file
// rewritten on each change): at most kMaxInvitationTtl of validity and
// kMaxPendingInvitations pending at once.
//
// File (TOML, written atomically with mode 0600 because it holds secrets):
//   [invitations.mgt2]
//   secret = "<base64>"
//   role = "voter"            # or "nonvoter"
//   expires = 1796150000      # seconds since the Unix epoch
//
// Errors: a corrupt file raises InvitationFileError (file and reason) from the
// constructor; write failures raise cc::fs::FsError and leave the book as it
// was on disk and in memory.
// Threading: all members are thread-safe (one internal mutex), so the SSH
// threads may ask has_pending() while the daemon thread invites.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/crypto/token.hpp"
#include "proto/raft_types.hpp"

namespace cc::crypto {

struct InvitationFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr std::chrono::seconds kDefaultInvitationTtl{3600};
// The longest an invitation may stay valid: a week covers a server that is
// racked over a weekend; anything longer is a standing secret.
inline constexpr std::chrono::seconds kMaxInvitationTtl{7 * 24 * 3600};
// The most invitations pending at once on one member (re-inviting a pending
// name replaces it and does not count twice).
inline constexpr size_t kMaxPendingInvitations = 64;

// One pending invitation as `collective invite --list` shows it.
struct PendingInvitation {
    std::string name;
    proto::Role role = proto::Role::Voter;
    std::chrono::system_clock::time_point expires;
};

enum class RedeemOutcome {
    Accepted,       // proof verified; the invitation is now used up
    NoInvitation,   // nothing pending for that name (never invited, already used)
    Expired,        // it was pending but its time ran out (now dropped)
    ProofMismatch,  // wrong secret or wrong keys; the invitation stays pending
};

struct Redemption {
    RedeemOutcome outcome = RedeemOutcome::NoInvitation;
    proto::Role role = proto::Role::Voter;  // valid when Accepted
    std::string inviter_proof;              // valid when Accepted: send it to the joiner
};

class InvitationBook {
  public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Loads `file` when it exists (a missing file is an empty book).
    explicit InvitationBook(
        std::filesystem::path file, Clock clock = [] { return std::chrono::system_clock::now(); });

    // Creates (or replaces) the invitation for `name`, persists it and
    // returns the token to show the administrator. `name` must pass
    // valid_member_name, `ttl` must be in 1..kMaxInvitationTtl and
    // room_for(name) must hold (callers validate user input first; anything
    // else aborts as our bug).
    std::string invite(std::string_view name, proto::Role role,
                       std::chrono::seconds ttl = kDefaultInvitationTtl);

    // Whether inviting `name` stays within kMaxPendingInvitations.
    bool room_for(std::string_view name) const;

    // Drops the pending invitation of `name` (persisted); false when none
    // is pending (never invited, used, expired or revoked already).
    bool revoke(std::string_view name);

    // Every unexpired pending invitation, by name.
    std::vector<PendingInvitation> pending() const;

    // Checks a joiner's proof for `name` against the keys seen on the SSH
    // session; on success consumes the invitation (persisted) and returns the
    // inviter's proof.
    Redemption redeem(std::string_view name, std::string_view joiner_proof,
                      std::string_view inviter_blob, std::string_view joiner_blob);

    // Whether any unexpired invitation is pending (lets unknown keys reach the
    // join subsystem only while someone is actually invited).
    bool has_pending() const;

    // Names with an unexpired pending invitation, sorted.
    std::vector<std::string> pending_names() const;

  private:
    struct Pending {
        Secret secret;
        proto::Role role = proto::Role::Voter;
        std::chrono::system_clock::time_point expires;
    };
    using Table = std::map<std::string, Pending, std::less<>>;

    void load();
    void save(const Table& table) const;
    // Drops expired entries; returns true when something was dropped.
    bool prune(Table& table) const;

    std::filesystem::path file_;
    Clock clock_;
    mutable std::mutex mu_;
    Table pending_;
};

}  // namespace cc::crypto
