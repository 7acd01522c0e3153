// Small, careful file helpers shared by every layer that writes to disk.
// All failures raise cc::fs::FsError whose what() names the path and the
// system reason, e.g. "cannot write /etc/confluent/cfg/nodes: No space left on device".
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cc::fs {

struct FsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A failed fsync/fdatasync. What reached the disk is then unknown, and a
// retry could succeed wrongly (Linux may have dropped the dirty pages), so
// it is never retried: every layer reports it through report_sync_failure()
// first, which runs the process's handler (confluentd logs one line naming
// the file and errno and exits non-zero before anything else is sent), and
// only then throws (SyncError here, StorageError in the log store).
struct SyncError : FsError {
    using FsError::FsError;
};
using SyncFailureHandler = void (*)(const std::string& line);
// Set once, at start-up (confluentd's main); without one, nothing happens.
void set_sync_failure_handler(SyncFailureHandler handler);
void report_sync_failure(const std::string& line);

// Replaces `path` atomically: writes a temporary file beside it, fsyncs it,
// renames it over `path` and fsyncs the directory. `mode` is the new file's mode.
// On failure the old file is untouched and the temporary is removed.
// The temporary (`path` + ".tmp") is created with O_EXCL|O_NOFOLLOW: a file or
// symlink already at that name is unlinked, never written through.
void write_atomic(const std::filesystem::path& path, std::string_view contents,
                  unsigned mode = 0644);
// The same, for contents produced piece by piece: `produce` calls `emit` with
// each piece in order (so a big file never sits whole in memory). An
// exception from `produce` removes the temporary and propagates.
using Emit = std::function<void(std::string_view)>;
void write_atomic_stream(const std::filesystem::path& path,
                         const std::function<void(const Emit& emit)>& produce,
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
