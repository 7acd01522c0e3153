#include "tests/collective/flooder.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace cc::ct {

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
    int fd = -1;
    bool connected = false;
    bool garbage = false;
    Clock::time_point started, connected_at;
    std::string label;  // "target <- source"
    size_t received = 0;
};

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

int open_one(const Flooder::Target& t, const std::string& source) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(t.port);
    ::inet_pton(AF_INET, t.ip.c_str(), &to.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

Flooder::Flooder(std::vector<Target> targets, unsigned first_source, unsigned sources,
                 size_t concurrent, size_t per_second)
    : targets_(std::move(targets)),
      first_source_(first_source),
      sources_(sources),
      concurrent_(concurrent),
      per_second_(per_second),
      thread_([this] { loop(); }) {}

Flooder::~Flooder() {
    stop();
}

FloodStats Flooder::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return stats_;
}

void Flooder::loop() {
    std::vector<Conn> conns;
    uint64_t next = 0;
    auto budget_start = Clock::now();
    uint64_t opened_in_budget = 0;
    const char garbage[] = "GET / HTTP/1.0\r\nHost: flood\r\n\r\n\x01\x02\x03 not ssh at all\r\n";
    while (!stop_) {
        auto now = Clock::now();
        if (now - budget_start >= std::chrono::seconds(1)) {
            budget_start = now;
            opened_in_budget = 0;
        }
        // Spread over the second: at most a twentieth of it per turn.
        for (size_t turn = 0; conns.size() < concurrent_ && turn < per_second_ / 20 + 1 &&
                              opened_in_budget < per_second_;
             ++turn) {
            const Target& t = targets_[next % targets_.size()];
            std::string source = "127.0.0." + std::to_string(first_source_ + next % sources_);
            ++next;
            ++opened_in_budget;
            int fd = open_one(t, source);
            if (fd < 0) break;  // out of descriptors or ports: try again later
            conns.push_back({fd, false, next % 2 == 0, now, {}, t.ip + " <- " + source, 0});
        }
        std::vector<pollfd> fds;
        fds.reserve(conns.size());
        for (auto& c : conns)
            fds.push_back({c.fd, static_cast<short>(c.connected ? POLLIN : POLLOUT), 0});
        ::poll(fds.data(), fds.size(), 50);
        now = Clock::now();
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn& c = conns[i];
            short ev = fds[i].revents;
            if (ev == 0) continue;
            bool dead = false;
            if (!c.connected) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    ++stats_.refused;
                    dead = true;
                } else {
                    c.connected = true;
                    c.connected_at = now;
                    ++stats_.connected;
                    if (c.garbage) [[maybe_unused]]
                        auto n = ::send(c.fd, garbage, sizeof garbage - 1, MSG_NOSIGNAL);
                }
            } else {
                char buf[4096];
                ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
                if (n > 0) c.received += static_cast<size_t>(n);
                if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
                    ++stats_.closed_by_server;
                    stats_.longest_life_s =
                        std::max(stats_.longest_life_s, seconds(now - c.connected_at));
                    dead = true;
                }
            }
            if (dead) {
                ::close(c.fd);
                c.fd = -1;
            }
        }
        conns.erase(
            std::remove_if(conns.begin(), conns.end(), [](const Conn& c) { return c.fd < 0; }),
            conns.end());
    }
    auto now = Clock::now();
    stats_.open_now = conns.size();
    for (auto& c : conns) {
        if (c.connected && seconds(now - c.connected_at) > stats_.oldest_open_s) {
            stats_.oldest_open_s = seconds(now - c.connected_at);
            stats_.oldest_open = c.label + (c.garbage ? ", garbage, " : ", idle, ") +
                                 std::to_string(c.received) + " bytes received";
        }
        ::close(c.fd);
    }
}

size_t raise_nofile(size_t want) {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
    if (r.rlim_cur < want) {
        r.rlim_cur = std::min<rlim_t>(want, r.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &r);
        ::getrlimit(RLIMIT_NOFILE, &r);
    }
    return r.rlim_cur;
}

}  // namespace cc::ct
