// Small, careful file helpers shared by every layer that writes to disk.
// All failures raise cc::fs::FsError whose what() names the path and the
// system reason, e.g. "cannot write /etc/confluent/cfg/nodes: No space left on device".
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cc::fs {

struct FsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Replaces `path` atomically: writes a temporary file beside it, fsyncs it,
// renames it over `path` and fsyncs the directory. `mode` is the new file's mode.
// On failure the old file is untouched and the temporary is removed.
void write_atomic(const std::filesystem::path& path, std::string_view contents,
                  unsigned mode = 0644);

// Reads a whole file; FsError if it cannot.
std::string read_file(const std::filesystem::path& path);

// fsync of a directory, so a rename or create inside it is durable.
void sync_dir(const std::filesystem::path& dir);

// Creates the directory (and parents) if missing, with the given mode.
void ensure_dir(const std::filesystem::path& dir, unsigned mode = 0755);

// "path: reason" from errno, for error messages.
std::string errno_text(const std::filesystem::path& path, int err);

}  // namespace cc::fs
