// cfg/collective (the replicated member list) and cfg/myname (this member's
// name, local). Format of cfg/collective:
//
//   applied_index = 12
//
//   [[member]]
//   name = "mgt1"
//   address = "10.0.0.1:13001"
//   fingerprint = "SHA256:..."
//   role = "voter"            # or "nonvoter"
//   promote = true            # only on a joining voter not yet promoted
//
// Loading a corrupt file raises ConfigFileError (path, line, reason); writing
// goes through cc::fs::write_atomic. Threading: free functions, no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "daemon/state/config_error.hpp"
#include "proto/raft_types.hpp"

namespace cc::state {

struct CollectiveFile {
    uint64_t applied_index = 0;  // the log index this member list reflects
    proto::Membership membership;
    bool operator==(const CollectiveFile&) const = default;
};

// Parses the text of cfg/collective; `path` is only used in error messages.
CollectiveFile parse_collective(std::string_view text, const std::filesystem::path& path);
std::string render_collective(const CollectiveFile& file);
// Reads the file; raises cc::fs::FsError if unreadable, ConfigFileError if corrupt.
CollectiveFile load_collective(const std::filesystem::path& path);
void save_collective(const std::filesystem::path& path, const CollectiveFile& file);

// cfg/myname: written without a newline; read trimmed of surrounding space.
// load_myname raises ConfigFileError when the file is empty or not one line.
std::string load_myname(const std::filesystem::path& path);
void save_myname(const std::filesystem::path& path, std::string_view name);

}  // namespace cc::state
