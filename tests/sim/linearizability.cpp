#include "tests/sim/linearizability.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace sim {
namespace {

struct TooHard {};

class KeySearch {
  public:
    KeySearch(std::vector<KvOp> ops, size_t budget) : ops_(std::move(ops)), budget_(budget) {
        values_[""] = 0;
        for (size_t i = 0; i < ops_.size(); ++i) {
            values_.emplace(ops_[i].value, values_.size());
            if (ops_[i].required) required_ |= uint64_t(1) << i;
        }
    }

    bool run() { return dfs(0, 0); }

  private:
    bool dfs(uint64_t done, size_t value) {
        if ((done & required_) == required_) return true;
        if (!seen_.insert({done, value}).second) return false;
        if (++steps_ > budget_) throw TooHard{};
        uint64_t min_ret = kNever;
        for (size_t i = 0; i < ops_.size(); ++i)
            if (!(done >> i & 1)) min_ret = std::min(min_ret, ops_[i].ret);
        for (size_t i = 0; i < ops_.size(); ++i) {
            if (done >> i & 1) continue;
            const auto& op = ops_[i];
            // op may come next only if no pending op returned before its call.
            if (op.call > min_ret) continue;
            size_t v = values_.at(op.value);
            if (op.write) {
                if (dfs(done | uint64_t(1) << i, v)) return true;
            } else if (v == value) {
                if (dfs(done | uint64_t(1) << i, value)) return true;
            }
        }
        return false;
    }

    std::vector<KvOp> ops_;
    size_t budget_;
    std::map<std::string, size_t> values_;
    uint64_t required_ = 0;
    std::set<std::pair<uint64_t, size_t>> seen_;
    size_t steps_ = 0;
};

std::string describe(const std::string& key, const std::vector<KvOp>& ops) {
    std::ostringstream s;
    s << "key " << key << ":";
    for (const auto& o : ops) {
        s << "\n  #" << o.id << (o.write ? " put " : " get ") << (o.value.empty() ? "-" : o.value)
          << " [" << o.call << ", " << (o.ret == kNever ? std::string("?") : std::to_string(o.ret))
          << "]" << (o.required ? "" : " maybe");
    }
    return s.str();
}

}  // namespace

LinReport check_linearizable(const std::vector<KvOp>& ops, size_t budget) {
    std::map<std::string, std::vector<KvOp>> by_key;
    for (const auto& o : ops) by_key[o.key].push_back(o);
    LinReport report;
    for (auto& [key, list] : by_key) {
        if (list.size() > 64) {
            report.verdict = LinVerdict::TooHard;
            report.detail = "key " + key + " has more than 64 operations";
            continue;
        }
        try {
            if (!KeySearch(list, budget).run()) return {LinVerdict::Violation, describe(key, list)};
        } catch (const TooHard&) {
            report.verdict = LinVerdict::TooHard;
            report.detail = "search budget exhausted on key " + key;
        }
    }
    return report;
}

}  // namespace sim
