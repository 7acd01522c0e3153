// Integration-test harness: a real confluentd process with its own temporary
// etc/state/run directories (passed through the CONFLUENT_*_DIR variables),
// driven with the real CLI binaries.
//
// No fixed sleeps: start() waits for the daemon's "ready:" log line on its
// stderr pipe (bounded), stop/kill wait for the process to exit. The daemon
// runs in its own process group, which the destructor kills with SIGKILL, so
// a failing test never leaves a daemon behind; and it gets SIGKILL when the
// test process dies (PR_SET_PDEATHSIG), so neither does a crashing one.
//
// Threading: one Member per test; a reader thread collects the daemon's log.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace cc::it {

struct CmdResult {
    int status = -1;  // exit status, or 128+signal
    std::string out;
    std::string err;
};
std::ostream& operator<<(std::ostream& os, const CmdResult& r);

// Runs a program to completion with extra environment variables; optional
// uid to run as (for the non-root test).
CmdResult run_program(const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env,
                      std::optional<uid_t> as_uid = std::nullopt);

// Path of a built CLI tool ("nodeattrib").
std::string tool_path(const std::string& tool);

class Member {
  public:
    explicit Member(std::string name = "mgt1");
    ~Member();
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;

    // Spawns confluentd and waits (bounded) for it to serve its API.
    void start(std::chrono::seconds bound = std::chrono::seconds(30));
    // Spawns confluentd expecting it to fail; returns its exit status.
    int start_expect_exit(std::chrono::seconds bound = std::chrono::seconds(30));
    // Waits (bounded) for the daemon to exit on its own and returns its exit
    // status; -1 when it still runs after the bound (it is left running).
    int wait_exit(std::chrono::milliseconds bound);
    // SIGTERM and wait; returns the exit status.
    int stop();
    // SIGKILL the process group and reap.
    void kill9();
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    // Runs a CLI tool against this member.
    CmdResult cli(const std::string& tool, const std::vector<std::string>& args,
                  std::optional<uid_t> as_uid = std::nullopt) const;
    std::vector<std::string> env() const;
    // The key fingerprint the running daemon reports in its API status.
    std::string daemon_fingerprint() const;

    // Everything the daemon logged so far (this run and earlier ones).
    std::string log() const;
    // Waits until the log contains `text`; false after the bound.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds bound);

    std::filesystem::path root, etc, state, run;
    // The confluentd binary started (a test may start another build).
    std::string daemon_binary = CC_CONFLUENTD;
    // Extra "NAME=value" variables for confluentd only (not the tools), from
    // its next start: e.g. LD_PRELOAD of a fault injector.
    std::vector<std::string> daemon_env;
    std::filesystem::path cfg() const { return etc / "cfg"; }
    std::filesystem::path log_dir() const { return state / "collective" / "log"; }

  private:
    void spawn();
    void reap(std::chrono::milliseconds bound);

    std::string name_;
    pid_t pid_ = -1;
    int exit_status_ = -1;
    int err_fd_ = -1;
    std::thread reader_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::string log_;
    bool eof_ = false;
};

// The newest segment of a stopped member's log, cut to its last record:
// confluentd preallocates the segment it writes (zeros after the records),
// and a test that damages the tail as a crash would must start where the
// records end. Throws std::runtime_error when there is no segment.
std::filesystem::path newest_segment_cut_to_records(const std::filesystem::path& log_dir);

}  // namespace cc::it
