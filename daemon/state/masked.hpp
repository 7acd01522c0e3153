// Attributes whose values no read, reply or log line ever shows: secret.*
// (stored encrypted, SECURITY.md) and crypted.* (one-way hashes). A set value
// shows as "********", as confluent prints it; an unset one stays empty.
#pragma once

#include <string>
#include <string_view>

namespace cc::state {

inline constexpr std::string_view kMaskedValue = "********";

inline bool is_secret_attribute(std::string_view name) {
    return name.rfind("secret.", 0) == 0;
}
inline bool is_crypted_attribute(std::string_view name) {
    return name.rfind("crypted.", 0) == 0;
}
inline bool is_masked_attribute(std::string_view name) {
    return is_secret_attribute(name) || is_crypted_attribute(name);
}

// What a reader may see of attribute `name`'s stored `value`.
inline std::string shown_value(std::string_view name, std::string value) {
    if (value.empty() || !is_masked_attribute(name)) return value;
    return std::string(kMaskedValue);
}

}  // namespace cc::state
