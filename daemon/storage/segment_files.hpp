// The log's segment files as the storage thread changes them: append with
// roll-over, truncate_suffix across segments, compact_prefix by whole files,
// and the sync of everything touched since the last sync.
//
// The segment being written is preallocated ahead of its last record
// (LogOptions::preallocate_bytes), so its tail is zeros; a segment is cut to
// its last record when the next one starts, so only the newest segment ever
// ends in preallocated zeros (recovery cuts them without a warning).
//
// Each change either completes or throws StorageError after undoing its
// partial bytes, so the tracked state always matches a valid log on disk
// (only entries fully written are counted). Not thread-safe: used by the
// storage thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "daemon/storage/file_log_store.hpp"
#include "daemon/storage/recovery.hpp"

namespace cc::storage {

class SegmentFiles {
  public:
    SegmentFiles(std::filesystem::path dir, LogOptions options, std::vector<SegmentInfo> segments);
    ~SegmentFiles();
    SegmentFiles(const SegmentFiles&) = delete;
    SegmentFiles& operator=(const SegmentFiles&) = delete;

    LogPosition last() const;
    // Index the next append must start at; 0 while empty with no anchor.
    uint64_t next_index() const;

    // `entries` are contiguous and start at next_index() (checked by the caller).
    void append(const std::vector<proto::Entry>& entries);
    void truncate_suffix(uint64_t from_index);
    void compact_prefix(uint64_t up_to_index);

    // Makes every change since the last sync durable. Returns false when
    // there was nothing to sync. A failure leaves the durable state unknown.
    bool sync();

  private:
    struct Segment {
        SegmentInfo info;
        int fd = -1;
        bool dirty = false;  // written or cut since the last sync
        uint64_t size = 0;   // of the file: info.bytes plus preallocated zeros
    };
    void preallocate(Segment& s, uint64_t need);
    void cut_preallocation(Segment& s);
    Segment& start_segment(uint64_t first_index);
    void open_for_write(Segment& s);
    void close(Segment& s);
    void drop_back();
    void drop_front();

    std::filesystem::path dir_;
    LogOptions options_;
    std::vector<Segment> segments_;  // in index order; never holds an empty segment between calls
    uint64_t anchor_ = 0;            // next index while there is no segment
    bool dir_dirty_ = false;         // a segment was created or removed since the last sync
    bool preallocate_ = true;        // false once the file system refused fallocate
};

}  // namespace cc::storage
