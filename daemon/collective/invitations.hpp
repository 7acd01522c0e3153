// Invitations: the inviting member's side of a join. It owns the pending
// invitations (crypto::InvitationBook, STATE/collective/invitations) and
// answers:
//
//   invite  needs quorum. On a server in no collective it first records this
//           member (name, address, key fingerprint) through the log, which
//           writes cfg/collective; then it creates the invitation.
//           A ttl above crypto::kMaxInvitationTtl is bad input, and at most
//           crypto::kMaxPendingInvitations may be pending (refused beyond).
//   list    the invitations pending here; revoke drops one. Both are this
//           member's own file: no quorum needed. A token works only against
//           the member whose book holds it.
//   serve   a join connection (on the transport's thread): the exchange of
//           join_inviter.hpp, whose `admit` first checks that the joiner's
//           address leads back to it (host.check_reachable), then hands the
//           joiner's member list change to the daemon thread and waits for it. A change that
//           meets another member list change still in flight (the previous
//           joiner's promotion) is retried every 100 ms for up to 20 s.
//           Failed proofs are counted per source address
//           (crypto::ProofThrottle): 5 within a minute refuse that address
//           for 5 minutes.
//
// Threading: construct, invite, list, revoke and stop on the daemon thread;
// serve and has_pending on any thread. stop() before the consensus driver goes away:
// it releases every waiting join connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "daemon/collective/consensus_access.hpp"
#include "daemon/crypto/invitation_book.hpp"
#include "daemon/crypto/proof_throttle.hpp"
#include "daemon/net/ssh/connection.hpp"
#include "proto/api.hpp"
#include "proto/peer.hpp"

namespace cc::collective {

struct InvitationsOptions {
    std::filesystem::path etc_dir;    // cfg/myname, cfg/collective
    std::filesystem::path book_file;  // the pending invitations
    std::string my_name;
    std::chrono::seconds ttl = crypto::kDefaultInvitationTtl;  // when the request has none
};

// What inviting needs of the member that owns the key and the transport.
struct InvitationsHost {
    // Creates this member's key when missing and listens on the collective
    // port; true when it created the key. Throws std::exception on failure.
    std::function<bool()> get_ready;
    std::function<std::string()> fingerprint;
    std::function<std::string()> self_address;
    std::function<bool()> in_collective;
    // Before a joiner is recorded: nothing when its address leads back to
    // it, else the one line to refuse the join with (reach_check.hpp). Runs
    // on the join connection's thread; may block. Not set = no check.
    std::function<std::optional<std::string>(const proto::MemberInfo&)> check_reachable;
};

class Invitations {
  public:
    using Reply = std::function<void(proto::ApiResponse)>;

    // Loads the book; a corrupt file raises crypto::InvitationFileError.
    Invitations(boost::asio::io_context& io, ConsensusAccess& consensus, InvitationsOptions options,
                InvitationsHost host);
    ~Invitations();
    Invitations(const Invitations&) = delete;
    Invitations& operator=(const Invitations&) = delete;

    void stop();

    void invite(const proto::ApiInvite& request, Reply reply);
    proto::ApiInvitationList list() const;
    // ApiDone, or ApiError (NotFound when nothing is pending for the name).
    proto::ApiResponse revoke(const proto::ApiInviteRevoke& request);
    // Whether a join connection from an unknown key may be accepted.
    bool has_pending() const { return book_.has_pending(); }
    // Runs the join exchange on `conn` (own_blob: this member's public key);
    // returns a log line saying how it ended. Blocks the calling thread.
    std::string serve(ssh::Connection& conn, const std::string& own_blob);

  private:
    using AdmitResult = std::variant<proto::JoinAccept, proto::JoinRefused>;
    struct AdmitWait;
    void register_self(std::function<void(ChangeOutcome)> done);
    AdmitResult admit(proto::MemberInfo member);  // on the join connection's thread
    void try_admit(std::shared_ptr<AdmitWait> wait);
    std::string ttl_too_long(uint64_t ttl) const;
    std::string too_many_pending() const;

    boost::asio::io_context& io_;
    ConsensusAccess& consensus_;
    InvitationsOptions options_;
    InvitationsHost host_;
    crypto::InvitationBook book_;
    crypto::ProofThrottle throttle_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // Join connections waiting for their member list change.
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
};

}  // namespace cc::collective
