// confluentd tells systemd (Type=notify, etc/confluentd.service) READY=1 once
// its API answers and STOPPING=1 when SIGTERM starts a stop: a real daemon,
// a NOTIFY_SOCKET datagram socket this test binds, as systemd does.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tests/integration/harness.hpp"

namespace {

// A bound unix datagram socket, the service manager's end.
class NotifyListener {
  public:
    // `name` starting with '@': the abstract namespace, as systemd may use.
    explicit NotifyListener(const std::string& name) : name_(name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(fd_, 0) << std::strerror(errno);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, name.data(), name.size());
        if (name[0] == '@') addr.sun_path[0] = '\0';
        auto len = socklen_t(offsetof(sockaddr_un, sun_path) + name.size());
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
    }
    ~NotifyListener() {
        if (fd_ >= 0) ::close(fd_);
        if (name_[0] == '/') ::unlink(name_.c_str());
    }
    NotifyListener(const NotifyListener&) = delete;
    NotifyListener& operator=(const NotifyListener&) = delete;

    // The next datagram, or "" when none came within the bound.
    std::string next(int bound_ms = 10000) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, bound_ms) != 1) return "";
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, size_t(n)) : "";
    }

  private:
    std::string name_;
    int fd_ = -1;
};

void expect_ready_then_stopping(cc::it::Member& m, NotifyListener& listener) {
    m.start();
    EXPECT_EQ(listener.next(), "READY=1");
    // Ready means the tools work now.
    auto r = m.cli("nodelist", {});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(m.stop(), 0);
    EXPECT_EQ(listener.next(), "STOPPING=1");
    EXPECT_EQ(listener.next(200), "") << "one READY=1 and one STOPPING=1 only";
}

TEST(SdNotify, aPathSocketGetsReadyOnceTheApiAnswersThenStopping) {
    cc::it::Member m;
    const std::string path = (m.root / "notify.sock").string();
    NotifyListener listener(path);
    m.daemon_env = {"NOTIFY_SOCKET=" + path};
    expect_ready_then_stopping(m, listener);
}

TEST(SdNotify, anAbstractSocketGetsThemToo) {
    cc::it::Member m;
    const std::string name = "@cc-notify-test-" + std::to_string(::getpid());
    NotifyListener listener(name);
    m.daemon_env = {"NOTIFY_SOCKET=" + name};
    expect_ready_then_stopping(m, listener);
}

TEST(SdNotify, withoutNotifySocketTheDaemonStillStartsAndStops) {
    cc::it::Member m;
    m.start();
    EXPECT_EQ(m.cli("nodelist", {}).status, 0);
    EXPECT_EQ(m.stop(), 0);
}

}  // namespace
