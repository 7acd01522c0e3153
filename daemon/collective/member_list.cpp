#include "daemon/collective/member_list.hpp"

#include <algorithm>

namespace cc::collective {

const proto::MemberInfo* find_member(const proto::Membership& list, std::string_view name) {
    for (const auto& m : list.members)
        if (m.name == name) return &m;
    return nullptr;
}

proto::Membership with_member(proto::Membership list, proto::MemberInfo member) {
    for (auto& m : list.members) {
        if (m.name == member.name) {
            m = std::move(member);
            return list;
        }
    }
    list.members.push_back(std::move(member));
    return list;
}

std::optional<proto::Membership> without_member(const proto::Membership& list,
                                                std::string_view name) {
    proto::Membership out;
    for (const auto& m : list.members)
        if (m.name != name) out.members.push_back(m);
    if (out.members.size() == list.members.size()) return std::nullopt;
    return out;
}

std::vector<ssh::PeerEndpoint> peer_endpoints(const proto::Membership& list,
                                              std::string_view self) {
    std::vector<ssh::PeerEndpoint> out;
    for (const auto& m : list.members) {
        if (m.name == self || m.fingerprint.empty()) continue;
        out.push_back({m.name, m.address, m.fingerprint});
    }
    return out;
}

std::string host_of(const std::string& address) {
    if (!address.empty() && address.front() == '[') {
        auto close = address.find(']');
        return close == std::string::npos ? address : address.substr(1, close - 1);
    }
    auto colon = address.rfind(':');
    // More than one colon without brackets: a bare IPv6 literal.
    if (colon == std::string::npos || address.find(':') != colon) return address;
    return address.substr(0, colon);
}

std::string with_port(const std::string& address, uint16_t default_port) {
    const std::string port = std::to_string(default_port);
    if (!address.empty() && address.front() == '[') {
        auto close = address.find(']');
        if (close != std::string::npos && close + 1 < address.size()) return address;
        return address + ":" + port;
    }
    auto first = address.find(':');
    if (first == std::string::npos) return address + ":" + port;
    if (first != address.rfind(':')) return "[" + address + "]:" + port;  // bare IPv6
    return address;
}

std::string reach_address(const std::string& advertise, const std::string& remote_address,
                          uint16_t default_port) {
    if (!advertise.empty() && advertise.front() == ':') {
        std::string seen = with_port(host_of(remote_address), default_port);
        return seen.substr(0, seen.rfind(':')) + advertise;
    }
    if (!advertise.empty()) return with_port(advertise, default_port);
    return with_port(host_of(remote_address), default_port);
}

}  // namespace cc::collective
