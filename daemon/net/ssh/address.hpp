// Splits a member address "host", "host:port", "[v6]:port" or a bare IPv6
// literal into host and port. Internal to cc_ssh.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cc::ssh::detail {

struct HostPort {
    std::string host;
    uint16_t port = 0;
};

// Nothing when the port is not a number in 1..65535 or the host is empty.
std::optional<HostPort> split_address(const std::string& address, uint16_t default_port);

}  // namespace cc::ssh::detail
