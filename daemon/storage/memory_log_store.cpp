#include "daemon/storage/memory_log_store.hpp"

#include <algorithm>
#include <cerrno>

#include "daemon/util/check.hpp"

namespace cc::storage {

MemoryLogStore::MemoryLogStore(MemoryDisk& disk, LogCallbacks callbacks)
    : disk_(disk), callbacks_(std::move(callbacks)) {
    if (!disk_.entries.empty()) recovered_.first_index = disk_.entries.begin()->first;
    for (const auto& [index, e] : disk_.entries) recovered_.entries.push_back(e);
}

LogPosition MemoryLogStore::last() const {
    if (disk_.entries.empty()) return {};
    const auto& e = disk_.entries.rbegin()->second;
    return {e.index, e.term};
}

uint64_t MemoryLogStore::next_index() const {
    return disk_.entries.empty() ? anchor_ : last().index + 1;
}

void MemoryLogStore::report_synced() {
    ++syncs_;
    if (callbacks_.on_synced && !disk_.entries.empty()) callbacks_.on_synced(last());
}

void MemoryLogStore::append(std::vector<proto::Entry> entries) {
    check_contiguous(entries);
    if (entries.empty()) return;
    uint64_t next = next_index();
    if (next != 0 && entries.front().index != next) {
        // Only an append queued before a reported failure may miss the log's end.
        CC_CHECK(failed_, "append at index ", entries.front().index, " but the log continues at ",
                 next);
        return;  // queued before the failure was reported; the caller resends
    }
    if (disk_.full) {
        failed_ = true;
        if (callbacks_.on_error) {
            callbacks_.on_error(system_error("cannot append to", "memory log", ENOSPC), next);
        }
        return;
    }
    failed_ = false;
    for (auto& e : entries) disk_.entries.emplace(e.index, std::move(e));
    report_synced();
}

void MemoryLogStore::truncate_suffix(uint64_t from_index) {
    if (disk_.entries.empty()) {
        if (anchor_ == 0 || from_index < anchor_) anchor_ = from_index;
        return;
    }
    if (from_index > last().index) return;
    disk_.entries.erase(disk_.entries.lower_bound(from_index), disk_.entries.end());
    if (disk_.entries.empty()) anchor_ = from_index;
    report_synced();
}

void MemoryLogStore::compact_prefix(uint64_t up_to_index) {
    disk_.entries.erase(disk_.entries.begin(), disk_.entries.upper_bound(up_to_index));
    if (disk_.entries.empty()) anchor_ = std::max(anchor_, up_to_index + 1);
    report_synced();
}

}  // namespace cc::storage
