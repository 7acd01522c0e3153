// Starting, probing and stopping one ipmi_sim process; see ipmi_sim.hpp.
#include "tests/support/ipmi_sim.hpp"
#include "tests/support/read_file.hpp"

#include <fcntl.h>
#include <freeipmi/freeipmi.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cc::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long a BMC may take to answer after it was started (a loaded CI machine).
constexpr std::chrono::seconds kStartTimeout{10};
// Ports to try before giving up (another test's BMC may take the one we picked).
constexpr int kStartAttempts = 5;

void write_file(const fs::path& path, const std::string& text) {
    // Atomic, so the chassis script or the test never reads a half-written file.
    fs::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, path);
}

// True when a UDP socket can bind 127.0.0.1:port right now. Without
// SO_REUSEADDR, so a port another ipmi_sim holds (it sets SO_REUSEADDR) fails too.
bool udp_port_free(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// How many UDP sockets are bound to `port` (any address). ipmi_sim binds with
// SO_REUSEADDR, so two BMCs on one port would both start and split the
// packets between them: a count above one means another test got the same port.
int udp_sockets_on(uint16_t port) {
    std::ifstream in("/proc/net/udp");
    std::string line;
    std::getline(in, line);  // header
    int n = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local;
        fields >> slot >> local;
        auto colon = local.find(':');
        if (colon == std::string::npos) continue;
        if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) ++n;
    }
    return n;
}

// One IPMI 2.0 session open and close: the BMC is up and knows the user.
bool answers(uint16_t port, const std::string& user, const std::string& password) {
    ipmi_ctx_t ctx = ipmi_ctx_create();
    if (ctx == nullptr) return false;
    const std::string host = "127.0.0.1:" + std::to_string(port);
    bool ok =
        ipmi_ctx_open_outofband_2_0(ctx, host.c_str(), user.c_str(), password.c_str(), nullptr, 0,
                                    IPMI_PRIVILEGE_LEVEL_ADMIN, 3, 300, 100,
                                    IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE,
                                    IPMI_FLAGS_DEFAULT) == 0;
    if (ok) ipmi_ctx_close(ctx);
    ipmi_ctx_destroy(ctx);
    return ok;
}

// The chassis_control program ipmi_sim runs: `chassis.sh 0x20 get power`
// must print "power:0|1"; `chassis.sh 0x20 set NAME VALUE ...` carries out a
// Chassis Control (power 0/1, reset 1, shutdown 1 for a soft shutdown).
std::string chassis_script(const fs::path& dir) {
    const std::string d = dir.string();
    return "#!/bin/sh\n"
           "# Written by tests/support/ipmi_sim.cpp: the simulated chassis of one BMC.\n"
           "dir='" +
           d +
           "'\n"
           "put() { echo \"$2\" > \"$dir/$1.tmp\" && mv \"$dir/$1.tmp\" \"$dir/$1\"; }\n"
           "shift\n"
           "op=$1; shift\n"
           "case \"$op\" in\n"
           "  get) for p in \"$@\"; do [ \"$p\" = power ] && echo \"power:$(cat \"$dir/power\")\"; "
           "done ;;\n"
           "  set) while [ $# -gt 1 ]; do\n"
           "         echo \"$1 $2\" >> \"$dir/actions\"\n"
           "         case \"$1\" in\n"
           "           power) put power \"$2\" ;;\n"
           "           shutdown) [ \"$(cat \"$dir/acpi\")\" = honour ] && put power 0 ;;\n"
           "         esac\n"
           "         shift 2\n"
           "       done ;;\n"
           "esac\n"
           "exit 0\n";
}

}  // namespace

std::string SimBmc::program() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) continue;
        fs::path candidate = fs::path(dir) / "ipmi_sim";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

uint16_t SimBmc::unused_port() {
    // Below Linux's ephemeral range (32768+), where IPMI clients bind their
    // own sockets, and random, so parallel test processes rarely meet.
    static std::mutex m;
    static std::mt19937 rng{std::random_device{}()};
    std::lock_guard lock(m);
    std::uniform_int_distribution<int> dist(20000, 32000);
    for (int i = 0; i < 200; ++i) {
        auto port = static_cast<uint16_t>(dist(rng));
        if (udp_port_free(port) && udp_sockets_on(port) == 0) return port;
    }
    throw std::runtime_error("no free UDP port on 127.0.0.1 in 20000..32000");
}

SimBmc::SimBmc() : SimBmc(Options{}) {}

SimBmc::SimBmc(Options options) : options_(std::move(options)) {
    if (program().empty()) throw std::runtime_error("ipmi_sim is not installed (Debian: openipmi)");
    std::string why;
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        port_ = unused_port();
        write_files();
        if (start_once(why)) return;
        stop();
    }
    throw std::runtime_error("ipmi_sim did not start: " + why);
}

SimBmc::~SimBmc() {
    stop();
}

void SimBmc::write_files() {
    const fs::path& d = dir_.path();
    fs::create_directories(d / "state");
    write_file(d / "power", options_.power_on ? "1\n" : "0\n");
    write_file(d / "acpi", options_.honours_soft_shutdown ? "honour\n" : "ignore\n");
    write_file(d / "actions", "");
    write_file(d / "chassis.sh", chassis_script(d));
    fs::permissions(d / "chassis.sh", fs::perms::owner_all);
    // One LAN channel on loopback; IPMI 1.5 auth types listed for ipmitool's
    // sake, RMCP+ is always on. User 2 is the admin the tests log in as.
    write_file(d / "lan.conf",
               "name \"simbmc\"\n"
               "set_working_mc 0x20\n"
               "  startlan 1\n"
               "    addr 127.0.0.1 " +
                   std::to_string(port_) +
                   "\n"
                   "    priv_limit admin\n"
                   "    allowed_auths_callback none md2 md5 straight\n"
                   "    allowed_auths_user none md2 md5 straight\n"
                   "    allowed_auths_operator none md2 md5 straight\n"
                   "    allowed_auths_admin none md2 md5 straight\n"
                   "    guid a123456789abcdefa123456789abcd01\n"
                   "  endlan\n"
                   "  chassis_control \"" +
                   (d / "chassis.sh").string() +
                   " 0x20\"\n"
                   "  user 2 true \"" +
                   options_.user + "\" \"" + options_.password +
                   "\" admin 10 none md2 md5 straight\n");
    // A BMC at IPMB address 0x20 with no SDRs: enough for chassis commands.
    write_file(d / "bmc.emu",
               "mc_setbmc 0x20\n"
               "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
               "mc_enable 0x20\n");
}

bool SimBmc::start_once(std::string& why) {
    const fs::path& d = dir_.path();
    const std::string prog = program();
    const std::string conf = (d / "lan.conf").string(), emu = (d / "bmc.emu").string(),
                      state = (d / "state").string(), log = (d / "ipmi_sim.log").string();
    std::vector<char*> argv{const_cast<char*>(prog.c_str()),
                            const_cast<char*>("-c"),
                            const_cast<char*>(conf.c_str()),
                            const_cast<char*>("-f"),
                            const_cast<char*>(emu.c_str()),
                            const_cast<char*>("-s"),
                            const_cast<char*>(state.c_str()),
                            const_cast<char*>("-n"),
                            nullptr};
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open " + log + " or /dev/null");
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec: the test is threaded.
        ::setpgid(0, 0);  // its own group: stop() kills it and its chassis scripts
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execv(prog.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(log_fd);
    ::close(null_fd);
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    ::setpgid(pid, pid);  // also from this side, so stop() never races the child's own call
    pid_ = pid;

    const auto deadline = Clock::now() + kStartTimeout;
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            why =
                "ipmi_sim exited at start; its output: " + cc::test::read_file(d / "ipmi_sim.log");
            return false;
        }
        if (udp_sockets_on(port_) > 1) {
            why = "UDP port " + std::to_string(port_) + " taken by another process";
            return false;
        }
        if (answers(port_, options_.user, options_.password)) {
            if (udp_sockets_on(port_) > 1) {
                why = "UDP port " + std::to_string(port_) + " taken by another process";
                return false;
            }
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    why = "no answer on 127.0.0.1:" + std::to_string(port_) + " within " +
          std::to_string(kStartTimeout.count()) +
          " s; its output: " + cc::test::read_file(d / "ipmi_sim.log");
    return false;
}

void SimBmc::stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() >= deadline) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

std::string SimBmc::power_state() const {
    const std::string text = cc::test::read_file(dir_.path() / "power");
    return text.rfind('1', 0) == 0 ? "on" : "off";
}

void SimBmc::set_power_state(bool on) {
    write_file(dir_.path() / "power", on ? "1\n" : "0\n");
}

std::vector<std::string> SimBmc::actions() const {
    std::vector<std::string> out;
    std::istringstream in(cc::test::read_file(dir_.path() / "actions"));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

}  // namespace cc::test
