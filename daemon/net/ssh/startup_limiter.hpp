// Admission of incoming SSH connections before they authenticate, in the
// manner of OpenSSH's MaxStartups: a flood of idle or garbage connections to
// the collective port is turned away at accept time (no thread, no libssh
// session), and a member still gets in while it lasts.
//
// Rules, checked in this order when a connection is accepted:
//   - at most `max_connections` connections in all (threads), authenticated
//     or not;
//   - at most `max_unauthenticated_per_source` unauthenticated connections
//     from one source address, whoever it is;
//   - at most `max_unauthenticated` unauthenticated connections from sources
//     that are not member addresses. Member addresses (set_member_sources:
//     those recorded in cfg/collective plus those members were last seen
//     connecting from) bypass this global limit, and the room between it and
//     `max_connections` can only be filled by member addresses or by
//     authenticated (pinned-key) connections: a flood from anywhere else
//     never takes it.
// A Slot is held for the connection's life; authenticated() moves it out of
// the unauthenticated counts (per source and global); its destructor frees
// it (close, refusal, or the pre-authentication deadline).
//
// Threading: thread-safe (one mutex; admit and release are O(log n)).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace cc::ssh {

struct StartupLimits {
    size_t max_connections = 1024;
    size_t max_unauthenticated = 64;
    size_t max_unauthenticated_per_source = 8;
};

enum class Admission { Admitted, TooManyConnections, TooManyFromSource, TooManyUnauthenticated };
const char* admission_text(Admission a);

class StartupLimiter {
  public:
    class Slot {
      public:
        Slot() = default;
        Slot(Slot&& other) noexcept;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot();
        bool held() const { return owner_ != nullptr; }
        // The peer proved a pinned (or, for a join, an invited) key; idempotent.
        void authenticated();
        // Frees the slot now; idempotent.
        void release();

      private:
        friend class StartupLimiter;
        StartupLimiter* owner_ = nullptr;
        std::string source_;
        bool member_source_ = false;
        bool authenticated_ = false;
    };

    explicit StartupLimiter(StartupLimits limits);
    StartupLimiter(const StartupLimiter&) = delete;
    StartupLimiter& operator=(const StartupLimiter&) = delete;

    // `source` is the peer's IP address as normalize_ip() gives it. On
    // refusal `slot` is left empty and the reason returned.
    Admission admit(const std::string& source, Slot& slot);

    // Replaces the member addresses (normalized IPs). Connections already
    // admitted keep the class they were admitted under.
    void set_member_sources(std::set<std::string> sources);

    struct Counts {
        size_t total = 0;
        size_t unauthenticated = 0;         // all sources
        size_t unauthenticated_others = 0;  // sources that are not member addresses
    };
    Counts counts() const;
    size_t unauthenticated_from(const std::string& source) const;
    const StartupLimits& limits() const { return limits_; }

  private:
    void on_authenticated(Slot& s);
    void on_release(Slot& s);

    const StartupLimits limits_;
    mutable std::mutex mu_;
    std::set<std::string> members_;             // guarded by mu_
    std::map<std::string, size_t> per_source_;  // unauthenticated; guarded by mu_
    Counts counts_;                             // guarded by mu_
};

// The canonical text of an IP literal ("127.0.0.10", "::1"; an IPv4-mapped
// IPv6 address becomes its IPv4 form); empty when `host` is no IP literal.
std::string normalize_ip(const std::string& host);

}  // namespace cc::ssh
