// Disk faults: a damaged log tail (as a crash or a bad sector leaves it) and
// a small tmpfs that can be filled.
//
// The test binary runs in its own mount namespace (faults_main.cpp), so a
// tmpfs mounted here is seen by the daemons the test starts and disappears
// with the test process, even when it is killed.
//
// Threading: test thread; the member must be stopped while its log is damaged.
#pragma once

#include <cstddef>
#include <filesystem>

namespace cc::faults {

// The newest log segment of STATE/collective/log, cut to its last record
// (it::newest_segment_cut_to_records); throws if there is none.
std::filesystem::path last_segment(const std::filesystem::path& log_dir);
// Cuts `bytes` off the end of the newest segment (a torn tail that lost
// records the member had acknowledged to its leader).
void truncate_log_tail(const std::filesystem::path& log_dir, size_t bytes);
// Flips one bit `from_end` bytes before the end of the newest segment.
void flip_log_bit(const std::filesystem::path& log_dir, size_t from_end);
// Appends half of a record header and some garbage: a write torn mid-record.
void append_torn_record(const std::filesystem::path& log_dir);

// Makes the test process's mounts private to it (call once, before threads).
// False when the kernel refuses (not root).
bool private_mount_namespace();

// A tmpfs of `megabytes` mounted over `dir` for the object's lifetime.
class SmallDisk {
  public:
    SmallDisk(std::filesystem::path dir, size_t megabytes);
    ~SmallDisk();
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    bool mounted() const { return mounted_; }
    // Fills the disk completely with a filler file / removes it.
    void fill();
    void unfill();

  private:
    std::filesystem::path dir_;
    bool mounted_ = false;
};

}  // namespace cc::faults
