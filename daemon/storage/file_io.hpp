// Thin POSIX helpers for the log files, with errors as StorageError naming
// the path and the system reason. Blocking; safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "daemon/storage/storage_error.hpp"

namespace cc::storage {

// Whole contents of a file.
std::string read_whole_file(const std::filesystem::path& path);

// Writes all of `data` at `offset`; returns 0 or the errno of the failure
// (part of the data may then have been written).
int pwrite_all(int fd, std::string_view data, uint64_t offset);

// Cuts the file at `path` to `size` bytes and fsyncs it.
void truncate_file(const std::filesystem::path& path, uint64_t size);

void remove_file(const std::filesystem::path& path);
void sync_directory(const std::filesystem::path& dir);

}  // namespace cc::storage
