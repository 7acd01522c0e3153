#include "daemon/app/reassigner.hpp"

#include "daemon/app/managers.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {
constexpr auto kTick = std::chrono::seconds(1);
}  // namespace

Reassigner::Reassigner(boost::asio::io_context& io, const state::Database& db, RaftDriver& driver,
                       std::string self, std::chrono::seconds grace)
    : io_(io), db_(db), driver_(driver), self_(std::move(self)), grace_(grace), timer_(io) {}

Reassigner::~Reassigner() {
    stop();
}

void Reassigner::start() {
    timer_.expires_after(kTick);
    timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
        if (ec || !*alive || stopped_) return;
        tick();
        start();
    });
}

void Reassigner::stop() {
    stopped_ = true;
    *alive_ = false;
    timer_.cancel();
}

std::vector<NodeOwner> Reassigner::owners() const {
    std::vector<NodeOwner> out;
    for (const auto& node : db_.expand("everything")) {
        NodeOwner o{node, {}, {}};
        auto attrs = db_.node_attributes(node, {kManagerAttribute, kCandidatesAttribute});
        o.manager = attrs.at(0).value;
        if (!attrs.at(1).value.empty()) {
            try {
                o.candidates = state::Database::expand_names(attrs.at(1).value);
            } catch (const std::exception&) {
                // Checked when it was set; an old value that no longer
                // parses counts as no candidates.
            }
        }
        out.push_back(std::move(o));
    }
    return out;
}

void Reassigner::tick() {
    const auto st = driver_.status();
    const auto now = raft::Clock::now();
    if (st.role != raft::Role::Leader) {
        leading_since_.reset();
        return;
    }
    if (!leading_since_ || term_ != st.term) {
        leading_since_ = now;
        term_ = st.term;
    }
    if (in_flight_ > 0 || !st.quorum) return;
    std::set<std::string> lost, online;
    for (const auto& m : st.members) {
        const auto& name = m.info.name;
        if (name == st.self || m.active) {
            online.insert(name);
            continue;
        }
        auto since = std::max(*leading_since_, m.last_contact.value_or(*leading_since_));
        if (now - since >= grace_) lost.insert(name);
    }
    if (lost.empty()) return;
    std::pair<uint64_t, std::set<std::string>> key{st.applied_index, lost};
    if (key == idle_scan_) return;
    auto plan = plan_reassignment(owners(), lost, online);
    if (plan.empty()) {
        idle_scan_ = key;
        return;
    }
    running_ = plan;
    for (const auto& [to, nodes] : plan.moves) {
        for (size_t i = 0; i < nodes.size(); i += kBatch) {
            std::vector<std::string> batch(
                nodes.begin() + long(i), nodes.begin() + long(std::min(nodes.size(), i + kBatch)));
            std::string range;
            for (const auto& n : batch) range += (range.empty() ? "" : ",") + n;
            proto::Command c = proto::SetNodeAttributes{range, {{kManagerAttribute, to}}, batch};
            ++in_flight_;
            driver_.propose(c, [this, alive = alive_](WriteOutcome o) {
                if (!*alive) return;
                if (o.outcome != proto::Outcome::Done)
                    cc::log::warn("moving nodes of an unreachable member failed: ",
                                  proto::text_or_default(o.outcome, o.reason), "; trying again");
                if (--in_flight_ == 0 && o.outcome == proto::Outcome::Done)
                    for (const auto& line : describe_moves(running_)) cc::log::info(line);
            });
        }
    }
}

std::vector<std::string> Reassigner::ownership_report(
    const std::vector<std::string>& offline) const {
    std::vector<std::string> lines;
    if (offline.empty()) return lines;
    std::set<std::string> lost(offline.begin(), offline.end());
    std::set<std::string> online;
    for (const auto& m : driver_.membership().members)
        if (!lost.count(m.name)) online.insert(m.name);
    auto plan = plan_reassignment(owners(), lost, online);
    for (const auto& m : offline) {
        auto count = [&](const std::map<std::string, size_t>& by, const std::string& what) {
            auto it = by.find(m);
            if (it == by.end() || it->second == 0) return;
            lines.push_back(m + " is offline and manages " + std::to_string(it->second) +
                            (it->second == 1 ? " node " : " nodes ") + what);
        };
        count(plan.without_candidates, "without candidates");
        count(plan.candidates_offline, "whose candidates are all offline");
        if (auto it = plan.moved.find(m); it != plan.moved.end()) {
            size_t n = 0;
            for (const auto& [to, k] : it->second) n += k;
            lines.push_back(m + " is offline and manages " + std::to_string(n) +
                            (n == 1 ? " node" : " nodes") +
                            " that move to their candidates after the grace period");
        }
    }
    return lines;
}

}  // namespace cc::app
