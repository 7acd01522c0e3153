// PeerBridge: the peer router, the one owner of member-to-member traffic.
// Owns the PeerTransport; encodes each outgoing proto::PeerMessage as one
// frame (only on links whose protocol version carries its family) and
// decodes incoming frames on the connection thread (a frame that does not
// decode drops that connection, as hostile input), then posts the message to
// the daemon's io_context and hands it to its family's handler: consensus
// messages to the raft driver, leader views to the member service, routed
// requests (nodepower) to the power service. A new family is one more
// alternative range in proto/peer_message.hpp and one more handler here.
//
// Who may connect is the member list returned by `members` (pinned names and
// fingerprints); call refresh() after every committed member list change.
// Join connections are handed to on_join on their own thread. Decoded
// messages wait for the daemon thread within a per-member InboundBudget
// (inbound_budget.hpp); past it they are dropped.
//
// Threading: construct, start, refresh, send and stop on the daemon thread.
// deliver and on_link run on the daemon thread (posted); on_join runs on a
// transport thread and may block.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/collective/inbound_budget.hpp"
#include "daemon/crypto/key.hpp"
#include "daemon/net/ssh/peer_transport.hpp"
#include "daemon/util/log_throttle.hpp"
#include "proto/peer_message.hpp"

namespace cc::collective {

struct BridgeOptions {
    std::string my_name;
    std::string advertise;                          // Hello.advertise (see proto/peer.hpp)
    uint32_t max_version = proto::kPeerVersionMax;  // Hello.max_version
    std::string listen_host = "0.0.0.0";
    uint16_t listen_port = ssh::kDefaultPeerPort;
    std::string source_host;  // outgoing links bind it (empty = the kernel's choice)
    ssh::Limits limits;
};

struct BridgeHandlers {
    std::function<proto::Membership()> members;  // daemon thread
    // One handler per message family (daemon thread).
    std::function<void(const std::string& from, proto::RaftMessage)> on_consensus;
    std::function<void(const std::string& from, proto::LeaderView)> on_leader_view;
    std::function<void(const std::string& from, proto::PeerMessage)> on_routed;
    // DataKeyRequest / DataKeyReply (v5, the collective data key).
    std::function<void(const std::string& from, proto::PeerMessage)> on_data_key;
    // A keepalive from a member: a sign of life for raft::Core::heard_from.
    std::function<void(const std::string& from)> on_alive;
    // The last connection from a member to us closed (daemon thread): its
    // process may have ended (raft::Core::lost_link).
    std::function<void(const std::string& member)> on_link_lost;
    // A member's connection to us came up from `remote_address`, its Hello
    // saying `advertise` (daemon thread).
    std::function<void(const std::string& member, const std::string& remote_address,
                       const std::string& advertise)>
        on_link;
    std::function<void(std::unique_ptr<ssh::Connection>)> on_join;  // transport thread
    std::function<bool()> accepting_joins = [] { return false; };   // any thread
    // Member `name` refused our key on our link to it (daemon thread):
    // ssh::TransportHandlers::on_key_refused.
    std::function<void(const std::string& name)> on_key_refused;
};

class PeerBridge {
  public:
    PeerBridge(boost::asio::io_context& io, BridgeOptions options, BridgeHandlers handlers,
               crypto::MemberKey key);
    ~PeerBridge();
    PeerBridge(const PeerBridge&) = delete;
    PeerBridge& operator=(const PeerBridge&) = delete;

    // Listens and connects to every member; throws std::runtime_error when the
    // port cannot be bound.
    void start();
    void refresh();
    // Best effort: the core retransmits what matters. A message whose family
    // the link's protocol version does not carry is not sent, nor one while
    // the link is down, unless `peer_speaks_it`: the caller knows the member
    // speaks the family (it sent us one, or its version is not known yet and
    // the caller handles a lost message); it then waits in the link's backlog.
    void send(const std::string& to, const proto::PeerMessage& message,
              bool peer_speaks_it = false);
    // A consensus message, encoded as it is: its wire type numbers are those
    // of the consensus family in PeerMessage, so no copy into a PeerMessage
    // (an append request can carry a megabyte of entries).
    void send(const std::string& to, const proto::RaftMessage& message);
    void stop();

    uint16_t port() const;
    // Whether a link to or from `member` is up (daemon thread).
    bool connected(const std::string& member) const;
    // Peer protocol version of our link to `member`; 0 when down.
    uint32_t version(const std::string& member) const;
    // Whether a member's message waits for the daemon thread (any thread).
    bool behind() const { return inbound_budget_->queued_messages() > 0; }
    // The version of the link now, else of the last link seen since this
    // daemon started; 0 when none was seen (daemon thread).
    uint32_t last_known_version(const std::string& member) const;
    // Counts links coming up and going down, either direction (any thread):
    // what last_known_version answers changes only when this does.
    uint64_t link_changes() const { return link_changes_.load(); }

  private:
    void dispatch(const std::string& from, proto::PeerMessage message);
    void send_bytes(const std::string& to, std::string frame);

    boost::asio::io_context& io_;
    BridgeHandlers handlers_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // Messages posted to the daemon thread and not yet handled, per member.
    std::shared_ptr<InboundBudget> inbound_budget_ = std::make_shared<InboundBudget>();
    std::shared_ptr<cc::log::Throttle> over_budget_ = std::make_shared<cc::log::Throttle>();
    std::atomic<uint64_t> link_changes_{0};  // before transport_: its threads bump it
    std::unique_ptr<ssh::PeerTransport> transport_;
    std::map<std::string, int> inbound_;  // member -> inbound links up
    mutable std::map<std::string, uint32_t> last_version_;
};

}  // namespace cc::collective
