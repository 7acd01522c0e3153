// The one error type of the storage layer. Its what() is a single line that
// names the file and the system reason, for example
//   "cannot append to /var/lib/confluent/collective/log/00000000000000000001.log:
//    No space left on device"
// so the daemon can log it as is and the administrator knows what to fix.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace cc::storage {

struct StorageError : std::runtime_error {
    StorageError(std::string message, std::filesystem::path file, int sys_errno = 0)
        : std::runtime_error(std::move(message)), path(std::move(file)), error_number(sys_errno) {}
    std::filesystem::path path;  // the file or directory concerned
    int error_number;            // errno of the failed call; 0 for a format problem
};

// "<what> <path>: <strerror(err)>", the message of a failed system call.
StorageError system_error(const std::string& what, const std::filesystem::path& path, int err);

// The same for a failed fsync/fdatasync, reported first through
// cc::fs::report_sync_failure (in confluentd that ends the process).
StorageError sync_error(const std::string& what, const std::filesystem::path& path, int err);

}  // namespace cc::storage
