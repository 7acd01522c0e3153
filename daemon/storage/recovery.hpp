// Start-up check of the log directory (rules in layout.hpp): reads every
// segment, verifies every record, cuts a torn or corrupt tail on disk (with
// one WARN line per file touched) and returns what is intact.
// Runs on the opening thread, before the storage thread exists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "daemon/storage/log_store.hpp"

namespace cc::storage {

// One segment file as the writer tracks it. Never empty once recovered.
struct SegmentInfo {
    uint64_t first_index = 0;
    uint64_t last_index = 0;  // first_index - 1 while the segment holds no entry
    uint64_t last_term = 0;
    uint64_t bytes = 0;  // file size, header included
    std::filesystem::path path;
};

struct RecoveredLog {
    LogState state;
    std::vector<SegmentInfo> segments;  // in index order
};

// Throws StorageError when a file cannot be read or repaired, or when the
// damage is not a crash leftover (missing segment, foreign or newer format).
RecoveredLog recover_log(const std::filesystem::path& log_dir);

}  // namespace cc::storage
