// What the log no longer holds after compaction: STATE/collective/snapshot-meta,
// TOML, for example
//
//   format = 1
//   index = 52310          # last entry covered by the snapshot (the cfg/ files)
//   term = 6               # its term
//   membership_index = 52001   # entry that set the member list (absent: 0)
//
//   [[members]]            # the membership in force at `index`
//   name = "mgt1"
//   address = "10.0.0.1:13001"
//   fingerprint = "SHA256:..."
//   role = "voter"         # or "nonvoter"
//   promote = true         # only on a joining voter not yet promoted
//
// Written atomically and fsynced before compact_prefix(index) is queued.
//
// Threading: plain blocking calls; use from the daemon thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>

#include "proto/raft_types.hpp"

namespace cc::storage {

struct SnapshotMeta {
    uint64_t index = 0;
    uint64_t term = 0;
    proto::Membership membership;
    uint64_t membership_index = 0;
    bool operator==(const SnapshotMeta&) const = default;
};
std::ostream& operator<<(std::ostream& os, const SnapshotMeta& m);

class SnapshotMetaFile {
  public:
    explicit SnapshotMetaFile(std::filesystem::path path) : path_(std::move(path)) {}

    // Nothing when the file does not exist (the log was never compacted).
    // Throws StorageError naming the file and the reason when it is corrupt.
    std::optional<SnapshotMeta> load() const;

    // Replaces the file atomically; throws StorageError on failure.
    void save(const SnapshotMeta& meta) const;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace cc::storage
