// RAII owners for libssh objects and small helpers around them. Internal to
// cc_ssh: nothing outside this folder includes libssh.
#pragma once

#include <libssh/libssh.h>
#include <libssh/server.h>

#include <memory>
#include <string>

namespace cc::ssh::detail {

struct SessionFree {
    void operator()(ssh_session s) const { ssh_free(s); }
};
struct BindFree {
    void operator()(ssh_bind b) const { ssh_bind_free(b); }
};
struct KeyFree {
    void operator()(ssh_key k) const { ssh_key_free(k); }
};
struct ChannelFree {
    void operator()(ssh_channel c) const { ssh_channel_free(c); }
};
struct EventFree {
    void operator()(ssh_event e) const { ssh_event_free(e); }
};

using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;
using BindPtr = std::unique_ptr<ssh_bind_struct, BindFree>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelFree>;
using EventPtr = std::unique_ptr<ssh_event_struct, EventFree>;

// The SSH wire-format blob of a public key; empty when libssh cannot export it.
std::string key_blob(ssh_key key);

// Our private key as a libssh key (imported from its PEM); throws
// std::runtime_error when libssh cannot load it.
KeyPtr import_private_key(const std::string& pem);

// "ip:port" of the peer of a connected socket; "unknown" when unavailable.
std::string peer_address(int fd);

// The last libssh error of a session, for log lines.
std::string error_text(ssh_session session);

}  // namespace cc::ssh::detail
