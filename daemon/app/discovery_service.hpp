// nodediscover's side in confluentd: this member's discovery data
// (discovery::DeviceStore, never replicated) and `assign`, which binds a
// device to a node through the log.
//
// assign -e MAC -n NODE writes through the daemon's normal write path
// (WritePath, write_path.hpp: prepare, manager check, raft propose,
// settle_write). In a collective, when the node has no manager (own or
// inherited) and its `collective.managercandidates`, if set, name this
// member, it proposes a proto::ClaimNode: `net.hwaddr` and, decided when the
// command is applied, `collective.manager` = this member unless the node got
// its own manager meanwhile (another member's claim first in the log), so two
// members assigning one node at once never both claim it. Otherwise it
// proposes a proto::SetNodeAttributes of `net.hwaddr` alone: a node another
// member manages is not claimed, and a lone server never sets
// collective.manager (confluent only weighs node ownership in collective
// mode). A claim needs peer protocol v4 on every voter (the leader refuses
// it before, exit 2).
//
// Threading: daemon thread only (like the Database it reads).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <type_traits>

#include "daemon/discovery/device_store.hpp"
#include "daemon/net/api/api_server.hpp"
#include "daemon/state/database.hpp"
#include "proto/api.hpp"

namespace cc::app {

template <typename T>
inline constexpr bool is_discovery_request_v =
    std::is_same_v<T, proto::ApiDiscoveryRegister> || std::is_same_v<T, proto::ApiDiscoveryList> ||
    std::is_same_v<T, proto::ApiDiscoveryAssign> || std::is_same_v<T, proto::ApiDiscoveryClear>;

// What a request may use of the daemon, for the duration of handle().
struct DiscoveryContext {
    const state::Database& db;
    std::string my_name;
    bool in_collective = false;
    std::string cannot_apply;  // set: reads of the node database are refused
    // The daemon's replicated write path (answers ApiWriteDone or ApiError).
    std::function<void(proto::ApiWrite, net::ApiReply)> write;
};

class DiscoveryService {
  public:
    // Loads STATE/discovery/devices; a corrupt file raises
    // storage::StorageError (confluentd does not start; the log says why).
    explicit DiscoveryService(const std::filesystem::path& state_dir);

    void handle(const proto::ApiDiscoveryRegister& r, const DiscoveryContext& ctx,
                net::ApiReply reply);
    void handle(const proto::ApiDiscoveryList& r, const DiscoveryContext& ctx, net::ApiReply reply);
    void handle(const proto::ApiDiscoveryAssign& r, const DiscoveryContext& ctx,
                net::ApiReply reply);
    void handle(const proto::ApiDiscoveryClear& r, const DiscoveryContext& ctx,
                net::ApiReply reply);

    const discovery::DeviceStore& store() const { return store_; }

  private:
    discovery::DeviceStore store_;
};

// The node of each MAC: nodes whose net.hwaddr (a valid MAC, any case) is
// that MAC, comma-joined in natural order. Pure; for list and tests.
std::map<std::string, std::string> nodes_by_mac(const state::Database& db);

}  // namespace cc::app
