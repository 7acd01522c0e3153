// The current term and vote: STATE/collective/hardstate, TOML, for example
//
//   format = 1
//   term = 7
//   voted_for = "mgt2"     # absent when this member has not voted in `term`
//   catching_up = true     # absent unless the restored-member rule holds
//
// Written atomically and fsynced (cc::fs::write_atomic) before the core's
// vote or term change leaves the member: term, vote and the catching-up flag
// are one record, so a crash never keeps one without the others. (Builds
// before it kept the flag in a file of its own, STATE/collective/catching-up:
// load() still honours that file, and save() removes it.)
//
// Threading: plain blocking calls; use from the daemon thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

namespace cc::storage {

struct HardState {
    uint64_t term = 0;
    std::string voted_for;     // member name; empty = no vote in `term`
    bool catching_up = false;  // restored member: no vote until caught up
    bool operator==(const HardState&) const = default;
};
std::ostream& operator<<(std::ostream& os, const HardState& s);

class HardStateFile {
  public:
    explicit HardStateFile(std::filesystem::path path) : path_(std::move(path)) {}

    // The file of older builds that held the catching-up flag alone.
    std::filesystem::path legacy_flag() const { return path_.parent_path() / "catching-up"; }

    // Nothing when the file does not exist: the member was restored or lost
    // its state dir, and must not vote until it has caught up (docs/ARCHITECTURE.md,
    // "Restored member").
    // Throws StorageError naming the file and the reason when it exists but
    // cannot be read or parsed: a corrupt file is never taken as absent.
    std::optional<HardState> load() const;

    // Replaces the file atomically; throws StorageError on failure.
    void save(const HardState& state) const;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace cc::storage
