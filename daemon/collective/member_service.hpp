// MemberService: this member's part in a collective, between the local API
// and the consensus driver. It owns the member key (loaded or created on
// demand) and the peer bridge (SSH transport), wires the parts that do the
// rest to them, and answers the collective commands:
//
//   invite  Invitations (invitations.hpp): the pending invitations and the
//           inviter's side of each join.
//   join    JoinRunner (join_runner.hpp): the join exchange on a thread of
//           its own; on_joined once the inviter has committed us.
//   delete  offline members only, through the log, with quorum.
//   status  collective show (status_report.hpp), with the leader's view
//           (LeaderViews).
//
// On the leader it also records a member seen at a new address
// (moved_members.hpp) through the log.
//
// Threading: construct and call on the daemon thread. stop() before the
// consensus driver goes away.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/collective/consensus_access.hpp"
#include "daemon/collective/dropped_member.hpp"
#include "daemon/collective/invitations.hpp"
#include "daemon/collective/join_runner.hpp"
#include "daemon/collective/leader_views.hpp"
#include "daemon/collective/moved_members.hpp"
#include "daemon/collective/peer_bridge.hpp"
#include "daemon/collective/recovery.hpp"
#include "proto/api.hpp"
#include "proto/peer.hpp"
#include "proto/peer_message.hpp"

namespace cc::collective {

struct ServiceOptions {
    std::filesystem::path etc_dir;
    std::filesystem::path state_dir;
    std::string my_name;
    std::string listen = "0.0.0.0";  // ADDR or ADDR:PORT
    uint16_t port = ssh::kDefaultPeerPort;
    // ADDR[:PORT] others use for us; empty = a specific listen address, else
    // what they see (see self_address() and peer_advertise()).
    std::string advertise;
    std::chrono::seconds invitation_ttl = crypto::kDefaultInvitationTtl;
    uint32_t peer_protocol_max = proto::kPeerVersionMax;
    ssh::Limits limits;
};

class MemberService {
  public:
    using Reply = std::function<void(proto::ApiResponse)>;

    MemberService(boost::asio::io_context& io, ServiceOptions options, ConsensusAccess& consensus);
    ~MemberService();
    MemberService(const MemberService&) = delete;
    MemberService& operator=(const MemberService&) = delete;

    // Starts the transport when this member has a key. Throws
    // std::runtime_error when the collective port cannot be bound.
    void start();
    void stop();

    // The driver's outgoing messages.
    void send(const std::string& to, const proto::RaftMessage& message);
    // After the driver processed events: reconnects when the member list
    // changed; on the leader, records a member seen at a new address.
    void members_maybe_changed();

    void invite(const proto::ApiInvite& request, Reply reply);
    // collective invite --list / --revoke NAME: this member's own invitations.
    proto::ApiInvitationList invitation_list() const { return invitations_.list(); }
    proto::ApiResponse revoke_invitation(const proto::ApiInviteRevoke& request) {
        return invitations_.revoke(request);
    }
    void join(const proto::ApiJoin& request, Reply reply);
    void delete_member(const proto::ApiDeleteMember& request, Reply reply);
    // collective recover (recovery.hpp).
    void recover(const proto::ApiRecover& request, Reply reply) {
        recovery_.recover(request, in_collective(), std::move(reply));
    }
    // Set while the other members refuse this member's key and no leader is
    // known (dropped_member.hpp): writes are refused with this line.
    std::optional<std::string> dropped_reason();
    proto::ApiStatus status() const;

    bool in_collective() const;
    // Whether a member's message waits for the daemon thread (PeerBridge::behind).
    bool peers_waiting() const;
    std::string fingerprint() const;
    // Where others reach this member: advertise, else the listen address when
    // it is a specific one, else the member name; with the port.
    std::string self_address() const;
    // What this member says others should use (JoinRequest/Hello.advertise):
    // "host:port" with --advertise or a specific --listen, ":port" at a
    // non-default port, else "".
    std::string peer_advertise() const;
    // The source address of our outgoing connections: the --listen address
    // when it is a specific one, else "" (the kernel's choice).
    std::string source_host() const;
    // The peer protocol version `member` speaks: its link's now, else the
    // last seen since start; 0 when never seen.
    uint32_t peer_version(const std::string& member) const;
    // Changes whenever a link to or from a member comes up or goes down, so
    // whenever peer_version may answer differently (any thread).
    uint64_t link_changes() const;

    // Once an inviter has committed us (join): restart as a fresh member.
    std::function<void(JoinedCollective)> on_joined;
    // Routed requests from other members (proto/peer_message.hpp, v3).
    std::function<void(const std::string& from, proto::PeerMessage)> on_routed;
    // The collective data key's messages (proto/peer_message.hpp, v5).
    std::function<void(const std::string& from, proto::PeerMessage)> on_data_key;
    // A keepalive from a member's link (a sign of life for the consensus core).
    std::function<void(const std::string& from)> on_alive;
    // The last link from `member` to us closed (BridgeHandlers::on_link_lost).
    std::function<void(const std::string& member)> on_link_lost;
    // Any family; sent only when the link's version carries it (see
    // PeerBridge::send for `peer_speaks_it`).
    void send_peer(const std::string& to, const proto::PeerMessage& message,
                   bool peer_speaks_it = false);
    // Peer protocol version of our own link to `member`; 0 while it is down.
    uint32_t link_version(const std::string& member) const;

  private:
    bool ensure_key();  // true when it had to create one
    void start_bridge();
    void record_moved_members();

    boost::asio::io_context& io_;
    ServiceOptions options_;
    ConsensusAccess& consensus_;
    std::optional<crypto::MemberKey> key_;
    uint64_t boot_id_;
    Invitations invitations_;
    JoinRunner joins_;
    MovedMembers moved_;
    LeaderViews views_;
    Recovery recovery_;
    DroppedMember dropped_;
    // Declared after what its handlers use, so it is destroyed before them.
    std::unique_ptr<PeerBridge> bridge_;
    proto::Membership refreshed_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // cfg/collective is never removed by a running member: once seen, it
    // stays (asked several times per write; a stat each time showed).
    mutable std::atomic<bool> in_collective_{false};
};

}  // namespace cc::collective
