#include "tests/collective/sshd.hpp"
#include "tests/support/read_file.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/integration/harness.hpp"

namespace cc::ct {

namespace {

using cc::test::read_file;

using namespace std::chrono_literals;

// A port nobody listens on at `address` now (the kernel's pick).
int free_port(const std::string& address) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("no free port on " + address);
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

bool accepts(const std::string& address, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (fd >= 0) ::close(fd);
    return ok;
}

void keygen(const std::filesystem::path& key, const std::string& comment) {
    auto r = cc::it::run_program(
        "/usr/bin/ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.string()},
        {});
    if (r.status != 0) {
        std::ostringstream why;
        why << "ssh-keygen for " << key << " failed: " << r;
        throw std::runtime_error(why.str());
    }
}

std::string user_name() {
    const passwd* pw = ::getpwuid(::geteuid());
    if (pw == nullptr) throw std::runtime_error("this user has no name (getpwuid)");
    return pw->pw_name;
}

}  // namespace

Sshd::Sshd(std::filesystem::path dir, std::string address,
           const std::vector<std::string>& session_env)
    : dir_(std::move(dir)), address_(std::move(address)) {
    std::filesystem::create_directories(dir_);
    keygen(dir_ / "host_key", "sshd-of-the-test");
    keygen(dir_ / "client_key", "client-of-the-test");
    std::filesystem::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
    // sshd's privilege separation directory (the package's service makes it
    // at start, which never ran here).
    std::filesystem::create_directories("/run/sshd");
    port_ = free_port(address_);
    std::ofstream conf(dir_ / "sshd_config");
    conf << "ListenAddress " << address_ << ":" << port_ << "\n"
         << "HostKey " << (dir_ / "host_key").string() << "\n"
         << "PidFile " << (dir_ / "sshd.pid").string() << "\n"
         << "AuthorizedKeysFile " << (dir_ / "authorized_keys").string()
         << "\n"
         // The files live under /tmp (mode 1777), which StrictModes refuses.
         << "StrictModes no\n"
         << "PubkeyAuthentication yes\nPasswordAuthentication no\n"
         << "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
         << "UsePAM no\nUseDNS no\nPrintMotd no\nPrintLastLog no\nX11Forwarding no\n"
         << "AllowUsers " << user_name() << "\nLogLevel VERBOSE\n";
    if (!session_env.empty()) {
        conf << "SetEnv";
        for (const auto& e : session_env) conf << " " << e;
        conf << "\n";
    }
    conf.close();
    start();
    wait_listening();
}

void Sshd::start() {
    std::string log = (dir_ / "sshd.log").string();
    std::string conf = (dir_ / "sshd_config").string();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork for sshd failed");
    if (pid_ == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = ::open("/dev/null", O_RDONLY);
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || out < 0) ::_exit(127);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        // -D: stay in the foreground (this PID is sshd's); -e: log to stderr.
        ::execl(kBinary, kBinary, "-D", "-e", "-f", conf.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also from here: no race with the kill below
}

void Sshd::wait_listening() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("sshd exited at start; its log:\n" + log());
        }
        if (accepts(address_, port_)) return;
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("sshd does not accept connections after 10 s; its log:\n" + log());
}

Sshd::~Sshd() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            ::kill(-pid_, SIGKILL);  // a session it left behind, if any
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

std::filesystem::path Sshd::client_config(const std::string& host) const {
    // The server's key, as known_hosts names a host at a port other than 22.
    std::string host_key = read_file(dir_ / "host_key.pub");
    std::ofstream(dir_ / "known_hosts") << "[" << address_ << "]:" << port_ << " " << host_key;
    auto path = dir_ / ("ssh_config." + host);
    {
        std::ofstream conf(path);
        conf << "Host " << host << "\n"
             << "    HostName " << address_ << "\n"
             << "    Port " << port_ << "\n"
             << "    User " << user_name() << "\n"
             << "    IdentityFile " << (dir_ / "client_key").string() << "\n"
             << "    IdentitiesOnly yes\n"
             << "    UserKnownHostsFile " << (dir_ / "known_hosts").string() << "\n"
             << "    GlobalKnownHostsFile /dev/null\n"
             << "    StrictHostKeyChecking yes\n"
             << "    UpdateHostKeys no\n"
             << "    BatchMode yes\n"
             << "    ConnectTimeout 5\n";
    }
    // ssh refuses a configuration others may write.
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
}

std::string Sshd::log() const {
    return read_file(dir_ / "sshd.log");
}

}  // namespace cc::ct
