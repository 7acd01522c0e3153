#include "daemon/app/reassign_plan.hpp"

#include "daemon/state/database.hpp"

namespace cc::app {

ReassignPlan plan_reassignment(const std::vector<NodeOwner>& nodes,
                               const std::set<std::string>& lost,
                               const std::set<std::string>& online) {
    ReassignPlan plan;
    std::map<std::string, size_t> load;  // online member -> nodes it manages
    for (const auto& m : online) load[m] = 0;
    for (const auto& n : nodes)
        if (auto it = load.find(n.manager); it != load.end()) ++it->second;
    for (const auto& n : nodes) {
        if (!lost.count(n.manager)) continue;
        const std::string* best = nullptr;
        for (const auto& c : n.candidates) {
            auto it = load.find(c);
            if (it == load.end() || lost.count(c)) continue;
            if (!best || it->second < load[*best] ||
                (it->second == load[*best] && state::natural_less(c, *best)))
                best = &it->first;
        }
        if (!best) {
            ++(n.candidates.empty() ? plan.without_candidates : plan.candidates_offline)[n.manager];
            continue;
        }
        ++load[*best];
        plan.moves[*best].push_back(n.node);
        ++plan.moved[n.manager][*best];
    }
    return plan;
}

std::vector<std::string> describe_moves(const ReassignPlan& plan) {
    std::vector<std::string> lines;
    for (const auto& [from, to] : plan.moved) {
        size_t total = 0;
        std::string names;
        size_t i = 0;
        for (const auto& [name, count] : to) {
            total += count;
            names += (i == 0 ? "" : i + 1 == to.size() ? " and " : ", ") + name;
            ++i;
        }
        lines.push_back("moved " + std::to_string(total) + (total == 1 ? " node" : " nodes") +
                        " from " + from + " to " + names);
    }
    return lines;
}

}  // namespace cc::app
