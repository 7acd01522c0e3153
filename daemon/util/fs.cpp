#include "daemon/util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cc::fs {

namespace {
std::atomic<SyncFailureHandler> sync_failure_handler{nullptr};

[[noreturn]] void sync_failed(const std::string& line) {
    report_sync_failure(line);
    throw SyncError(line);
}
// Creates `tmp` afresh, never through whatever is already there: O_EXCL and
// O_NOFOLLOW refuse a symlink planted at that name (its target is never
// opened). Something left there (a crash's temporary, a planted file or
// link) is unlinked (the name only) and the create tried once more.
int open_fresh(const std::filesystem::path& tmp, unsigned mode) {
    constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    for (int attempt = 0;; ++attempt) {
        int fd = ::open(tmp.c_str(), kFlags, mode);
        if (fd >= 0) return fd;
        int err = errno;
        if (err != EEXIST || attempt > 0) throw FsError("cannot write " + errno_text(tmp, err));
        if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
            throw FsError("cannot remove the stale " + errno_text(tmp, errno));
    }
}

}  // namespace

void set_sync_failure_handler(SyncFailureHandler handler) {
    sync_failure_handler.store(handler);
}

void report_sync_failure(const std::string& line) {
    if (auto h = sync_failure_handler.load()) h(line);
}

std::string errno_text(const std::filesystem::path& path, int err) {
    return path.string() + ": " + std::strerror(err);
}

void sync_dir(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw FsError("cannot open directory " + errno_text(dir, errno));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) sync_failed("cannot sync directory " + errno_text(dir, err));
}

void write_atomic(const std::filesystem::path& path, std::string_view contents, unsigned mode) {
    write_atomic_stream(
        path, [&](const Emit& emit) { emit(contents); }, mode);
}

void write_atomic_stream(const std::filesystem::path& path,
                         const std::function<void(const Emit& emit)>& produce, unsigned mode) {
    auto tmp = path;
    tmp += ".tmp";
    int fd = open_fresh(tmp, mode);
    auto fail = [&](int err) {
        ::close(fd);
        fd = -1;
        ::unlink(tmp.c_str());
        throw FsError("cannot write " + errno_text(path, err));
    };
    if (::fchmod(fd, mode) != 0) fail(errno);
    auto emit = [&](std::string_view contents) {
        const char* p = contents.data();
        size_t left = contents.size();
        while (left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                fail(errno);
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
    };
    try {
        produce(emit);
    } catch (...) {
        if (fd >= 0) {  // not yet closed by fail() (an error from produce itself)
            ::close(fd);
            ::unlink(tmp.c_str());
        }
        throw;
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        sync_failed("cannot sync " + errno_text(tmp, err));
    }
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw FsError("cannot write " + errno_text(path, err));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw FsError("cannot replace " + errno_text(path, err));
    }
    sync_dir(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FsError("cannot read " + errno_text(path, errno));
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) throw FsError("cannot read " + errno_text(path, errno));
    return s.str();
}

void ensure_dir(const std::filesystem::path& dir, unsigned mode) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw FsError("cannot create directory " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), mode);
}

}  // namespace cc::fs
