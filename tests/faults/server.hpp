// Server: one real confluentd process for fault tests, with its own
// etc/state/run directories under a test root, optionally inside a network
// namespace of a TestNet, advertising that namespace's address.
//
// The daemon runs in its own process group (so kill -9 and SIGSTOP reach all
// of it) and gets PR_SET_PDEATHSIG=SIGKILL, so it dies with the test process
// even when the test is killed. Its stderr is appended to ROOT/confluentd.log
// across restarts, which survives a crash for the failure report.
//
// Threading: start/stop/kill9/pause/resume from the test's main thread only
// (PR_SET_PDEATHSIG is tied to the forking thread). call() and status() are
// safe from any thread (each opens its own connection).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "proto/api.hpp"
#include "tests/integration/harness.hpp"

namespace cc::faults {

class Server {
  public:
    // netns: a /proc/PID/ns/net path or empty (host namespace, loopback only
    // use); advertise: the address peers use, or empty.
    Server(std::filesystem::path root, std::string name, std::string netns, std::string advertise);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Spawns confluentd and waits (bounded) for its "ready: serving" line;
    // throws with the log tail when it does not come.
    void start(std::chrono::seconds bound = std::chrono::seconds(30));
    // SIGTERM (after SIGCONT, in case it is paused) and wait, SIGKILL after
    // the bound. Returns the exit status (128+signal when killed).
    int stop(std::chrono::seconds bound = std::chrono::seconds(30));
    // SIGKILL to the process group, then reap.
    void kill9();
    // SIGSTOP / SIGCONT to the process group.
    void pause();
    void resume();
    bool running() const { return pid_ > 0; }
    bool paused() const { return paused_; }

    // One request on a fresh connection; throws cc::cli::CliError when the
    // daemon cannot be reached or does not answer.
    proto::ApiResponse call(const proto::ApiRequest& request) const;
    // Status, or nothing when the daemon does not answer.
    std::optional<proto::ApiStatus> status() const;
    // Runs a CLI tool against this member.
    cc::it::CmdResult cli(const std::string& tool, const std::vector<std::string>& args) const;

    const std::string& name() const { return name_; }
    const std::string& advertise() const { return advertise_; }
    std::string log() const;
    // The last `lines` lines of the log, for failure messages.
    std::string log_tail(size_t lines = 40) const;

    std::filesystem::path root, etc, state, run;
    std::filesystem::path cfg() const { return etc / "cfg"; }
    std::filesystem::path log_dir() const { return state / "collective" / "log"; }
    std::filesystem::path log_file() const { return root / "confluentd.log"; }

  private:
    void reap();
    std::string name_, netns_, advertise_;
    // Atomic: client threads look at them between operations.
    std::atomic<pid_t> pid_{-1};
    std::atomic<bool> paused_{false};
};

}  // namespace cc::faults
