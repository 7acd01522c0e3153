// The durable consensus log, as the daemon's raft driver sees it.
//
// Two implementations pass one typed test suite: FileLogStore (segment files,
// a storage thread, group commit) and MemoryLogStore (the in-memory twin for
// tests and simulations). The consensus core never calls this: the driver
// forwards the core's "persist these entries" effects here and feeds
// on_synced back to the core as "persisted up to N".
//
// Operations are queued in call order and applied in that order:
//   append(entries)         entries must be contiguous and start at the
//                           store's next index: the last entry's index + 1,
//                           `from` after a truncate_suffix(from) that emptied
//                           the log, up_to + 1 after a compact_prefix(up_to)
//                           that emptied it, anything when the store opened
//                           empty. Anything else is a bug and aborts, except
//                           after a failure (see below)
//   truncate_suffix(from)   removes every entry with index >= from, including
//                           entries already on disk (conflict resolution);
//                           truncate_suffix(0) empties the log and lets the
//                           next append start anywhere (snapshot install)
//   compact_prefix(up_to)   removes whole segments whose entries are all
//                           <= up_to; entries of a partly covered segment stay
//                           (the snapshot, cfg/ files + SnapshotMetaFile, holds
//                           the state they produced)
//
// Durability is reported, never assumed: after a batch of operations is
// on disk (one fsync for the whole batch), on_synced(last) gives the log's
// last entry. It carries the term as well as the index because a report can
// overtake a later truncate_suffix: the driver must accept it only if its own
// entry at last.index still has last.term (log matching then covers every
// entry before it).
//
// Failure (ENOSPC, EIO, EROFS, EACCES): the bytes of the failed operation are
// cut off again so the log on disk stays valid, on_error(error, next_index)
// says what failed and where the next append must start. Appends that do not
// start there are then dropped (they were queued before the driver heard of
// the failure); the driver resends its entries from next_index when it wants
// to retry (e.g. once space is freed; if its own log is shorter, it first
// queues truncate_suffix), and the store carries on normally.
// A failed fsync is different: what reached the disk is unknown, so the
// FileLogStore refuses every later operation with an error telling the
// administrator to check the disk and restart (recovery then verifies every
// record).
//
// Threading: call the operations from one thread (the daemon thread). The
// callbacks run on the store's own thread (for the memory twin: inside the
// call that queued the operation), so they must only hand the value over,
// e.g. boost::asio::post to the daemon's io_context, and never call flush().
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "daemon/storage/storage_error.hpp"
#include "proto/raft_types.hpp"

namespace cc::storage {

// Index and term of one entry; {0, 0} stands for "no entry".
struct LogPosition {
    uint64_t index = 0;
    uint64_t term = 0;
    bool operator==(const LogPosition&) const = default;
};
std::ostream& operator<<(std::ostream& os, const LogPosition& p);

// What a store found on disk when it was opened.
struct LogState {
    // Index of entries.front(); 0 when the log is empty (everything compacted,
    // or a member without consensus state: see SnapshotMetaFile/HardStateFile).
    uint64_t first_index = 0;
    std::vector<proto::Entry> entries;  // entries[i].index == first_index + i
    LogPosition last() const;           // {0, 0} when empty
};

struct LogCallbacks {
    // The log on disk, fsynced, now ends at `last` (called only when the log
    // holds at least one entry).
    std::function<void(LogPosition last)> on_synced;
    // An operation failed; the next append must start at `next_index`
    // (0: anywhere, the store holds no entries and knows no anchor).
    std::function<void(const StorageError& error, uint64_t next_index)> on_error;
};

// Aborts (a bug in the caller) unless each entry's index is the one before + 1.
void check_contiguous(const std::vector<proto::Entry>& entries);

class LogStore {
  public:
    virtual ~LogStore() = default;

    // The log as found when the store was opened; never changes afterwards,
    // until release_recovered().
    virtual const LogState& recovered() const = 0;
    // The caller took what it needed from recovered(): its entries are freed
    // (a log replayed at start can hold 100,000s of them).
    virtual void release_recovered() = 0;

    virtual void append(std::vector<proto::Entry> entries) = 0;
    // Like append(), but written and synced on the calling thread, on_synced
    // called, before it returns, when the store's own thread is idle (nothing
    // queued or running) and its last sync was fast; else false, and
    // `entries` untouched. Saves two thread hand-offs on an idle member.
    virtual bool append_now(std::vector<proto::Entry>& entries) {
        (void)entries;
        return false;
    }
    virtual void truncate_suffix(uint64_t from_index) = 0;
    virtual void compact_prefix(uint64_t up_to_index) = 0;

    // Blocks until every operation queued before the call is applied and its
    // callback has returned. For tests and orderly shutdown.
    virtual void flush() = 0;

    // How many times a batch was made durable (one fsync round each). With
    // group commit this grows slower than the number of appends.
    virtual uint64_t sync_count() const = 0;
};

}  // namespace cc::storage
