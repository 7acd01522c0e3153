// SSH wire-format helpers (RFC 4251 "string": uint32 big-endian length, bytes).
// Internal to cc_crypto.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cc::crypto::detail {

inline void put_ssh_string(std::string& out, std::string_view bytes) {
    auto n = static_cast<uint32_t>(bytes.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(bytes);
}

}  // namespace cc::crypto::detail
