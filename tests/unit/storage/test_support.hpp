// Helpers shared by the storage tests: scratch directories, entry factories
// and a recorder for the store's callbacks (which run on the storage thread).
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/storage/log_store.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/support/temp_dir.hpp"

namespace cc::storage::test {

// Scratch directories named cc-storage-*.
struct TempDir : cc::test::TempDir {
    TempDir() : cc::test::TempDir("cc-storage") {}
};

// Entries first .. first+count-1 of `term`, each with distinct data.
inline std::vector<proto::Entry> make_entries(uint64_t first, uint64_t count, uint64_t term,
                                              size_t data_bytes = 40) {
    std::vector<proto::Entry> out;
    for (uint64_t i = first; i < first + count; ++i) {
        std::string data = "entry " + std::to_string(i) + " term " + std::to_string(term) + " ";
        data.resize(std::max(data.size(), data_bytes), static_cast<char>('a' + i % 26));
        out.push_back(proto::Entry{term, i, proto::EntryKind::Command, data});
    }
    return out;
}

inline std::vector<proto::Entry> concat(std::vector<proto::Entry> a,
                                        const std::vector<proto::Entry>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Collects what the store reports; safe to read after flush().
class Recorder {
  public:
    LogCallbacks callbacks() {
        LogCallbacks cb;
        cb.on_synced = [this](LogPosition last) {
            std::lock_guard lk(mu_);
            synced_.push_back(last);
        };
        cb.on_error = [this](const StorageError& e, uint64_t next_index) {
            std::lock_guard lk(mu_);
            errors_.push_back(e.what());
            next_after_error_ = next_index;
        };
        return cb;
    }
    std::vector<LogPosition> synced() const {
        std::lock_guard lk(mu_);
        return synced_;
    }
    LogPosition last_synced() const {
        std::lock_guard lk(mu_);
        return synced_.empty() ? LogPosition{} : synced_.back();
    }
    std::vector<std::string> errors() const {
        std::lock_guard lk(mu_);
        return errors_;
    }
    uint64_t next_after_error() const {
        std::lock_guard lk(mu_);
        return next_after_error_;
    }

  private:
    mutable std::mutex mu_;
    std::vector<LogPosition> synced_;
    std::vector<std::string> errors_;
    uint64_t next_after_error_ = 0;
};

}  // namespace cc::storage::test

// Readable entries in failure messages (gtest looks PrintTo up by ADL).
namespace proto {
inline void PrintTo(const Entry& e, std::ostream* os) {
    *os << "{index " << e.index << " term " << e.term << " " << e.data.size() << " bytes}";
}
}  // namespace proto
