#include "daemon/collective/joiner.hpp"

#include <charconv>

#include "daemon/net/ssh/client.hpp"
#include "proto/names.hpp"

namespace cc::collective {

JoinTarget parse_server(const std::string& server, uint16_t default_port) {
    auto bad = [&](const std::string& why) {
        return JoinFailure(proto::Outcome::BadRequest,
                           "Failed to connect to " + server + ": " + why);
    };
    JoinTarget t;
    t.port = default_port;
    std::string port_text;
    if (!server.empty() && server.front() == '[') {
        auto close = server.find(']');
        if (close == std::string::npos) throw bad("missing ']' in the address");
        t.host = server.substr(1, close - 1);
        if (close + 1 < server.size()) {
            if (server[close + 1] != ':') throw bad("expected ':' after ']'");
            port_text = server.substr(close + 2);
            if (port_text.empty()) throw bad("empty port");
        }
    } else if (auto colon = server.find(':');
               colon != std::string::npos && colon == server.rfind(':')) {
        t.host = server.substr(0, colon);
        port_text = server.substr(colon + 1);
        if (port_text.empty()) throw bad("empty port");
    } else {
        t.host = server;  // a name, an IPv4 literal or a bare IPv6 literal
    }
    if (t.host.empty()) throw bad("no host name");
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
            value > 65535)
            throw bad("port must be a number in 1..65535");
        t.port = static_cast<uint16_t>(value);
    }
    return t;
}

namespace {

// The exchange broke: before we confirmed, nothing changed (Refused); after,
// the inviter may have committed us (Unknown).
JoinFailure broken(bool confirmed, const std::string& server, const std::string& why) {
    if (!confirmed)
        return JoinFailure(proto::Outcome::Refused, "Failed to connect to " + server + ": " + why);
    return JoinFailure(proto::Outcome::Unknown,
                       "lost the join exchange with " + server + " (" + why +
                           "); this server may or may not have been added: check `collective "
                           "show` on " +
                           server + " before trying again");
}

proto::JoinMessage receive(ssh::Connection& conn, std::chrono::milliseconds timeout,
                           const std::string& server, bool confirmed) {
    auto bytes = conn.receive(timeout);
    if (!bytes) throw broken(confirmed, server, "no answer in time");
    try {
        return proto::from_bytes<proto::JoinMessage>(*bytes);
    } catch (const proto::DecodeError& e) {
        throw broken(confirmed, server, std::string("garbled answer (") + e.what() + ")");
    }
}

[[noreturn]] void refused(const proto::JoinRefused& r) {
    throw JoinFailure(r.outcome == proto::Outcome::Done ? proto::Outcome::Refused : r.outcome,
                      r.reason);
}

}  // namespace

proto::JoinAccept join_collective(const JoinRequestOptions& options,
                                  const crypto::ParsedToken& token, const crypto::MemberKey& key) {
    auto target = parse_server(options.server, options.default_port);
    ssh::ClientOptions co;
    co.host = target.host;
    co.port = target.port;
    co.bind_host = options.bind_host;
    co.my_name = token.name;
    co.kind = ssh::ChannelKind::Join;
    co.limits = options.limits;
    std::unique_ptr<ssh::Connection> conn;
    try {
        conn = ssh::connect(co, key);
    } catch (const ssh::ConnectError& e) {
        std::string text = e.what();
        // The server let our unknown key in only if it had an invitation
        // pending: none there means the token is not for that server.
        if (text.find("no invitation pending") != std::string::npos)
            throw JoinFailure(proto::Outcome::BadRequest, "Invalid token");
        if (target.host != options.server) {
            auto prefix = "Failed to connect to " + target.host;
            if (text.rfind(prefix, 0) == 0)
                text = "Failed to connect to " + options.server + text.substr(prefix.size());
        }
        throw JoinFailure(proto::Outcome::Refused, text);
    }
    const std::string& inviter_blob = conn->peer().key_blob;
    const auto step = options.limits.handshake_timeout;
    bool confirmed = false;
    try {
        conn->send(proto::to_bytes(proto::JoinMessage{proto::JoinRequest{
            token.name, crypto::joiner_proof(token.secret, inviter_blob, key.blob),
            options.advertise}}));
        auto reply = receive(*conn, step, options.server, confirmed);
        if (auto* r = std::get_if<proto::JoinRefused>(&reply)) refused(*r);
        auto* challenge = std::get_if<proto::JoinChallenge>(&reply);
        if (challenge == nullptr ||
            !crypto::proof_matches(crypto::inviter_proof(token.secret, inviter_blob, key.blob),
                                   challenge->proof))
            // someone in between, or a wrong server
            throw JoinFailure(proto::Outcome::BadRequest, "Invalid token");
        confirmed = true;  // from here on the inviter may commit us
        conn->send(proto::to_bytes(proto::JoinMessage{proto::JoinConfirm{}}));
        auto done = receive(*conn, options.commit_timeout, options.server, confirmed);
        if (auto* r = std::get_if<proto::JoinRefused>(&done)) refused(*r);
        auto* accept = std::get_if<proto::JoinAccept>(&done);
        if (accept == nullptr)
            throw broken(confirmed, options.server, "unexpected answer to the join");
        // Never write a cfg/collective that no member could load again.
        for (const auto& m : accept->members.members)
            if (auto why = proto::check_name(proto::NameKind::Member, m.name))
                throw broken(confirmed, options.server, "its member list is invalid: " + *why);
        conn->close();
        return *accept;
    } catch (const ssh::ConnectionClosed& e) {
        throw broken(confirmed, options.server, e.what());
    }
}

}  // namespace cc::collective
