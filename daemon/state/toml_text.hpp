// Internal: writing TOML text by hand (fast for 100,000 tables) and turning
// toml++ positions into ConfigFileError. Keys are bare when TOML allows it,
// otherwise quoted; strings are basic strings with escapes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "daemon/state/config_error.hpp"

namespace cc::state {

void append_toml_key(std::string& out, std::string_view key);
void append_toml_string(std::string& out, std::string_view value);

// Parses TOML text; a syntax error raises ConfigFileError with toml++'s line and reason.
toml::table parse_toml(std::string_view text, const std::filesystem::path& path);

inline uint32_t line_of(const toml::node& n) {
    return n.source().begin.line;
}

}  // namespace cc::state
