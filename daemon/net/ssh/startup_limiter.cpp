#include "daemon/net/ssh/startup_limiter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <utility>

namespace cc::ssh {

const char* admission_text(Admission a) {
    switch (a) {
        case Admission::Admitted:
            return "admitted";
        case Admission::TooManyConnections:
            return "too many connections in all";
        case Admission::TooManyFromSource:
            return "too many unauthenticated connections from that address";
        case Admission::TooManyUnauthenticated:
            return "too many unauthenticated connections";
    }
    return "refused";
}

StartupLimiter::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      source_(std::move(other.source_)),
      member_source_(other.member_source_),
      authenticated_(other.authenticated_) {}

StartupLimiter::Slot& StartupLimiter::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        source_ = std::move(other.source_);
        member_source_ = other.member_source_;
        authenticated_ = other.authenticated_;
    }
    return *this;
}

StartupLimiter::Slot::~Slot() {
    release();
}

void StartupLimiter::Slot::authenticated() {
    if (owner_ != nullptr && !authenticated_) owner_->on_authenticated(*this);
}

void StartupLimiter::Slot::release() {
    if (owner_ == nullptr) return;
    owner_->on_release(*this);
    owner_ = nullptr;
}

StartupLimiter::StartupLimiter(StartupLimits limits) : limits_(limits) {}

Admission StartupLimiter::admit(const std::string& source, Slot& slot) {
    slot.release();
    std::lock_guard lock(mu_);
    if (counts_.total >= limits_.max_connections) return Admission::TooManyConnections;
    auto it = per_source_.find(source);
    size_t from_source = it == per_source_.end() ? 0 : it->second;
    if (from_source >= limits_.max_unauthenticated_per_source) return Admission::TooManyFromSource;
    bool member = members_.count(source) != 0;
    if (!member && counts_.unauthenticated_others >= limits_.max_unauthenticated)
        return Admission::TooManyUnauthenticated;
    ++per_source_[source];
    ++counts_.total;
    ++counts_.unauthenticated;
    if (!member) ++counts_.unauthenticated_others;
    slot.owner_ = this;
    slot.source_ = source;
    slot.member_source_ = member;
    slot.authenticated_ = false;
    return Admission::Admitted;
}

void StartupLimiter::set_member_sources(std::set<std::string> sources) {
    std::lock_guard lock(mu_);
    members_ = std::move(sources);
}

StartupLimiter::Counts StartupLimiter::counts() const {
    std::lock_guard lock(mu_);
    return counts_;
}

size_t StartupLimiter::unauthenticated_from(const std::string& source) const {
    std::lock_guard lock(mu_);
    auto it = per_source_.find(source);
    return it == per_source_.end() ? 0 : it->second;
}

// Under mu_: leaves the unauthenticated counts (not the total).
static void drop_unauthenticated(std::map<std::string, size_t>& per_source,
                                 StartupLimiter::Counts& counts, const std::string& source,
                                 bool member) {
    auto it = per_source.find(source);
    if (it != per_source.end() && --it->second == 0) per_source.erase(it);
    --counts.unauthenticated;
    if (!member) --counts.unauthenticated_others;
}

void StartupLimiter::on_authenticated(Slot& s) {
    std::lock_guard lock(mu_);
    drop_unauthenticated(per_source_, counts_, s.source_, s.member_source_);
    s.authenticated_ = true;
}

void StartupLimiter::on_release(Slot& s) {
    std::lock_guard lock(mu_);
    if (!s.authenticated_) drop_unauthenticated(per_source_, counts_, s.source_, s.member_source_);
    --counts_.total;
}

std::string normalize_ip(const std::string& host) {
    char text[INET6_ADDRSTRLEN] = {};
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        ::inet_ntop(AF_INET, &v4, text, sizeof text);
        return text;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return {};
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(&v4, v6.s6_addr + 12, 4);
        ::inet_ntop(AF_INET, &v4, text, sizeof text);
        return text;
    }
    ::inet_ntop(AF_INET6, &v6, text, sizeof text);
    return text;
}

}  // namespace cc::ssh
