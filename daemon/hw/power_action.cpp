// The words nodepower uses for each action, in one place so the CLI, the API
// and this layer agree.
#include "daemon/hw/power.hpp"

#include <array>
#include <utility>

namespace cc::hw {

namespace {
constexpr std::array<std::pair<PowerAction, std::string_view>, 7> kNames{{
    {PowerAction::Status, "status"},
    {PowerAction::On, "on"},
    {PowerAction::Off, "off"},
    {PowerAction::Reset, "reset"},
    {PowerAction::Boot, "boot"},
    {PowerAction::Shutdown, "shutdown"},
    {PowerAction::SoftOff, "softoff"},
}};
}  // namespace

std::string_view to_string(PowerAction action) {
    for (const auto& [a, name] : kNames)
        if (a == action) return name;
    return "unknown";
}

std::optional<PowerAction> parse_power_action(std::string_view word) {
    for (const auto& [a, name] : kNames)
        if (name == word) return a;
    return std::nullopt;
}

}  // namespace cc::hw
