// One confluentd per state dir: an exclusive flock on STATE/confluentd.lock,
// held for the daemon's lifetime (the kernel drops it when the process dies,
// so a kill -9 never leaves a stale lock behind).
//
// Threading: construct and destroy on one thread.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace cc::app {

class InstanceLock {
  public:
    // Throws std::runtime_error with a one-line reason when another process
    // holds the lock or the file cannot be opened.
    explicit InstanceLock(const std::filesystem::path& state_dir);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace cc::app
