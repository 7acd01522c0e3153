// Helpers shared by the storage tests: scratch directories, entry factories
// and a recorder for the store's callbacks (which run on the storage thread).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/storage/log_store.hpp"
#include "daemon/storage/storage_error.hpp"

namespace cc::storage::test {

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cc-storage-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
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
