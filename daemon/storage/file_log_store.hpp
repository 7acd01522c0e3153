// The log on disk: segment files with CRC32C records (format in layout.hpp),
// written by one storage thread with group commit.
//
// Group commit: the storage thread takes every operation queued so far,
// applies them all, then makes them durable with one fdatasync per touched
// segment (plus one fsync of the log directory when segments were created or
// removed), then calls on_synced once. Appends queued while a sync is in
// progress therefore share the next one.
//
// Threading: see LogStore. open() runs on the caller's thread (recovery is
// done before it returns); the destructor applies and syncs everything still
// queued, then joins the storage thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "daemon/storage/log_store.hpp"

namespace cc::storage {

struct LogOptions {
    // A segment is closed once it reaches this size (a record never spans two).
    uint64_t segment_bytes = 64ull * 1024 * 1024;
    // The segment being written is extended (fallocate) this far ahead of
    // its last record, capped at segment_bytes: an fdatasync of an append
    // within the file's size need not write the inode as well (about a third
    // less time per sync on ext4). 0 = grow the file with each append.
    uint64_t preallocate_bytes = 256 * 1024;
    // append_now() works on the caller's thread only while the last sync
    // took less than this (a spinning or busy disk must not stop the
    // daemon thread); 0 = never.
    std::chrono::microseconds fast_sync{2000};
};

class FileLogStore final : public LogStore {
  public:
    // Opens (creating if needed) the log in `log_dir`, usually Layout::log_dir().
    // Verifies every record and cuts off a torn or corrupt tail (one WARN line
    // per cut, naming file, offset, bytes dropped and why). Throws
    // StorageError when the log cannot be read or is damaged beyond a tail
    // (missing segment, foreign file format): the message says what to do.
    static std::unique_ptr<FileLogStore> open(const std::filesystem::path& log_dir,
                                              LogCallbacks callbacks, LogOptions options = {});
    ~FileLogStore() override;

    const LogState& recovered() const override;
    void release_recovered() override;
    void append(std::vector<proto::Entry> entries) override;
    bool append_now(std::vector<proto::Entry>& entries) override;
    void truncate_suffix(uint64_t from_index) override;
    void compact_prefix(uint64_t up_to_index) override;
    void flush() override;
    uint64_t sync_count() const override;

  private:
    struct Impl;
    explicit FileLogStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::storage
