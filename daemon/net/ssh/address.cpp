#include "daemon/net/ssh/address.hpp"

#include <charconv>

namespace cc::ssh::detail {

namespace {

std::optional<uint16_t> parse_port(const std::string& text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

}  // namespace

std::optional<HostPort> split_address(const std::string& address, uint16_t default_port) {
    HostPort out{address, default_port};
    if (!address.empty() && address.front() == '[') {
        auto close = address.find(']');
        if (close == std::string::npos) return std::nullopt;
        out.host = address.substr(1, close - 1);
        std::string rest = address.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            auto port = parse_port(rest.substr(1));
            if (!port) return std::nullopt;
            out.port = *port;
        }
    } else if (auto colon = address.find(':');
               colon != std::string::npos && address.find(':', colon + 1) == std::string::npos) {
        out.host = address.substr(0, colon);
        auto port = parse_port(address.substr(colon + 1));
        if (!port) return std::nullopt;
        out.port = *port;
    }
    if (out.host.empty()) return std::nullopt;
    return out;
}

}  // namespace cc::ssh::detail
