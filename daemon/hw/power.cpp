// What each nodepower action does on an IPMI BMC, in the order confluent's
// IPMI plugin (pyghmi) does it: read the state, send one Chassis Control,
// wait for the state it should lead to, report before and after.
#include <freeipmi/freeipmi.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "daemon/hw/ipmi_session.hpp"
#include "daemon/hw/power.hpp"

namespace cc::hw {

namespace {

// How often the state is read while waiting for a change: a BMC takes tens
// of milliseconds to a few seconds; this keeps the wait short and the BMC calm.
constexpr std::chrono::milliseconds kPollInterval{100};

const char* word(bool on) {
    return on ? "on" : "off";
}

class Run {
  public:
    Run(const BmcTarget& bmc, std::chrono::milliseconds timeout)
        : timeout_(timeout), deadline_(Clock::now() + timeout), session_(bmc, deadline_, timeout) {}

    PowerResult operator()(PowerAction action) {
        if (!session_.ok()) return failed();
        const auto before = session_.power_is_on();
        if (!before) return failed();
        result_.previous = word(*before);
        switch (action) {
            case PowerAction::Status:
                result_.previous.clear();
                return done(word(*before));
            case PowerAction::On:
                return switch_to(*before, true, IPMI_CHASSIS_CONTROL_POWER_UP, "power on");
            case PowerAction::Off:
                return switch_to(*before, false, IPMI_CHASSIS_CONTROL_POWER_DOWN, "power off");
            case PowerAction::Boot:
                // confluent: a node that is off is powered on, a running one reset.
                if (!*before)
                    return switch_to(false, true, IPMI_CHASSIS_CONTROL_POWER_UP, "power on");
                return reset();
            case PowerAction::Reset:
                return reset();
            case PowerAction::Shutdown:
            case PowerAction::SoftOff:
                // Both ask the OS to shut down (ACPI power button, control 5),
                // as pyghmi does for both words, and wait until it has.
                return switch_to(*before, false, IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN,
                                 "soft shutdown");
        }
        return failed();
    }

  private:
    // Sends `control` unless the node already is where it should end up, then
    // waits (within the deadline) until the BMC reports `target`.
    PowerResult switch_to(bool now_on, bool target, uint8_t control, const char* what) {
        if (now_on == target) return done(word(target));
        if (!session_.chassis_control(control, what)) return failed();
        for (;;) {
            const auto on = session_.power_is_on();
            if (!on) return failed();
            result_.state = word(*on);
            if (*on == target) return done(word(*on));
            const auto left = deadline_ - Clock::now();
            if (left <= Clock::duration::zero()) {
                std::string why = "BMC " + session_.label() + " accepted " + what +
                                  " but still reports power " + word(*on) + " after " +
                                  std::to_string(timeout_.count()) + " ms";
                if (control == IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN)
                    why += " (the operating system did not shut down; 'off' forces it)";
                session_.fail(why);
                return failed();
            }
            std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, left));
        }
    }

    // A hard reset. confluent reports a node that is running afterwards as
    // "reset"; a BMC that ignored the reset of a node that is off leaves "off".
    PowerResult reset() {
        if (!session_.chassis_control(IPMI_CHASSIS_CONTROL_HARD_RESET, "reset")) return failed();
        const auto on = session_.power_is_on();
        if (!on) return failed();
        return done(*on ? "reset" : "off");
    }

    PowerResult done(const char* state) {
        result_.ok = true;
        result_.state = state;
        result_.error.clear();
        return result_;
    }
    PowerResult failed() {
        result_.ok = false;
        result_.error = session_.error();
        return result_;
    }

    std::chrono::milliseconds timeout_;
    Clock::time_point deadline_;
    IpmiSession session_;
    PowerResult result_;
};

}  // namespace

PowerResult power(const BmcTarget& bmc, PowerAction action, std::chrono::milliseconds timeout) {
    // Errors are values: nothing may escape into the daemon's threads (the
    // only exception left is running out of memory building strings).
    try {
        return Run(bmc, timeout)(action);
    } catch (const std::exception& e) {
        PowerResult r;
        r.error = "BMC " + bmc.host + ":" + std::to_string(bmc.port) + ": " + e.what();
        return r;
    }
}

}  // namespace cc::hw
