// A hosts file of the test's own: the test process moves into a mount
// namespace of its own and bind-mounts `file` over /etc/hosts, so that it and
// every process it starts from then on (daemons, tools, sshd) resolve the
// names in it while the rest of the machine sees nothing. Needs root
// (CAP_SYS_ADMIN). Only for a test binary whose every test does this.
#pragma once

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace cc::ct {

// Empty string on success, else why the private hosts file is unavailable.
inline std::string private_hosts(const std::filesystem::path& file) {
    if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare: ") + std::strerror(errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return std::string("mount private: ") + std::strerror(errno);
    if (::mount(file.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0)
        return std::string("bind /etc/hosts: ") + std::strerror(errno);
    return {};
}

}  // namespace cc::ct
