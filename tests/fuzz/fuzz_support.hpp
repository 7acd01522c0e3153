// Shared by the libFuzzer targets: a scratch directory per process for the
// loaders that read files, quiet logs, and the round-trip check of decoders.
// A target lets through only the exceptions its decoder documents for bad
// input; anything else (an abort, another exception, a sanitizer report) is
// a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "daemon/util/log.hpp"
#include "proto/codec.hpp"
#include "tests/support/temp_dir.hpp"

namespace cc::fuzz {

inline std::string_view bytes_of(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// One directory per fuzzing process, removed at exit (scripts/fuzz.sh points
// TMPDIR at /dev/shm so the writes stay in memory).
inline const std::filesystem::path& scratch() {
    static cc::test::TempDir dir("cc-fuzz");
    return dir.path();
}

// A fresh empty directory `name` under scratch().
inline std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = scratch() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Loaders log a WARN line per repair; thousands of runs a second need none.
inline void quiet_logs() {
    static const bool once = (cc::log::set_level(cc::log::Level::Error), true);
    (void)once;
}

// The input split at the first NUL byte (never valid TOML, so a file
// target can take two texts from one input).
inline std::pair<std::string_view, std::string_view> split_at_nul(std::string_view in) {
    auto at = in.find('\0');
    if (at == std::string_view::npos) return {in, {}};
    return {in.substr(0, at), in.substr(at + 1)};
}

// What decodes must encode to bytes that decode to the same bytes again:
// the codec has one encoding per value, whatever unknown tail or missing
// fields the first bytes had. Traps (a finding) when it does not.
template <class T>
void check_round_trip(const T& value) {
    std::string once = proto::to_bytes(value);
    std::string twice = proto::to_bytes(proto::from_bytes<T>(once));
    if (once != twice) __builtin_trap();
}

// Decodes `in` as T; DecodeError is the one expected refusal.
template <class T>
void decode_and_round_trip(std::string_view in) {
    T value{};
    try {
        value = proto::from_bytes<T>(in);
    } catch (const proto::DecodeError&) {
        return;
    }
    check_round_trip(value);
}

}  // namespace cc::fuzz
