// Power control of one node's BMC: the hardware layer that routed `nodepower`
// requests call. One blocking call per request; see README.md for how each
// nodepower state maps to IPMI and how errors read.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cc::hw {

// Where a node's BMC is reached (hardwaremanagement.manager and the
// secret.hardwaremanagementuser/password attributes, once routed).
struct BmcTarget {
    std::string host;  // IPv4 address or host name (FreeIPMI's LAN driver is IPv4 only)
    uint16_t port = 623;
    std::string user, password;
    // RMCP+ cipher suite; 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) is what
    // FreeIPMI and ipmitool use by default and what nearly every BMC offers.
    uint8_t cipher_suite = 3;
    // FreeIPMI IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_* bits. Unset: automatic
    // (none, and once more with "opensesspriv" when the BMC refuses the
    // privilege level, the quirk ipmi_sim and some real BMCs have).
    std::optional<unsigned> workaround_flags;
};

// confluent's nodepower states.
enum class PowerAction { Status, On, Off, Reset, Boot, Shutdown, SoftOff };

// "status", "on", ... as nodepower spells them.
std::string_view to_string(PowerAction action);
// The action nodepower's word names, or nothing for an unknown word.
std::optional<PowerAction> parse_power_action(std::string_view word);

struct PowerResult {
    bool ok = false;
    // After the action, as confluent prints it: "on", "off", or "reset" (a
    // running node that was reset). Empty when the BMC could not be read.
    std::string state;
    // Before the action ("on"/"off"); empty for Status or when not read.
    std::string previous;
    // One line for the user when !ok, naming the BMC ("host:port").
    std::string error;
};

// Carries out `action` on the BMC over IPMI 2.0 (RMCP+) and reads the power
// state back. Blocking; safe to call from many threads at once (each call has
// its own FreeIPMI session). Gives up after `timeout` for a BMC that does not
// answer; see README.md for the exact bound. Never throws.
PowerResult power(const BmcTarget& bmc, PowerAction action, std::chrono::milliseconds timeout);

}  // namespace cc::hw
