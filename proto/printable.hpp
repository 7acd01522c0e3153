// Untrusted text (names and reasons from peers, clients or files) made safe
// for a log line or a terminal: every control character, DEL, C1 control and
// byte that is not valid UTF-8 becomes \xNN (a backslash becomes \\), so such
// text can neither start a new log line nor send escape sequences to a
// terminal. Printable ASCII, tabs and valid UTF-8 text pass through unchanged.
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace proto {

namespace detail {

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0.
inline size_t utf8_sequence(std::string_view s, size_t i) {
    auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b = at(i);
    size_t n = b >= 0xc2 && b <= 0xdf   ? 2
               : b >= 0xe0 && b <= 0xef ? 3
               : b >= 0xf0 && b <= 0xf4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((at(i + k) & 0xc0) != 0x80) return 0;
    unsigned char c = at(i + 1);
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((b == 0xe0 && c < 0xa0) || (b == 0xed && c > 0x9f) || (b == 0xf0 && c < 0x90) ||
        (b == 0xf4 && c > 0x8f))
        return 0;
    // U+0080..U+009F are the C1 controls (CSI and friends on some terminals).
    if (b == 0xc2 && c < 0xa0) return 0;
    return n;
}

}  // namespace detail

inline std::string printable(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        auto b = static_cast<unsigned char>(text[i]);
        if (b == '\\') {
            out += "\\\\";
            ++i;
        } else if ((b >= 0x20 && b < 0x7f) || b == '\t') {
            out += static_cast<char>(b);
            ++i;
        } else if (size_t n = b >= 0x80 ? detail::utf8_sequence(text, i) : 0; n != 0) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
            ++i;
        }
    }
    return out;
}

}  // namespace proto
