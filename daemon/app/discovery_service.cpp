#include "daemon/app/discovery_service.hpp"

#include <algorithm>

#include "daemon/app/managers.hpp"
#include "daemon/storage/storage_error.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {

constexpr const char* kHwaddrAttribute = "net.hwaddr";

proto::ApiError bad(std::string message) {
    return proto::ApiError{proto::Outcome::BadRequest, std::move(message)};
}

proto::ApiError stored_failed(const storage::StorageError& e) {
    return proto::ApiError{proto::Outcome::StorageFailed,
                           std::string(e.what()) + "; nothing was changed"};
}

std::string unknown_mac(const std::string& mac) {
    return "no device with MAC address " + mac +
           " in this member's discovery data (see nodediscover list)";
}

}  // namespace

std::map<std::string, std::string> nodes_by_mac(const state::Database& db) {
    std::map<std::string, std::string> out;
    for (const auto& node : db.expand("everything")) {
        for (const auto& a : db.node_attributes(node, {kHwaddrAttribute})) {
            auto mac = discovery::try_normalize_mac(a.value);
            if (!mac) continue;
            auto& nodes = out[*mac];
            nodes += (nodes.empty() ? "" : ",") + node;
        }
    }
    return out;
}

DiscoveryService::DiscoveryService(const std::filesystem::path& state_dir) : store_(state_dir) {
    if (!store_.devices().empty())
        cc::log::info("discovery: ", store_.devices().size(), " devices in ",
                      store_.path().string());
}

void DiscoveryService::handle(const proto::ApiDiscoveryRegister& r, const DiscoveryContext&,
                              net::ApiReply reply) {
    if (r.mac.empty()) return reply(bad("a MAC address is required (--mac MAC)"));
    discovery::Device d{r.mac, r.model, r.serial, r.uuid, r.type, r.ips};
    try {
        store_.add(std::move(d));
    } catch (const discovery::InvalidInput& e) {
        return reply(bad(e.what()));
    } catch (const storage::StorageError& e) {
        return reply(stored_failed(e));
    }
    reply(proto::ApiDone{});
}

void DiscoveryService::handle(const proto::ApiDiscoveryList&, const DiscoveryContext& ctx,
                              net::ApiReply reply) {
    // The Node column comes from the node database, which is stale on a
    // member that cannot apply a committed change: refused like any read.
    if (!ctx.cannot_apply.empty())
        return reply(proto::ApiError{proto::Outcome::NeedsNewerBuild, ctx.cannot_apply});
    const auto owners = nodes_by_mac(ctx.db);
    proto::ApiDiscoveredDevices out;
    for (const auto& [mac, d] : store_.devices()) {
        auto it = owners.find(mac);
        out.devices.push_back(proto::ApiDiscoveredDevice{
            it == owners.end() ? "" : it->second, d.model, d.serial, d.uuid, mac, d.type, d.ips});
    }
    reply(std::move(out));
}

void DiscoveryService::handle(const proto::ApiDiscoveryAssign& r, const DiscoveryContext& ctx,
                              net::ApiReply reply) {
    if (!ctx.cannot_apply.empty())
        return reply(proto::ApiError{proto::Outcome::NeedsNewerBuild, ctx.cannot_apply});
    if (r.node.empty()) return reply(bad("a node is required (-n NODE)"));
    std::string mac;
    try {
        mac = discovery::normalize_mac(r.mac);
    } catch (const discovery::InvalidInput& e) {
        return reply(bad(e.what()));
    }
    if (!store_.find(mac))
        return reply(proto::ApiError{proto::Outcome::NotFound, unknown_mac(mac)});
    if (!ctx.db.node_exists(r.node))
        return reply(proto::ApiError{proto::Outcome::NotFound, "Unknown node " + r.node});
    const auto owners = nodes_by_mac(ctx.db);
    if (auto it = owners.find(mac); it != owners.end() && it->second != r.node) {
        std::string other = it->second.substr(0, it->second.find(','));
        return reply(bad(mac + " is already the net.hwaddr of " + it->second +
                         "; clear it there first (nodeattrib " + other + " -c net.hwaddr)"));
    }

    std::string line = r.node + ": assigned " + mac;
    bool claim = false;
    if (ctx.in_collective) {
        auto shown = ctx.db.node_attributes(r.node, {kManagerAttribute, kCandidatesAttribute});
        const std::string& manager = shown.at(0).value;
        const std::string& candidates = shown.at(1).value;
        if (manager.empty()) {
            bool candidate = candidates.empty();
            if (!candidate) {
                try {
                    auto names = state::Database::expand_names(candidates);
                    candidate = std::find(names.begin(), names.end(), ctx.my_name) != names.end();
                } catch (const std::exception&) {
                    candidate = false;
                }
            }
            if (candidate) {
                claim = true;
            } else {
                line += "; " + ctx.my_name + " is not among its collective.managercandidates (" +
                        candidates + "), not claimed";
            }
        } else if (manager != ctx.my_name) {
            line += "; managed by " + manager + ", not claimed";
        }
    }
    // A claim is decided when applied (proto::ClaimNode): its result says
    // whether this member got the node or another claimed it first.
    proto::Command command;
    if (claim)
        command = proto::ClaimNode{r.node, mac, ctx.my_name};
    else
        command = proto::SetNodeAttributes{r.node, {{kHwaddrAttribute, mac}}, std::nullopt};
    ctx.write(proto::ApiWrite{std::move(command)},
              [reply = std::move(reply), line = std::move(line),
               claim](proto::ApiResponse answer) mutable {
                  if (auto* done = std::get_if<proto::ApiWriteDone>(&answer)) {
                      if (!done->result.ok())
                          return reply(proto::ApiError{proto::outcome_of(done->result.code),
                                                       done->result.message});
                      if (claim && done->result.lines.size() > 1)
                          line += "; " + done->result.lines.back().text;
                      reply(proto::ApiDone{{line}});
                      return;
                  }
                  reply(std::move(answer));  // an ApiError: passed on as it is
              });
}

void DiscoveryService::handle(const proto::ApiDiscoveryClear& r, const DiscoveryContext&,
                              net::ApiReply reply) {
    try {
        if (r.mac.empty()) {
            store_.clear();
        } else {
            std::string mac = discovery::normalize_mac(r.mac);
            if (!store_.remove(mac))
                return reply(proto::ApiError{proto::Outcome::NotFound, unknown_mac(mac)});
        }
    } catch (const discovery::InvalidInput& e) {
        return reply(bad(e.what()));
    } catch (const storage::StorageError& e) {
        return reply(stored_failed(e));
    }
    reply(proto::ApiDone{});
}

}  // namespace cc::app
