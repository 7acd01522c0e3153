#include "tests/faults/disk.hpp"

#include "tests/integration/harness.hpp"

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cc::faults {

namespace fs = std::filesystem;

fs::path last_segment(const fs::path& log_dir) {
    return it::newest_segment_cut_to_records(log_dir);
}

void truncate_log_tail(const fs::path& log_dir, size_t bytes) {
    auto seg = last_segment(log_dir);
    auto size = fs::file_size(seg);
    fs::resize_file(seg, size > bytes + 8 ? size - bytes : 8);
}

void flip_log_bit(const fs::path& log_dir, size_t from_end) {
    auto seg = last_segment(log_dir);
    auto size = fs::file_size(seg);
    if (size <= 8 + from_end) throw std::runtime_error(seg.string() + " is too short to damage");
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    auto pos = static_cast<std::streamoff>(size - from_end);
    f.seekg(pos);
    char c = 0;
    f.get(c);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(pos);
    f.put(c);
}

void append_torn_record(const fs::path& log_dir) {
    std::ofstream f(last_segment(log_dir), std::ios::binary | std::ios::app);
    // A length of 200 bytes, half a CRC, then less than the announced payload.
    const char torn[] = {'\xc8', 0, 0, 0, '\x12', '\x34', 'g', 'a', 'r', 'b', 'a', 'g', 'e'};
    f.write(torn, sizeof torn);
}

bool private_mount_namespace() {
    if (::unshare(CLONE_NEWNS) != 0) return false;
    return ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

SmallDisk::SmallDisk(fs::path dir, size_t megabytes) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    std::string opts = "size=" + std::to_string(megabytes) + "m";
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
}

SmallDisk::~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

void SmallDisk::fill() {
    std::ofstream f(dir_ / "filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
    // The last partial block: byte by byte until the disk refuses.
    f.clear();
    while (f.put('x') && f.flush()) {
    }
}

void SmallDisk::unfill() {
    fs::remove(dir_ / "filler");
}

}  // namespace cc::faults
