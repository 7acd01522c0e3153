// Shared plumbing of the small TOML state files (hardstate, snapshot-meta):
// read-or-absent, parse with file and line in errors, atomic fsynced write,
// typed field access. Blocking; safe from any thread.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cc::storage {

// Format version these files are written with; a larger one is refused.
inline constexpr int64_t kStateFileFormat = 1;

// The parsed file, nothing if it does not exist. Throws StorageError naming
// the file (and line) when it cannot be read, is not TOML, or has a format
// newer than kStateFileFormat. `remedy` ends every error message.
std::optional<toml::table> load_state_file(const std::filesystem::path& path,
                                           const std::string& remedy);

// Writes `table` (plus the format key) with cc::fs::write_atomic, mode 0600.
void save_state_file(const std::filesystem::path& path, toml::table table);

// A required unsigned integer field; throws StorageError if missing or wrong.
uint64_t state_uint(const std::filesystem::path& path, const toml::table& t, const char* key,
                    const std::string& remedy);
// An optional string field (empty if absent); throws if present but not a string.
std::string state_string(const std::filesystem::path& path, const toml::table& t, const char* key,
                         const std::string& remedy);

// An optional boolean field (false if absent); throws if present but not a boolean.
bool state_bool(const std::filesystem::path& path, const toml::table& t, const char* key,
                const std::string& remedy);

// A uint64 as TOML integer; aborts beyond int64 (terms and indexes never get there).
int64_t to_toml_int(uint64_t v);

}  // namespace cc::storage
