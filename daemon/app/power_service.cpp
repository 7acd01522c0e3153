#include "daemon/app/power_service.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <charconv>
#include <optional>

#include "daemon/app/managers.hpp"
#include "daemon/app/secrets.hpp"
#include "daemon/hw/power.hpp"
#include "daemon/util/log.hpp"

namespace cc::app {

namespace {

constexpr const char* kOperation = "power";

std::string attribute(const state::Database& db, const std::string& node, const char* name) {
    return db.node_attributes(node, {name}).at(0).value;
}

bool is_member(const proto::Membership& members, const std::string& name) {
    for (const auto& m : members.members)
        if (m.name == name) return true;
    return false;
}

// "host" or "host:port" (IPv4 or a name; FreeIPMI's LAN driver is IPv4 only).
std::optional<std::pair<std::string, uint16_t>> parse_bmc(const std::string& value) {
    auto colon = value.rfind(':');
    if (colon == std::string::npos) return std::pair{value, uint16_t(623)};
    unsigned port = 0;
    const char* first = value.data() + colon + 1;
    const char* last = value.data() + value.size();
    auto [p, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || p != last || port == 0 || port > 65535 || colon == 0)
        return std::nullopt;
    return std::pair{value.substr(0, colon), uint16_t(port)};
}

std::string valid_states() {
    return "status, on, off, reset, boot, shutdown, softoff";
}

// What -p shows before the arrow: the state read before the action; for
// status the state itself (confluent's -p reads it twice: "n1: on->on").
std::string previous_of(hw::PowerAction action, const hw::PowerResult& p) {
    return action == hw::PowerAction::Status ? p.state : p.previous;
}

}  // namespace

PowerService::PowerService(boost::asio::io_context& io, const state::Database& db,
                           const DataKeyKeeper& keys, std::string self, Peers peers)
    : io_(io), db_(db), keys_(keys), self_(std::move(self)), peers_(std::move(peers)) {}

PowerService::~PowerService() {
    stop();
}

void PowerService::stop() {
    stopped_ = true;
    *alive_ = false;
    for (auto& [id, w] : waiting_) w.timer->cancel();
    waiting_.clear();
    std::vector<Worker> workers;
    {
        std::lock_guard lk(workers_mu_);
        workers.swap(workers_);
    }
    for (auto& w : workers)
        if (w.thread.joinable()) w.thread.join();
}

void PowerService::handle(const proto::ApiNodeOperation& request, net::ApiReply reply) {
    if (request.operation != kOperation) {
        reply(proto::ApiError{proto::Outcome::BadRequest,
                              "unknown node operation '" + request.operation + "'"});
        return;
    }
    if (!hw::parse_power_action(request.argument)) {
        reply(proto::ApiError{
            proto::Outcome::BadRequest,
            "unknown power state '" + request.argument + "'; use one of " + valid_states()});
        return;
    }
    std::vector<std::string> nodes;
    try {
        nodes = db_.expand(request.noderange);
    } catch (const state::NoderangeError& e) {
        reply(proto::ApiError{proto::outcome_of(e.code), e.what()});
        return;
    }
    // Results in noderange order, filled as the managers answer.
    struct Gather {
        Results results;
        std::map<std::string, size_t> slot;
        size_t pending = 0;
        net::ApiReply reply;
    };
    auto g = std::make_shared<Gather>();
    g->reply = std::move(reply);
    g->results.resize(nodes.size());
    std::map<std::string, std::vector<std::string>> by_manager;
    const bool collective = peers_.in_collective();
    const auto members = peers_.members();
    for (size_t i = 0; i < nodes.size(); ++i) {
        const auto& node = nodes[i];
        g->slot[node] = i;
        g->results[i].node = node;
        std::string manager = collective ? attribute(db_, node, kManagerAttribute) : self_;
        if (manager.empty())
            g->results[i].text =
                "collective mode is active, but collective.manager is not set for this node";
        else if (!is_member(members, manager) && manager != self_)
            g->results[i].text = "\"" + manager + "\" is not recognized as a collective member";
        else
            by_manager[manager].push_back(node);
    }
    auto fill = [this, g, alive = alive_](Results results) {
        if (!*alive) return;
        for (auto& r : results)
            if (auto it = g->slot.find(r.node); it != g->slot.end())
                g->results[it->second] = std::move(r);
        if (--g->pending == 0) g->reply(proto::ApiNodeResults{std::move(g->results)});
    };
    g->pending = by_manager.size() + 1;  // +1: released below, once all are sent
    for (auto& [manager, list] : by_manager) {
        if (manager == self_) {
            run_here(self_, request.argument, request.show_previous, std::move(list), fill);
            continue;
        }
        auto fail_all = [&list](const std::string& text) {
            Results out;
            for (const auto& n : list) out.push_back({n, false, text, {}});
            return out;
        };
        // Our own link to the manager carries the request (a link the manager
        // opened to us may outlive it for a moment after it died).
        const uint32_t v = peers_.link_version(manager);
        if (v == 0) {
            fill(fail_all("Collective member " + manager + " is unreachable (no link to it)"));
            continue;
        }
        if (v < proto::kPeerVersionRouted) {
            fill(fail_all(manager + " runs a version without power control; upgrade it"));
            continue;
        }
        uint64_t id = next_id_++;
        auto timer = std::make_unique<boost::asio::steady_timer>(io_, kRouteTimeout);
        timer->async_wait([this, id, alive = alive_](boost::system::error_code ec) {
            if (ec || !*alive) return;
            auto it = waiting_.find(id);
            if (it == waiting_.end()) return;
            auto w = std::move(it->second);
            waiting_.erase(it);
            w.done({});  // the slots keep their "no answer" text
        });
        // Until the manager answers, its nodes read as unanswered.
        for (const auto& n : list)
            g->results[g->slot[n]].text = "Collective member " + manager +
                                          " is unreachable (no answer within " +
                                          std::to_string(kRouteTimeout.count() / 1000) + " s)";
        auto done = request.show_previous ? with_previous_checked(manager, fill) : fill;
        waiting_[id] = Waiting{manager, std::move(done), std::move(timer)};
        peers_.send(manager, proto::NodeRequest{id, kOperation, request.argument, list,
                                                request.show_previous});
    }
    fill({});
}

void PowerService::on_request(const std::string& from, proto::NodeRequest request) {
    if (stopped_) return;
    auto answer = [this, from, id = request.id](Results results) {
        peers_.send(from, proto::NodeReply{id, std::move(results)});
    };
    if (request.operation != kOperation || !hw::parse_power_action(request.argument)) {
        const std::string why = self_ + " does not know the operation '" + request.operation + " " +
                                request.argument + "'; upgrade it";
        Results out;
        for (const auto& n : request.nodes) out.push_back({n, false, why, {}});
        answer(std::move(out));
        return;
    }
    run_here(from, request.argument, request.show_previous, std::move(request.nodes), answer);
}

void PowerService::on_reply(const std::string& from, proto::NodeReply reply) {
    auto it = waiting_.find(reply.id);
    if (it == waiting_.end() || it->second.member != from) return;  // late or not ours
    auto w = std::move(it->second);
    waiting_.erase(it);
    w.timer->cancel();
    w.done(std::move(reply.results));
}

std::function<void(PowerService::Results)> PowerService::with_previous_checked(
    const std::string& manager, std::function<void(Results)> done) {
    // A manager of an older build skips NodeRequest::show_previous: it carries
    // the action out but cannot say what the state was before.
    return [manager, done = std::move(done)](Results results) {
        for (auto& r : results)
            if (r.ok && r.previous.empty()) {
                r.ok = false;
                r.text += "; the previous state is unknown: " + manager +
                          " runs a version without nodepower -p; upgrade it";
            }
        done(std::move(results));
    };
}

void PowerService::run_here(const std::string& for_member, const std::string& argument,
                            bool show_previous, std::vector<std::string> nodes,
                            std::function<void(Results)> done) {
    // Read every node's BMC and credentials here, on the daemon thread: the
    // workers only talk to BMCs.
    struct Job {
        size_t slot;
        hw::BmcTarget bmc;
    };
    auto results = std::make_shared<Results>(nodes.size());
    auto bmcs = std::make_shared<std::vector<std::string>>(nodes.size());  // for the log
    std::vector<Job> jobs;
    for (size_t i = 0; i < nodes.size(); ++i) {
        auto& r = (*results)[i];
        r.node = nodes[i];
        auto method = attribute(db_, r.node, "hardwaremanagement.method");
        if (!method.empty() && method != "ipmi") {
            r.text = "hardwaremanagement.method " + method + " is not supported (ipmi is)";
            continue;
        }
        auto address = attribute(db_, r.node, "hardwaremanagement.manager");
        if (address.empty()) {
            r.text = "hardwaremanagement.manager is not set for this node";
            continue;
        }
        auto hp = parse_bmc(address);
        if (!hp) {
            r.text = "hardwaremanagement.manager '" + address + "' is not host or host:port";
            continue;
        }
        hw::BmcTarget bmc;
        bmc.host = hp->first;
        bmc.port = hp->second;
        bmc.user = read_secret(db_, keys_, r.node, "secret.hardwaremanagementuser");
        bmc.password = read_secret(db_, keys_, r.node, "secret.hardwaremanagementpassword");
        (*bmcs)[i] = " (BMC " + bmc.host + ":" + std::to_string(bmc.port) + ")";
        jobs.push_back({i, std::move(bmc)});
    }
    auto action = *hw::parse_power_action(argument);
    auto finish = [results, bmcs, done = std::move(done), for_member, argument, alive = alive_]() {
        if (!*alive) return;
        for (size_t i = 0; i < results->size(); ++i) {
            const auto& r = (*results)[i];
            cc::log::info("power ", argument, " of ", r.node, (*bmcs)[i], " for ", for_member, ": ",
                          r.ok ? r.text : "failed: " + r.text);
        }
        done(std::move(*results));
    };
    if (jobs.empty()) return finish();
    // One batch thread runs up to kParallel BMC calls at once, then posts.
    std::lock_guard lk(workers_mu_);
    reap_workers();
    auto finished = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back({std::thread([this, results, jobs = std::move(jobs), action, show_previous,
                                     finish, finished, alive = alive_]() mutable {
                            std::atomic<size_t> next{0};
                            auto work = [&] {
                                for (size_t k = next++; k < jobs.size(); k = next++) {
                                    auto p = hw::power(jobs[k].bmc, action, kBmcTimeout);
                                    auto& r = (*results)[jobs[k].slot];
                                    r.ok = p.ok;
                                    r.text = p.ok ? p.state : p.error;
                                    if (p.ok && show_previous) r.previous = previous_of(action, p);
                                }
                            };
                            std::vector<std::thread> pool;
                            for (size_t t = 1; t < std::min(kParallel, jobs.size()); ++t)
                                pool.emplace_back(work);
                            work();
                            for (auto& t : pool) t.join();
                            boost::asio::post(io_, [finish, alive] {
                                if (*alive) finish();
                            });
                            *finished = true;
                        }),
                        finished});
}

void PowerService::reap_workers() {
    std::erase_if(workers_, [](Worker& w) {
        if (!*w.finished) return false;
        w.thread.join();
        return true;
    });
}

}  // namespace cc::app
