#include "daemon/storage/segment_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "daemon/storage/file_io.hpp"
#include "daemon/storage/layout.hpp"
#include "daemon/storage/record.hpp"
#include "daemon/util/log.hpp"

namespace cc::storage {

SegmentFiles::SegmentFiles(std::filesystem::path dir, LogOptions options,
                           std::vector<SegmentInfo> segments)
    : dir_(std::move(dir)), options_(options), preallocate_(options.preallocate_bytes > 0) {
    for (auto& info : segments) {
        uint64_t size = info.bytes;  // recovery cut every file to its last record
        segments_.push_back(Segment{std::move(info), -1, false, size});
    }
}

// Makes the file at least `need` bytes long, in steps of preallocate_bytes,
// capped at the segment size. Best effort: when the file system cannot
// (EOPNOTSUPP) or the disk is nearly full, appends grow the file instead.
void SegmentFiles::preallocate(Segment& s, uint64_t need) {
    if (!preallocate_ || need <= s.size) return;
    uint64_t step = std::min(options_.preallocate_bytes, options_.segment_bytes);
    uint64_t target = std::max(need, std::min(s.size + step, options_.segment_bytes));
    if (::fallocate(s.fd, 0, static_cast<off_t>(s.size), static_cast<off_t>(target - s.size)) ==
        0) {
        s.size = target;
        return;
    }
    int err = errno;
    if (err == EOPNOTSUPP || err == ENOSYS) {
        preallocate_ = false;
        cc::log::debug("log segment ", s.info.path.string(),
                       ": the file system cannot preallocate; appends grow the file");
    }
    // A failure may still have extended the file part of the way.
    struct stat st {};
    if (::fstat(s.fd, &st) == 0) s.size = std::max(s.size, static_cast<uint64_t>(st.st_size));
}

// A finished segment must end at its last record: recovery reads zeros
// after the last record of any but the newest segment as damage.
void SegmentFiles::cut_preallocation(Segment& s) {
    if (s.size <= s.info.bytes) return;
    open_for_write(s);
    if (::ftruncate(s.fd, static_cast<off_t>(s.info.bytes)) != 0) {
        throw system_error("cannot cut the preallocated space of", s.info.path, errno);
    }
    s.size = s.info.bytes;
    s.dirty = true;
}

SegmentFiles::~SegmentFiles() {
    // A clean stop leaves the files as long as their records (no fsync: after
    // a crash instead, recovery cuts the zeros the same way).
    if (!segments_.empty()) {
        try {
            cut_preallocation(segments_.back());
        } catch (const StorageError& e) {
            cc::log::warn(e.what(), "; start-up will cut it");
        }
    }
    for (auto& s : segments_) close(s);
}

LogPosition SegmentFiles::last() const {
    if (segments_.empty()) return {};
    return {segments_.back().info.last_index, segments_.back().info.last_term};
}

uint64_t SegmentFiles::next_index() const {
    return segments_.empty() ? anchor_ : segments_.back().info.last_index + 1;
}

void SegmentFiles::open_for_write(Segment& s) {
    if (s.fd >= 0) return;
    s.fd = ::open(s.info.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (s.fd < 0) throw system_error("cannot open", s.info.path, errno);
}

void SegmentFiles::close(Segment& s) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
}

SegmentFiles::Segment& SegmentFiles::start_segment(uint64_t first_index) {
    if (!segments_.empty()) cut_preallocation(segments_.back());
    auto path = dir_ / segment_file_name(first_index);
    // O_TRUNC: a leftover of an earlier failed creation holds no entry.
    // 0600: entries carry secret.* attribute values (BMC passwords); fchmod
    // also tightens a leftover an older build created 0644.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw system_error("cannot create", path, errno);
    if (::fchmod(fd, 0600) != 0) {
        int err = errno;
        ::close(fd);
        throw system_error("cannot restrict the mode of", path, err);
    }
    dir_dirty_ = true;
    if (int err = pwrite_all(fd, kSegmentMagic, 0)) {
        ::close(fd);
        ::unlink(path.c_str());
        throw system_error("cannot append to", path, err);
    }
    SegmentInfo info{first_index, first_index - 1, 0, kSegmentHeaderBytes, path};
    segments_.push_back(Segment{std::move(info), fd, true, kSegmentHeaderBytes});
    return segments_.back();
}

void SegmentFiles::append(const std::vector<proto::Entry>& entries) {
    size_t i = 0;
    std::string buf;
    while (i < entries.size()) {
        if (segments_.empty() || segments_.back().info.bytes >= options_.segment_bytes) {
            start_segment(entries[i].index);
        }
        Segment& s = segments_.back();
        open_for_write(s);
        buf.clear();
        size_t j = i;
        // At least one record per segment, however small the limit.
        while (j < entries.size() &&
               (j == i || s.info.bytes + buf.size() < options_.segment_bytes)) {
            append_record(buf, entries[j++]);
        }
        preallocate(s, s.info.bytes + buf.size());
        if (int err = pwrite_all(s.fd, buf, s.info.bytes)) {
            // Cut the partial record off again; if even that fails, the bytes
            // past info.bytes are overwritten by the next append or cut at start-up.
            if (::ftruncate(s.fd, static_cast<off_t>(s.info.bytes)) != 0) {
                cc::log::warn("cannot cut the partial record off ", s.info.path.string(),
                              " after a failed append; start-up will");
            } else {
                s.size = s.info.bytes;
            }
            auto path = s.info.path;
            if (s.info.last_index < s.info.first_index) {
                try {
                    drop_back();
                } catch (const StorageError&) {
                    // Reported below as the append failure; recovery removes it.
                }
            }
            throw system_error("cannot append to", path, err);
        }
        s.info.bytes += buf.size();
        s.size = std::max(s.size, s.info.bytes);
        s.info.last_index = entries[j - 1].index;
        s.info.last_term = entries[j - 1].term;
        s.dirty = true;
        i = j;
    }
}

void SegmentFiles::drop_back() {
    Segment& s = segments_.back();
    close(s);
    // The file is gone from our view even if unlink fails: recovery removes or
    // cuts it, and a new segment of the same name is created with O_TRUNC.
    auto path = s.info.path;
    segments_.pop_back();
    dir_dirty_ = true;
    remove_file(path);
}

void SegmentFiles::drop_front() {
    Segment& s = segments_.front();
    // Unlink first: if it fails the segment is still there and still tracked.
    remove_file(s.info.path);
    close(s);
    segments_.erase(segments_.begin());
    dir_dirty_ = true;
}

void SegmentFiles::truncate_suffix(uint64_t from_index) {
    if (segments_.empty()) {
        if (anchor_ == 0 || from_index < anchor_) anchor_ = from_index;
        return;
    }
    if (from_index > last().index) return;
    while (!segments_.empty() && segments_.back().info.first_index >= from_index) {
        // Newest first, so a crash in between leaves a prefix of the log.
        Segment& s = segments_.back();
        remove_file(s.info.path);
        close(s);
        segments_.pop_back();
        dir_dirty_ = true;
    }
    if (segments_.empty()) {
        anchor_ = from_index;
        return;
    }
    Segment& s = segments_.back();
    if (s.info.last_index < from_index) return;
    std::string bytes = read_whole_file(s.info.path);
    if (bytes.size() < s.info.bytes || bytes.substr(0, kSegmentHeaderBytes) != kSegmentMagic) {
        throw StorageError("cannot truncate " + s.info.path.string() +
                               ": the file changed under confluentd; restart it to verify the log",
                           s.info.path);
    }
    auto records =
        std::string_view(bytes).substr(kSegmentHeaderBytes, s.info.bytes - kSegmentHeaderBytes);
    RecordScan scan = scan_records(records, s.info.first_index, from_index);
    if (scan.entries.size() != from_index - s.info.first_index) {
        throw StorageError("cannot truncate " + s.info.path.string() + ": " + scan.problem +
                               "; restart confluentd to verify the log",
                           s.info.path);
    }
    open_for_write(s);
    uint64_t size = kSegmentHeaderBytes + scan.intact_bytes;
    if (::ftruncate(s.fd, static_cast<off_t>(size)) != 0) {
        throw system_error("cannot truncate", s.info.path, errno);
    }
    s.info.bytes = size;
    s.size = size;
    s.info.last_index = scan.entries.back().index;
    s.info.last_term = scan.entries.back().term;
    s.dirty = true;
}

void SegmentFiles::compact_prefix(uint64_t up_to_index) {
    // Oldest first, so a crash in between leaves a suffix that still starts
    // right after the snapshot.
    while (!segments_.empty() && segments_.front().info.last_index <= up_to_index) drop_front();
    if (segments_.empty()) anchor_ = std::max(anchor_, up_to_index + 1);
}

bool SegmentFiles::sync() {
    bool any = dir_dirty_;
    for (auto& s : segments_) {
        if (!s.dirty) continue;
        any = true;
        if (::fdatasync(s.fd) != 0) throw sync_error("cannot sync", s.info.path, errno);
        s.dirty = false;
    }
    if (dir_dirty_) {
        sync_directory(dir_);
        dir_dirty_ = false;
    }
    // Only the last segment is still written to; keep its descriptor alone.
    for (size_t k = 0; k + 1 < segments_.size(); ++k) close(segments_[k]);
    return any;
}

}  // namespace cc::storage
