#include "daemon/storage/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace cc::storage {

std::string read_whole_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw system_error("cannot read", path, errno);
    std::string out;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw system_error("cannot read", path, err);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

int pwrite_all(int fd, std::string_view data, uint64_t offset) {
    while (!data.empty()) {
        ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        data.remove_prefix(static_cast<size_t>(n));
        offset += static_cast<uint64_t>(n);
    }
    return 0;
}

void truncate_file(const std::filesystem::path& path, uint64_t size) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw system_error("cannot cut", path, errno);
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        int err = errno;
        ::close(fd);
        throw system_error("cannot cut", path, err);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        throw sync_error("cannot sync", path, err);
    }
    ::close(fd);
}

void remove_file(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0) throw system_error("cannot remove", path, errno);
}

void sync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw system_error("cannot open directory", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw sync_error("cannot sync directory", dir, err);
}

}  // namespace cc::storage
