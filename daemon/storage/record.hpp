// Encoding and verification of log records (layout in layout.hpp).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/raft_types.hpp"

namespace cc::storage {

// Appends one record holding `entry` to `out`.
void append_record(std::string& out, const proto::Entry& entry);

struct RecordScan {
    std::vector<proto::Entry> entries;  // the intact records, in order
    size_t intact_bytes = 0;            // bytes of `records` they occupy
    std::string problem;                // why scanning stopped before the end; empty if it did not
};

// Verifies the records of one segment (the bytes after its header). The first
// record must hold `first_index` and each next one the index after. Stops at
// the first record that is short, fails its CRC, does not decode or breaks
// the sequence, or before the record holding `stop_index` (0: no such stop).
RecordScan scan_records(std::string_view records, uint64_t first_index, uint64_t stop_index = 0);

}  // namespace cc::storage
