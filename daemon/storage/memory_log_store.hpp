// The in-memory twin of FileLogStore: same contract (log_store.hpp), no files.
// "The disk" is a MemoryDisk owned by the test, so a store can be destroyed and
// reopened on the same disk like a restarted daemon, and a full disk can be
// simulated.
//
// Threading: every operation is applied at once on the calling thread and its
// callback runs inside that call. A MemoryDisk is used by one store at a time.
#pragma once

#include <cstdint>
#include <map>

#include "daemon/storage/log_store.hpp"

namespace cc::storage {

struct MemoryDisk {
    std::map<uint64_t, proto::Entry> entries;  // by index, always contiguous
    bool full = false;                         // while true, appends fail like ENOSPC
};

class MemoryLogStore final : public LogStore {
  public:
    MemoryLogStore(MemoryDisk& disk, LogCallbacks callbacks);

    const LogState& recovered() const override { return recovered_; }
    void release_recovered() override { std::vector<proto::Entry>().swap(recovered_.entries); }
    void append(std::vector<proto::Entry> entries) override;
    void truncate_suffix(uint64_t from_index) override;
    void compact_prefix(uint64_t up_to_index) override;
    void flush() override {}
    uint64_t sync_count() const override { return syncs_; }

  private:
    LogPosition last() const;
    uint64_t next_index() const;
    void report_synced();

    MemoryDisk& disk_;
    LogCallbacks callbacks_;
    LogState recovered_;
    uint64_t syncs_ = 0;
    uint64_t anchor_ = 0;  // next index while the disk holds no entry (0: any)
    bool failed_ = false;  // an operation failed; drop appends until one fits again
};

}  // namespace cc::storage
