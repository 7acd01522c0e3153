// Failover figures with real processes: kill -9 of the leader, then
//   - time to the first acknowledged write through a surviving member
//     (probe writes are sent every 25 ms from the kill on, each on a fresh
//     connection to a survivor, so one slow answer does not hide a fast one);
//   - time to `collective show` (the real CLI, on a survivor) reporting
//     "Quorum: True" with a leader other than the killed one.
//
// Threading: test thread.
#pragma once

#include <string>
#include <vector>

#include "tests/faults/cluster.hpp"

namespace cc::faults {

struct FailoverSample {
    std::string killed;
    double first_ack_ms = 0;
    double show_ms = 0;
};

// The cluster must be formed, with every member following the leader, and
// node "probe" defined. The killed leader is restarted and caught up again
// before this returns. Throws when no write is acknowledged or no leader is
// shown within 20 s.
FailoverSample measure_failover(Cluster& cluster);

// "median=… min=… max=…" in ms.
std::string spread(std::vector<double> values);

}  // namespace cc::faults
