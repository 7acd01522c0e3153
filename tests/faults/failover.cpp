#include "tests/faults/failover.hpp"

#include <algorithm>
#include <atomic>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/faults/workload.hpp"

namespace cc::faults {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool shows_new_leader(const cc::it::CmdResult& r, const std::string& killed) {
    if (r.status != 0 || r.out.find("Quorum: True\n") == std::string::npos) return false;
    auto at = r.out.find("Leader: ");
    if (at == std::string::npos) return false;
    auto leader = r.out.substr(at + 8, r.out.find('\n', at) - at - 8);
    return !leader.empty() && leader != killed;
}

}  // namespace

FailoverSample measure_failover(Cluster& cluster) {
    size_t l = cluster.wait_all_follow();
    std::vector<size_t> survivors;
    for (size_t i = 0; i < cluster.size(); ++i)
        if (i != l) survivors.push_back(i);
    FailoverSample s;
    s.killed = cluster.at(l).name();
    std::atomic<bool> acked{false};
    std::atomic<double> ack_ms{0};
    std::vector<std::thread> probes;
    auto t0 = Clock::now();
    cluster.at(l).kill9();
    // Probes: one-shot writes every 25 ms, alternating between survivors.
    std::thread launcher([&] {
        for (size_t n = 0; !acked && Clock::now() - t0 < 20s; ++n) {
            size_t target = survivors[n % survivors.size()];
            probes.emplace_back([&, target, n] {
                proto::SetNodeAttributes set;
                set.noderange = "probe";
                set.attributes["probe.n"] = std::to_string(n);
                try {
                    auto r = cluster.at(target).call(proto::ApiWrite{set});
                    auto* done = std::get_if<proto::ApiWriteDone>(&r);
                    if (done && done->result.ok() && !acked.exchange(true)) ack_ms = ms_since(t0);
                } catch (const std::exception&) {
                }
            });
            std::this_thread::sleep_for(25ms);
        }
    });
    bool shown = false;
    while (!shown && Clock::now() - t0 < 20s) {
        shown = shows_new_leader(cluster.at(survivors[0]).cli("collective", {"show"}), s.killed);
        if (shown) s.show_ms = ms_since(t0);
    }
    launcher.join();
    for (auto& p : probes) p.join();
    s.first_ack_ms = ack_ms;
    cluster.at(l).start();
    cluster.wait_all_follow();
    if (!acked) throw std::runtime_error("no write acknowledged within 20 s of killing the leader");
    if (!shown) throw std::runtime_error("collective show named no new leader within 20 s");
    return s;
}

std::string spread(std::vector<double> v) {
    if (v.empty()) return "no samples";
    std::sort(v.begin(), v.end());
    double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    std::ostringstream o;
    o << std::fixed << std::setprecision(0) << "median=" << median << "ms min=" << v.front()
      << "ms max=" << v.back() << "ms n=" << v.size();
    return o.str();
}

}  // namespace cc::faults
