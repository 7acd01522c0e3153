// Linearizability checker for a key-value history, Wing-Gong style with
// memoization (as in Porcupine): the history is split by key, and for each
// key a depth-first search looks for an order of the operations that
// respects real time (an operation that returned before another was called
// comes first) and the register semantics (a read returns the last write).
//
// Operations whose outcome is unknown (timed out, or their member crashed)
// have an infinite return time and are optional: they may take effect at
// any point after their call, or never.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sim {

inline constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

struct KvOp {
    uint64_t id = 0;
    std::string key;
    bool write = false;
    std::string value;  // write: the value written; read: the value seen ("" = absent)
    uint64_t call = 0;  // logical times: a global counter of history events
    uint64_t ret = kNever;
    bool required = true;  // false: outcome unknown (write only)
};

enum class LinVerdict { Linearizable, Violation, TooHard };

struct LinReport {
    LinVerdict verdict = LinVerdict::Linearizable;
    std::string detail;  // Violation: the key and its operations
};

// budget: search steps per key before giving up with TooHard.
LinReport check_linearizable(const std::vector<KvOp>& ops, size_t budget = 2'000'000);

}  // namespace sim
