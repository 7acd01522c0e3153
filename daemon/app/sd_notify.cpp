#include "daemon/app/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/util/log.hpp"

namespace cc::app {

bool notify_service_manager(std::string_view state) {
    const char* where = std::getenv("NOTIFY_SOCKET");
    if (where == nullptr || where[0] == '\0') return true;
    std::string path(where);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if ((path[0] != '/' && path[0] != '@') || path.size() >= sizeof(addr.sun_path)) {
        cc::log::warn("NOTIFY_SOCKET=", path, " is not a socket path; not telling systemd ", state);
        return false;
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
    socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + path.size());
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        cc::log::warn("cannot tell systemd ", state, ": socket: ", std::strerror(errno));
        return false;
    }
    ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                            reinterpret_cast<sockaddr*>(&addr), len);
    int err = errno;
    ::close(fd);
    if (sent != ssize_t(state.size())) {
        cc::log::warn("cannot tell systemd ", state, " through ", path, ": ",
                      sent < 0 ? std::strerror(err) : "short send");
        return false;
    }
    return true;
}

}  // namespace cc::app
