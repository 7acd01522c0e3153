#include "tests/faults/verify.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "tests/sim/linearizability.hpp"
#include "tests/support/read_file.hpp"

namespace cc::faults {

namespace {

// "line N: 'ours' vs 'theirs'" for the first line that differs.
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream x(a), y(b);
    std::string la, lb;
    for (size_t n = 1;; ++n) {
        bool ga = static_cast<bool>(std::getline(x, la));
        bool gb = static_cast<bool>(std::getline(y, lb));
        if (!ga && !gb) return "same lines (differs in line endings)";
        if (!ga) la = "<end of file>";
        if (!gb) lb = "<end of file>";
        if (!ga || !gb || la != lb)
            return "line " + std::to_string(n) + ": '" + la + "' vs '" + lb + "'";
    }
}

}  // namespace

std::string Verdict::summary() const {
    std::ostringstream o;
    o << "acked=" << writes_acked << " failed=" << writes_failed << " unknown=" << writes_unknown
      << " reads=" << reads_ok << " lost=" << lost << " divergent=" << divergent
      << " refused_applied=" << refused_applied
      << " linearizable=" << (linearizable == "yes" ? "yes" : "NO");
    return o.str();
}

std::string check_history(const std::vector<Op>& history) {
    // A write of unknown outcome whose value no read ever returned can be left
    // out: keeping it optional admits exactly the same orders (no read can sit
    // between it and the next write), and leaving it out keeps the search
    // small when a fault leaves hundreds of writes undecided. Values are unique.
    std::set<std::pair<std::string, std::string>> observed;
    for (const auto& h : history)
        if (!h.write && h.outcome == Outcome::Ok) observed.emplace(h.key, h.value);
    std::vector<sim::KvOp> ops;
    for (const auto& h : history) {
        if (h.write && h.outcome == Outcome::Failed) continue;
        if (h.write && h.outcome == Outcome::Unknown && !observed.count({h.key, h.value})) continue;
        if (!h.write && h.outcome != Outcome::Ok) continue;
        sim::KvOp k;
        k.id = h.id;
        k.key = h.key;
        k.write = h.write;
        k.value = h.value;
        k.call = static_cast<uint64_t>(h.call_ns);
        bool known = h.outcome == Outcome::Ok;
        k.ret = known ? static_cast<uint64_t>(h.ret_ns) : sim::kNever;
        k.required = known;
        ops.push_back(std::move(k));
    }
    auto report = sim::check_linearizable(ops);
    switch (report.verdict) {
        case sim::LinVerdict::Linearizable:
            return "yes";
        case sim::LinVerdict::Violation:
            return "violation: " + report.detail;
        case sim::LinVerdict::TooHard:
            return "too hard to decide: " + report.detail;
    }
    return "unknown verdict";
}

std::vector<std::pair<std::string, std::string>> cfg_files(const std::filesystem::path& dir) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        auto rel = std::filesystem::relative(e.path(), dir).string();
        if (rel == "myname") continue;
        out.emplace_back(rel, cc::test::read_file(e.path()));
    }
    std::sort(out.begin(), out.end());
    return out;
}

Verdict verify_after_heal(Cluster& cluster, Workload& workload) {
    Verdict v;
    cluster.wait_converged();
    // Acknowledged writes per key.
    std::map<std::string, std::vector<uint64_t>> acked;
    std::map<std::string, const Op*> refused;  // "fault.w<id>" -> the refused write
    auto before = workload.history();
    for (const auto& op : before) {
        if (!op.write) continue;
        if (op.outcome == Outcome::Ok) acked[op.key].push_back(op.id);
        if (op.outcome == Outcome::Failed) refused["fault.w" + op.value] = &op;
    }
    for (size_t m = 0; m < cluster.size(); ++m) {
        for (const auto& key : workload.keys()) {
            Op read;
            read.id = workload.next_id();
            read.member = m;
            read.key = key;
            proto::ApiNodeQuery q;
            q.noderange = key;
            read.call_ns = now_ns();
            auto r = cluster.at(m).call(q);
            read.ret_ns = now_ns();
            auto* objs = std::get_if<proto::ApiObjects>(&r);
            if (!objs || objs->objects.size() != 1) {
                // The node itself is gone: so is every write acknowledged on it.
                v.lost += acked[key].size();
                v.problems.push_back(cluster.at(m).name() + " cannot read node " + key);
                continue;
            }
            std::set<std::string> present;
            for (const auto& a : objs->objects[0].attributes) {
                if (a.name == "fault.v") read.value = a.value;
                present.insert(a.name);
            }
            read.outcome = Outcome::Ok;
            workload.record(read);
            for (const auto& name : present) {
                auto it = refused.find(name);
                if (it == refused.end()) continue;
                ++v.refused_applied;
                if (v.refused_applied <= 5)
                    v.problems.push_back("write " + it->second->value + " on " + key + " through " +
                                         cluster.at(it->second->member).name() + " was refused ('" +
                                         it->second->error + "') but is applied on " +
                                         cluster.at(m).name());
            }
            for (uint64_t id : acked[key]) {
                if (present.count("fault.w" + std::to_string(id))) continue;
                ++v.lost;
                if (v.lost <= 5)
                    v.problems.push_back("acknowledged write " + std::to_string(id) + " on " + key +
                                         " is missing on " + cluster.at(m).name());
            }
        }
    }
    auto history = workload.history();
    for (const auto& op : history) {
        if (op.write) {
            if (op.outcome == Outcome::Ok) ++v.writes_acked;
            if (op.outcome == Outcome::Failed) ++v.writes_failed;
            if (op.outcome == Outcome::Unknown) ++v.writes_unknown;
        } else if (op.outcome == Outcome::Ok) {
            ++v.reads_ok;
        }
    }
    v.linearizable = check_history(history);
    if (v.linearizable != "yes") v.problems.push_back("history: " + v.linearizable);
    // Stopping flushes every member's cfg/ files. The leader goes last: were
    // it first, the others would elect a new leader whose no-op moves their
    // files one index past the stopped leader's, a difference of timing
    // rather than of content.
    std::vector<size_t> order;
    auto leader = cluster.leader();
    for (size_t m = 0; m < cluster.size(); ++m)
        if (m != leader) order.push_back(m);
    if (leader) order.push_back(*leader);
    for (size_t m : order) {
        int status = cluster.at(m).stop();
        if (status != 0)
            v.problems.push_back(cluster.at(m).name() + " exited with status " +
                                 std::to_string(status) + " on SIGTERM");
    }
    auto reference = cfg_files(cluster.at(0).cfg());
    for (size_t m = 1; m < cluster.size(); ++m) {
        auto files = cfg_files(cluster.at(m).cfg());
        std::map<std::string, std::string> theirs(files.begin(), files.end());
        std::set<std::string> names;
        for (const auto& [name, bytes] : reference) names.insert(name);
        for (const auto& [name, bytes] : files) names.insert(name);
        std::map<std::string, std::string> ours(reference.begin(), reference.end());
        for (const auto& name : names) {
            if (ours.count(name) && theirs.count(name) && ours[name] == theirs[name]) continue;
            ++v.divergent;
            v.problems.push_back("cfg/" + name + " differs between " + cluster.at(0).name() +
                                 " and " + cluster.at(m).name() + ": " +
                                 first_difference(ours[name], theirs[name]));
        }
    }
    return v;
}

}  // namespace cc::faults
