// The error of a corrupt cfg/ file: the daemon stops with it. what() is one
// line naming the file, the line and the reason, e.g.
//   "/etc/confluent/cfg/collective line 3: expected '=' (fix or restore the file)".
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace cc::state {

struct ConfigFileError : std::runtime_error {
    ConfigFileError(const std::filesystem::path& file, uint32_t line, const std::string& reason)
        : std::runtime_error(file.string() + (line ? " line " + std::to_string(line) : "") + ": " +
                             reason + " (fix or restore the file)"),
          path(file),
          line_number(line) {}
    std::filesystem::path path;
    uint32_t line_number;  // 1-based, 0 when not tied to a line
};

}  // namespace cc::state
