// One IPMI 2.0 (RMCP+) session to one BMC through FreeIPMI's library, owned
// by one call of power(): FreeIPMI contexts are not shared between threads,
// so each call opening its own is what makes power() thread-safe.
#pragma once

#include <freeipmi/freeipmi.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/hw/power.hpp"

namespace cc::hw {

using Clock = std::chrono::steady_clock;

class IpmiSession {
  public:
    // Opens the session, giving up at `deadline`; `timeout` is the whole
    // budget, only quoted in the "did not answer" message. On failure ok()
    // is false and error() says why in one line.
    IpmiSession(const BmcTarget& bmc, Clock::time_point deadline,
                std::chrono::milliseconds timeout);
    ~IpmiSession();
    IpmiSession(const IpmiSession&) = delete;
    IpmiSession& operator=(const IpmiSession&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    // "host:port", the name every message uses.
    const std::string& label() const { return label_; }

    // Get Chassis Status: true when the power is on; nothing on failure (error() says why).
    std::optional<bool> power_is_on();
    // Chassis Control with one IPMI_CHASSIS_CONTROL_* value; `what` names it
    // in the error ("power on"). False on failure (error() says why).
    bool chassis_control(uint8_t control, std::string_view what);

    // Records a failure that is not FreeIPMI's (the action gave up waiting).
    void fail(std::string message) { error_ = std::move(message); }

  private:
    bool open(const BmcTarget& bmc, unsigned workaround_flags, unsigned session_ms);
    std::string describe(std::string_view doing) const;

    ipmi_ctx_t ctx_ = nullptr;
    bool opened_ = false;
    std::string label_;
    std::string user_;
    uint8_t cipher_suite_ = 3;
    std::chrono::milliseconds timeout_;
    std::string error_;
};

}  // namespace cc::hw
