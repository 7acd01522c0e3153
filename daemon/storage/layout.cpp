#include "daemon/storage/layout.hpp"

#include <charconv>
#include <cstdio>

namespace cc::storage {

namespace {
constexpr size_t kIndexDigits = 20;  // enough for any uint64_t
constexpr std::string_view kSuffix = ".log";
}  // namespace

std::string segment_file_name(uint64_t first_index) {
    char buf[kIndexDigits + 1];
    std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(first_index));
    return std::string(buf) + std::string(kSuffix);
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
    if (name.size() != kIndexDigits + kSuffix.size() || !name.ends_with(kSuffix)) return {};
    uint64_t v = 0;
    auto digits = name.substr(0, kIndexDigits);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size() || v == 0) return {};
    return v;
}

}  // namespace cc::storage
