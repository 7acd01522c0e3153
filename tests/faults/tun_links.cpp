#include "tests/faults/tun_links.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tests/faults/netns.hpp"

namespace cc::faults {

namespace {

using Clock = LinkEmulator::Clock;

std::string sys_error(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// Creates TUN device `name` in the namespace at `ns_path` and returns its fd.
// The device belongs to the namespace the opening thread is in, so a
// short-lived thread enters the namespace; the test's threads stay put.
int open_tun(const std::string& ns_path, const std::string& name) {
    if (name.size() >= IFNAMSIZ) throw std::invalid_argument("device name too long: " + name);
    int fd = -1;
    std::string error;
    bool no_tun = false;
    std::thread t([&] {
        int ns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
            error = sys_error("cannot enter " + ns_path);
            if (ns >= 0) ::close(ns);
            return;
        }
        ::close(ns);
        fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            error = sys_error("cannot open /dev/net/tun");
            no_tun = true;
            return;
        }
        ifreq ifr{};
        ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
        std::memcpy(ifr.ifr_name, name.c_str(), name.size());
        if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
            error = sys_error("cannot create TUN device " + name + " in " + ns_path);
            ::close(fd);
            fd = -1;
        }
    });
    t.join();
    if (no_tun) throw NetUnavailable(error);
    if (fd < 0) throw std::runtime_error(error);
    return fd;
}

}  // namespace

TunLinks::TunLinks(const std::vector<std::string>& netns_paths, std::vector<uint32_t> addresses,
                   const std::string& device, uint64_t seed)
    : emulator_(std::move(addresses), seed) {
    try {
        for (const auto& ns : netns_paths) tuns_.push_back(open_tun(ns, device));
        wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake_ < 0) throw std::runtime_error(sys_error("eventfd failed"));
        forwarder_ = std::thread([this] { forward(); });
    } catch (...) {
        close_all();
        throw;
    }
}

TunLinks::~TunLinks() {
    stop_ = true;
    uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    forwarder_.join();
    close_all();
}

void TunLinks::close_all() {
    for (int fd : tuns_) ::close(fd);
    tuns_.clear();
    if (wake_ >= 0) ::close(wake_);
    wake_ = -1;
}

void TunLinks::set_fault(size_t member, LinkFault fault) {
    std::lock_guard lock(mu_);
    emulator_.set_fault(member, fault);
}

LinkStats TunLinks::stats() const {
    std::lock_guard lock(mu_);
    return emulator_.stats();
}

void TunLinks::forward() {
    std::vector<pollfd> fds;
    for (int fd : tuns_) fds.push_back({fd, POLLIN, 0});
    fds.push_back({wake_, POLLIN, 0});
    // Larger than any packet a TUN device without GSO offloads hands out.
    std::vector<unsigned char> buffer(65536);
    while (!stop_) {
        std::optional<Clock::time_point> due;
        {
            std::lock_guard lock(mu_);
            due = emulator_.next_due();
        }
        timespec wait{};
        if (due) {
            auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*due - Clock::now());
            if (ns.count() > 0) {
                wait.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
                wait.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
            }
        }
        if (::ppoll(fds.data(), fds.size(), due ? &wait : nullptr, nullptr) < 0 && errno != EINTR)
            throw std::logic_error(sys_error("ppoll on TUN devices failed"));
        for (size_t i = 0; i < tuns_.size(); ++i)
            if (fds[i].revents & POLLIN) read_from(i, buffer);
        deliver_due();
    }
}

void TunLinks::read_from(size_t member, std::vector<unsigned char>& buffer) {
    // A bounded batch, so one busy member cannot starve the others.
    for (int batch = 0; batch < 64; ++batch) {
        ssize_t n = ::read(tuns_[member], buffer.data(), buffer.size());
        if (n <= 0) return;  // EAGAIN: drained
        LinkEmulator::Packet packet(buffer.begin(), buffer.begin() + n);
        std::lock_guard lock(mu_);
        emulator_.accept(member, std::move(packet), Clock::now());
    }
}

void TunLinks::deliver_due() {
    std::vector<LinkEmulator::Delivery> due;
    {
        std::lock_guard lock(mu_);
        due = emulator_.release(Clock::now());
    }
    // A write the destination cannot take is a packet lost on the wire;
    // TCP recovers it like any other loss.
    for (const auto& d : due) (void)!::write(tuns_[d.to], d.packet.data(), d.packet.size());
}

}  // namespace cc::faults
