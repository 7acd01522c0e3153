#include "daemon/storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cc::storage {
namespace {

// Slicing-by-4 tables for the reflected polynomial 0x82F63B78.
constexpr std::array<std::array<uint32_t, 256>, 4> make_tables() {
    std::array<std::array<uint32_t, 256>, 4> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
        for (size_t s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
    return t;
}
constexpr auto kTables = make_tables();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(std::string_view data, uint32_t crc) {
    uint64_t c = ~crc;
    const char* p = data.data();
    size_t n = data.size();
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        std::memcpy(&w, p, sizeof w);
        c = _mm_crc32_u64(c, w);
    }
    auto c32 = static_cast<uint32_t>(c);
    for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
    return ~c32;
}

bool have_sse42() {
    static const bool have = (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
    return have;
}
#endif

}  // namespace

uint32_t crc32c(std::string_view data, uint32_t crc) {
#if defined(__x86_64__)
    if (have_sse42()) return crc32c_sse42(data, crc);
#endif
    return crc32c_portable(data, crc);
}

uint32_t crc32c_portable(std::string_view data, uint32_t crc) {
    uint32_t c = ~crc;
    auto p = reinterpret_cast<const unsigned char*>(data.data());
    size_t n = data.size();
    while (n >= 4) {
        c ^= uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
        c = kTables[3][c & 0xff] ^ kTables[2][(c >> 8) & 0xff] ^ kTables[1][(c >> 16) & 0xff] ^
            kTables[0][c >> 24];
        p += 4;
        n -= 4;
    }
    while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
    return ~c;
}

}  // namespace cc::storage
