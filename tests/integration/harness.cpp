#include "tests/integration/harness.hpp"

#include "cli/client.hpp"
#include "daemon/storage/recovery.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace cc::it {

namespace {

std::vector<std::string> merged_env(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto key = kv.substr(0, kv.find('=') + 1);
        bool overridden = false;
        for (const auto& x : extra) overridden = overridden || x.rfind(key, 0) == 0;
        if (!overridden) out.push_back(kv);
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int decode_status(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const CmdResult& r) {
    return os << "exit " << r.status << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
}

std::string tool_path(const std::string& tool) {
    return std::string(CC_CLI_DIR) + "/" + tool;
}

CmdResult run_program(const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, std::optional<uid_t> as_uid) {
    std::vector<std::string> argv_s{path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    auto env_s = merged_env(env);
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        if (as_uid) {
            if (::setgid(*as_uid) != 0 || ::setuid(*as_uid) != 0) ::_exit(126);
        }
        ::execve(path.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    CmdResult r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.status = decode_status(st);
    return r;
}

Member::Member(std::string name) : name_(std::move(name)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cc-it-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root = tmpl;
    etc = root / "etc";
    state = root / "state";
    run = root / "run";
    std::filesystem::create_directories(etc / "cfg");
    FILE* f = std::fopen((etc / "cfg" / "myname").c_str(), "w");
    if (!f) throw std::runtime_error("cannot write cfg/myname");
    std::fputs(name_.c_str(), f);
    std::fclose(f);
}

Member::~Member() {
    kill9();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
}

std::vector<std::string> Member::env() const {
    return {"CONFLUENT_ETC_DIR=" + etc.string(), "CONFLUENT_STATE_DIR=" + state.string(),
            "CONFLUENT_RUN_DIR=" + run.string()};
}

CmdResult Member::cli(const std::string& tool, const std::vector<std::string>& args,
                      std::optional<uid_t> as_uid) const {
    return run_program(tool_path(tool), args, env(), as_uid);
}

std::string Member::daemon_fingerprint() const {
    cc::cli::ApiClient client(run / "api.sock");
    auto r = client.call(proto::ApiStatusQuery{});
    return std::get<proto::ApiStatus>(r).fingerprint;
}

void Member::spawn() {
    if (pid_ > 0) throw std::runtime_error("daemon already running");
    std::vector<std::string> argv_s{daemon_binary};
    auto own = env();
    own.insert(own.end(), daemon_env.begin(), daemon_env.end());
    auto env_s = merged_env(own);
    auto argv = c_strings(argv_s);
    auto envp = c_strings(env_s);
    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    {
        std::lock_guard lk(mu_);
        eof_ = false;
        log_ += "---- confluentd start ----\n";
    }
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::setpgid(0, 0);
        // Dies with the test process, even when that one crashes.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() == 1) ::_exit(127);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(err_pipe[1], 2);
        ::execve(argv_s[0].c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(err_pipe[1]);
    pid_ = pid;
    err_fd_ = err_pipe[0];
    reader_ = std::thread([this, fd = err_fd_] {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lk(mu_);
            if (n <= 0) {
                eof_ = true;
                cv_.notify_all();
                return;
            }
            log_.append(buf, static_cast<size_t>(n));
            cv_.notify_all();
        }
    });
}

void Member::reap(std::chrono::milliseconds bound) {
    if (pid_ <= 0) return;
    {
        std::unique_lock lk(mu_);
        if (!cv_.wait_for(lk, bound, [&] { return eof_; })) {
            lk.unlock();
            ::kill(-pid_, SIGKILL);
        }
    }
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    exit_status_ = decode_status(st);
    if (reader_.joinable()) reader_.join();
    ::close(err_fd_);
    err_fd_ = -1;
    pid_ = -1;
}

void Member::start(std::chrono::seconds bound) {
    size_t from = log().size();
    spawn();
    std::unique_lock lk(mu_);
    bool ready = cv_.wait_for(
        lk, bound, [&] { return log_.find("ready: serving", from) != std::string::npos || eof_; });
    bool ok = ready && log_.find("ready: serving", from) != std::string::npos;
    lk.unlock();
    if (!ok) {
        kill9();
        throw std::runtime_error("confluentd did not become ready; its log:\n" + log());
    }
}

int Member::start_expect_exit(std::chrono::seconds bound) {
    spawn();
    reap(bound);
    return exit_status_;
}

int Member::wait_exit(std::chrono::milliseconds bound) {
    if (pid_ <= 0) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        // WNOWAIT: only look, so reap() below still owns the process group.
        siginfo_t info{};
        int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
        if (rc == 0 && info.si_pid == pid_) break;
        if (rc != 0 && errno != EINTR) return -1;
        if (std::chrono::steady_clock::now() > deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    reap(std::chrono::seconds(10));
    return exit_status_;
}

int Member::stop() {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    reap(std::chrono::seconds(60));
    return exit_status_;
}

void Member::kill9() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    reap(std::chrono::seconds(60));
}

std::string Member::log() const {
    std::lock_guard lk(mu_);
    return log_;
}

bool Member::wait_for_log(const std::string& text, std::chrono::milliseconds bound) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, bound, [&] { return log_.find(text) != std::string::npos; });
}

std::filesystem::path newest_segment_cut_to_records(const std::filesystem::path& log_dir) {
    // What confluentd's own start-up does to the log: cuts the preallocated
    // zeros quietly (the log of a stopped member holds nothing else to cut).
    auto log = storage::recover_log(log_dir);
    if (log.segments.empty()) throw std::runtime_error("no log segment in " + log_dir.string());
    return log.segments.back().path;
}

}  // namespace cc::it
