#include "tests/faults/server.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cli/client.hpp"
#include "tests/support/read_file.hpp"

extern char** environ;

namespace cc::faults {

namespace {

using namespace std::chrono_literals;

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

}  // namespace

Server::Server(std::filesystem::path dir, std::string name, std::string netns,
               std::string advertise)
    : root(std::move(dir)),
      name_(std::move(name)),
      netns_(std::move(netns)),
      advertise_(std::move(advertise)) {
    etc = root / "etc";
    state = root / "state";
    run = root / "run";
    std::filesystem::create_directories(etc / "cfg");
    std::filesystem::create_directories(state);
    std::ofstream(etc / "cfg" / "myname", std::ios::binary) << name_;
}

Server::~Server() {
    kill9();
}

void Server::start(std::chrono::seconds bound) {
    if (pid_ > 0) throw std::runtime_error(name_ + " is already running");
    size_t from = log().size();
    std::vector<std::string> argv_s{CC_CONFLUENTD};
    if (!advertise_.empty()) {
        argv_s.push_back("--advertise");
        argv_s.push_back(advertise_);
    }
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        if (kv.rfind("CONFLUENT_", 0) != 0) env_s.push_back(kv);
    }
    env_s.push_back("CONFLUENT_ETC_DIR=" + etc.string());
    env_s.push_back("CONFLUENT_STATE_DIR=" + state.string());
    env_s.push_back("CONFLUENT_RUN_DIR=" + run.string());
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);
    int log_fd = ::open(log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open " + log_file().string());
    {
        std::string mark = "---- confluentd start ----\n";
        (void)!::write(log_fd, mark.data(), mark.size());
    }
    int ns_fd = -1;
    if (!netns_.empty()) {
        ns_fd = ::open(netns_.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns_fd < 0) throw std::runtime_error("cannot open network namespace " + netns_);
    }
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Only async-signal-safe calls from here: the test process has threads.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::setpgid(0, 0);
        if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(126);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execve(CC_CONFLUENTD, argv.data(), envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(log_fd);
    if (ns_fd >= 0) ::close(ns_fd);
    pid_ = pid;
    paused_ = false;
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        auto text = log();
        if (text.find("ready: serving", from) != std::string::npos) return;
        int st = 0;
        bool exited = ::waitpid(pid_, &st, WNOHANG) == pid_;
        if (exited || std::chrono::steady_clock::now() > deadline) {
            if (exited)
                pid_ = -1;
            else
                kill9();
            throw std::runtime_error(name_ + ": confluentd did not become ready; its log:\n" +
                                     log_tail());
        }
        std::this_thread::sleep_for(10ms);
    }
}

void Server::reap() {
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    paused_ = false;
}

int Server::stop(std::chrono::seconds bound) {
    if (pid_ <= 0) return -1;
    ::kill(-pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + bound;
    int st = 0;
    for (;;) {
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid_, SIGKILL);
            while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    ::kill(-pid_, SIGKILL);  // helpers left in the group, if any
    pid_ = -1;
    paused_ = false;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

void Server::kill9() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    reap();
}

void Server::pause() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGSTOP);
    paused_ = true;
}

void Server::resume() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGCONT);
    paused_ = false;
}

proto::ApiResponse Server::call(const proto::ApiRequest& request) const {
    cc::cli::ApiClient client(run / "api.sock");
    return client.call(request);
}

std::optional<proto::ApiStatus> Server::status() const {
    if (pid_ <= 0 || paused_) return std::nullopt;
    try {
        auto r = call(proto::ApiStatusQuery{});
        if (auto* s = std::get_if<proto::ApiStatus>(&r)) return *s;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

cc::it::CmdResult Server::cli(const std::string& tool, const std::vector<std::string>& args) const {
    return cc::it::run_program(
        cc::it::tool_path(tool), args,
        {"CONFLUENT_ETC_DIR=" + etc.string(), "CONFLUENT_STATE_DIR=" + state.string(),
         "CONFLUENT_RUN_DIR=" + run.string()});
}

std::string Server::log() const {
    return cc::test::read_file(log_file());
}

std::string Server::log_tail(size_t lines) const {
    auto text = log();
    size_t pos = text.size();
    for (size_t n = 0; n <= lines && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) return text;
    }
    return text.substr(pos + 1);
}

}  // namespace cc::faults
