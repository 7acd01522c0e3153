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

// A required term or log index field; throws StorageError if missing, not an
// integer, negative, or proto::kMaxTermOrIndex (2^62) or more: the bound the
// peer decoders enforce too, so that the core's term + 1 and to_toml_int
// never meet a value a hand-edited or damaged file slipped in.
uint64_t state_uint(const std::filesystem::path& path, const toml::table& t, const char* key,
                    const std::string& remedy);
// An optional string field (empty if absent); throws if present but not a string.
std::string state_string(const std::filesystem::path& path, const toml::table& t, const char* key,
                         const std::string& remedy);

// An optional boolean field (false if absent); throws if present but not a boolean.
bool state_bool(const std::filesystem::path& path, const toml::table& t, const char* key,
                const std::string& remedy);

// A uint64 as TOML integer; aborts beyond int64 (our bug: terms and indexes
// are below 2^62, which the decoders and state_uint enforce on input).
int64_t to_toml_int(uint64_t v);

}  // namespace cc::storage
