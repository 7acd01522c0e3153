#include "daemon/collective/leader_views.hpp"

namespace cc::collective {

LeaderViews::LeaderViews(boost::asio::io_context& io, std::string self, Hooks hooks)
    : self_(std::move(self)), hooks_(std::move(hooks)), timer_(io) {}

LeaderViews::~LeaderViews() {
    stop();
}

void LeaderViews::start() {
    share();
}

void LeaderViews::stop() {
    *alive_ = false;
    timer_.cancel();
}

void LeaderViews::share() {
    if (hooks_.leading()) {
        auto s = hooks_.report();
        proto::PeerMessage message = proto::LeaderView{s.term, {}};
        auto& members = std::get<proto::LeaderView>(message).members;
        for (const auto& m : s.members) members.push_back({m.name, m.lag, m.last_contact_ms});
        for (const auto& m : s.members)
            if (m.name != self_) hooks_.send(m.name, message);
    }
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (!ec && *alive) share();
    });
}

void LeaderViews::received(const std::string& from, proto::LeaderView view) {
    latest_ = Received{from, std::move(view), std::chrono::steady_clock::now()};
}

std::optional<LeaderViews::Fresh> LeaderViews::fresh(const std::string& leader,
                                                     uint64_t term) const {
    if (!latest_ || latest_->from != leader || latest_->view.term != term) return std::nullopt;
    auto age = std::chrono::steady_clock::now() - latest_->at;
    if (age >= kFresh) return std::nullopt;
    return Fresh{&latest_->view,
                 std::chrono::duration_cast<std::chrono::milliseconds>(age).count()};
}

}  // namespace cc::collective
