#include "daemon/collective/reach_check.hpp"

#include "daemon/collective/joiner.hpp"
#include "daemon/net/ssh/client.hpp"
#include "daemon/net/ssh/peer_transport.hpp"

namespace cc::collective {

namespace {

// "Failed to connect to HOST: why" -> "why".
std::string reason_of(const std::string& text) {
    auto colon = text.find(": ");
    return colon == std::string::npos ? text : text.substr(colon + 2);
}

}  // namespace

std::optional<std::string> check_reachable(const ReachProbe& probe, const proto::MemberInfo& member,
                                           const crypto::MemberKey& key) {
    auto fail = [&](const std::string& why) {
        return probe.my_name + " could not reach " + member.name + " at " + member.address + " (" +
               why + "); start confluentd on " + member.name +
               " with --listen or --advertise set to an address " + probe.my_name + " can reach";
    };
    ssh::ClientOptions co;
    try {
        auto target = parse_server(member.address, ssh::kDefaultPeerPort);
        co.host = target.host;
        co.port = target.port;
    } catch (const JoinFailure&) {
        return fail("not a valid address");
    }
    co.bind_host = probe.source_host;
    co.my_name = probe.my_name;
    co.kind = ssh::ChannelKind::Member;
    co.expected_fingerprint = member.fingerprint;
    co.limits = probe.limits;
    try {
        ssh::connect(co, key)->close();  // it already takes us: reachable
        return std::nullopt;
    } catch (const ssh::ConnectError& e) {
        switch (e.kind) {
            case ssh::ConnectFailure::HostKeyMatched:
                return std::nullopt;  // its key, then our key refused: the right server
            case ssh::ConnectFailure::HostKeyMismatch:
                return fail("another server answers there, not " + member.name);
            case ssh::ConnectFailure::Unreachable:
            case ssh::ConnectFailure::Other:
                break;
        }
        return fail(reason_of(e.what()));
    }
}

}  // namespace cc::collective
