// A real BMC for tests: OpenIPMI's ipmi_sim on 127.0.0.1, one process and one
// UDP port per SimBmc. The chassis power lives in a file the test can read
// and set, so a test sees exactly what the BMC was told. The working
// configuration is written out in daemon/hw/README.md.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace cc::test {

class SimBmc {
  public:
    struct Options {
        std::string user = "admin";
        std::string password = "sim-password";
        bool power_on = false;  // the chassis power when the BMC starts
        // Whether the simulated OS obeys a soft shutdown (ACPI) request.
        bool honours_soft_shutdown = true;
    };

    // The ipmi_sim program on PATH, or empty when it is not installed (the
    // test then calls SKIP_OR_FAIL).
    static std::string program();

    // Starts the BMC and returns once it answers an IPMI 2.0 session open
    // (bounded: a few seconds). Throws std::runtime_error, with ipmi_sim's own
    // output, when it cannot. Create SimBmcs on the test's main thread: the
    // process is killed when the thread that started it ends (PDEATHSIG), so
    // a crashed test leaves no BMC behind.
    SimBmc();
    explicit SimBmc(Options options);
    // Stops the process group (SIGTERM, then SIGKILL) and removes the files.
    ~SimBmc();
    SimBmc(const SimBmc&) = delete;
    SimBmc& operator=(const SimBmc&) = delete;

    uint16_t port() const { return port_; }
    const std::string& user() const { return options_.user; }
    const std::string& password() const { return options_.password; }
    pid_t pid() const { return pid_; }

    // "on" or "off": what the BMC last set (read from its power file).
    std::string power_state() const;
    void set_power_state(bool on);
    // Every chassis control the BMC carried out, in order, as ipmi_sim passed
    // it to the chassis script: "power 1", "power 0", "reset 1", "shutdown 1".
    std::vector<std::string> actions() const;

    // A UDP port on 127.0.0.1 nothing listens on right now (for "no answer" tests).
    static uint16_t unused_port();

  private:
    void write_files();
    bool start_once(std::string& why);
    void stop();

    Options options_;
    TempDir dir_{"cc-ipmi-sim"};
    uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace cc::test
