// A whole file as bytes, for tests that look inside what a daemon wrote.
// A missing or unreadable file reads as "" (the caller's expectation on the
// contents then fails and names the file).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cc::test {

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

}  // namespace cc::test
