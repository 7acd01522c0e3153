#include "daemon/collective/peer_bridge.hpp"

#include <boost/asio/post.hpp>

#include "daemon/collective/member_list.hpp"
#include "daemon/util/log.hpp"

namespace cc::collective {

namespace {
std::string ssh_budget_text() {
    return std::to_string(InboundBudget::kMaxMessages) + " messages or " +
           std::to_string(InboundBudget::kMaxBytes >> 20) + " MiB";
}
}  // namespace

PeerBridge::PeerBridge(boost::asio::io_context& io, BridgeOptions options, BridgeHandlers handlers,
                       crypto::MemberKey key)
    : io_(io), handlers_(std::move(handlers)) {
    ssh::TransportOptions o;
    o.my_name = options.my_name;
    o.advertise = options.advertise;
    o.max_version = options.max_version;
    o.listen_host = options.listen_host;
    o.listen_port = options.listen_port;
    o.source_host = options.source_host;
    o.limits = options.limits;
    o.members = [this, self = options.my_name] {
        auto members = handlers_.members();
        // A non-voter's keepalives are slow: no member counts on hearing
        // from it within an election timeout (one being promoted is a voter
        // soon). With 45 non-voters, their keepalives to each other were
        // most of an idle collective's CPU.
        const auto* me = find_member(members, self);
        if (transport_)
            transport_->set_quiet(me && me->role == proto::Role::NonVoter && !me->promote);
        return peer_endpoints(members, self);
    };
    o.accepting_joins = handlers_.accepting_joins;

    ssh::TransportHandlers h;
    h.on_frame = [this, alive = alive_](const ssh::PeerInfo& from, std::string payload) {
        // Decoding here: a garbled frame throws, which drops only that connection.
        auto message = proto::from_bytes<proto::PeerMessage>(payload);
        size_t bytes = payload.size();
        if (!inbound_budget_->take(from.name, bytes)) {
            uint64_t n = 0;
            if (over_budget_->due(n))
                cc::log::warn("dropped ", n, " message(s) from member ", from.name, ": more than ",
                              ssh_budget_text(), " of its messages wait for the daemon thread");
            return;
        }
        boost::asio::post(io_, [this, alive, budget = inbound_budget_, name = from.name, bytes,
                                m = std::move(message)]() mutable {
            budget->give(name, bytes);
            if (*alive) dispatch(name, std::move(m));
        });
    };
    h.on_alive = [this, alive = alive_](const ssh::PeerInfo& from) {
        if (!handlers_.on_alive) return;
        boost::asio::post(io_, [this, alive, name = from.name] {
            if (*alive) handlers_.on_alive(name);
        });
    };
    h.on_link = [this, alive = alive_](const ssh::PeerInfo& peer, bool up) {
        ++link_changes_;
        if (peer.direction != ssh::Direction::Inbound) return;
        boost::asio::post(io_, [this, alive, up, name = peer.name, addr = peer.remote_address,
                                advertise = peer.advertise] {
            if (!*alive) return;
            auto& n = inbound_[name];
            const bool last = !up && n == 1;
            n = up ? n + 1 : (n > 0 ? n - 1 : 0);
            if (up && handlers_.on_link) handlers_.on_link(name, addr, advertise);
            if (last && handlers_.on_link_lost) handlers_.on_link_lost(name);
        });
    };
    if (handlers_.on_join) h.on_join = handlers_.on_join;
    h.on_key_refused = [this, alive = alive_](const std::string& name) {
        if (!handlers_.on_key_refused) return;
        boost::asio::post(io_, [this, alive, name] {
            if (*alive) handlers_.on_key_refused(name);
        });
    };
    transport_ = std::make_unique<ssh::PeerTransport>(std::move(o), std::move(h), std::move(key));
}

PeerBridge::~PeerBridge() {
    stop();
}

void PeerBridge::start() {
    transport_->start();
}

void PeerBridge::refresh() {
    transport_->refresh();
}

void PeerBridge::dispatch(const std::string& from, proto::PeerMessage message) {
    std::visit(
        [&](auto&& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, proto::LeaderView>) {
                if (handlers_.on_leader_view) handlers_.on_leader_view(from, std::move(m));
            } else if constexpr (std::is_same_v<T, proto::NodeRequest> ||
                                 std::is_same_v<T, proto::NodeReply>) {
                if (handlers_.on_routed) handlers_.on_routed(from, std::move(m));
            } else if constexpr (std::is_same_v<T, proto::DataKeyRequest> ||
                                 std::is_same_v<T, proto::DataKeyReply>) {
                if (handlers_.on_data_key) handlers_.on_data_key(from, std::move(m));
            } else if (handlers_.on_consensus) {
                handlers_.on_consensus(from, proto::RaftMessage(std::move(m)));
            }
        },
        std::move(message));
}

void PeerBridge::send(const std::string& to, const proto::PeerMessage& message,
                      bool peer_speaks_it) {
    uint32_t v = transport_->version(to);
    if (v < proto::min_version(proto::family_of(message)) && !(peer_speaks_it && v == 0)) return;
    send_bytes(to, proto::to_bytes(message));
}

void PeerBridge::send(const std::string& to, const proto::RaftMessage& message) {
    send_bytes(to, proto::to_bytes(message));
}

void PeerBridge::send_bytes(const std::string& to, std::string frame) {
    // The daemon thread writes a message itself while no member's message
    // waits for it: a round trip then costs a thread wake-up less on each
    // side (three members, one client writing in a loop: p50 and CPU per
    // write 8% lower, in 4 of 4 interleaved rounds). While it is behind, the
    // links' threads write, on the other core: with 5 voters, 10 non-voters
    // and 64 clients, always writing itself cost about 5% of the writes/s.
    auto mode = behind() ? ssh::SendMode::Queue : ssh::SendMode::WriteNow;
    if (!transport_->send(to, std::move(frame), mode))
        cc::log::debug("message to ", to, " not queued (unknown member or too large)");
}

void PeerBridge::stop() {
    *alive_ = false;
    if (transport_) transport_->stop();
}

uint16_t PeerBridge::port() const {
    return transport_->port();
}

uint32_t PeerBridge::version(const std::string& member) const {
    return transport_->version(member);
}

uint32_t PeerBridge::last_known_version(const std::string& member) const {
    if (uint32_t v = transport_->version(member)) return last_version_[member] = v;
    auto it = last_version_.find(member);
    return it == last_version_.end() ? 0 : it->second;
}

bool PeerBridge::connected(const std::string& member) const {
    if (transport_->connected(member)) return true;
    auto it = inbound_.find(member);
    return it != inbound_.end() && it->second > 0;
}

}  // namespace cc::collective
