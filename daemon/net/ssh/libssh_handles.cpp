#include "daemon/net/ssh/libssh_handles.hpp"

#include <arpa/inet.h>
#include <botan/base64.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>

namespace cc::ssh::detail {

std::string key_blob(ssh_key key) {
    char* b64 = nullptr;
    if (key == nullptr || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || b64 == nullptr) {
        return {};
    }
    std::string text(b64);
    ssh_string_free_char(b64);
    try {
        auto bytes = Botan::base64_decode(text);
        return std::string(bytes.begin(), bytes.end());
    } catch (const std::exception&) {
        return {};
    }
}

KeyPtr import_private_key(const std::string& pem) {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_base64(pem.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
        throw std::runtime_error("libssh cannot load the member key; check privkey.pem");
    }
    return KeyPtr(key);
}

std::string peer_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
    char host[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    return "unknown";
}

std::string error_text(ssh_session session) {
    const char* e = session != nullptr ? ssh_get_error(session) : nullptr;
    return e != nullptr && *e != '\0' ? std::string(e) : std::string("connection lost");
}

}  // namespace cc::ssh::detail
