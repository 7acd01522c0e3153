#include "daemon/util/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "proto/printable.hpp"

namespace cc::log {
namespace {
std::mutex g_mu;
Level g_min = Level::Info;
std::string g_member;

const char* name(Level l) {
    switch (l) {
        case Level::Debug:
            return "DEBUG";
        case Level::Info:
            return "INFO ";
        case Level::Warn:
            return "WARN ";
        case Level::Error:
            return "ERROR";
    }
    return "?";
}
}  // namespace

void set_level(Level min) {
    std::lock_guard lk(g_mu);
    g_min = min;
}

void set_member(std::string member) {
    std::lock_guard lk(g_mu);
    g_member = std::move(member);
}

void write(Level level, std::string_view raw) {
    // Messages carry names and reasons from peers and clients: one line,
    // no control characters, whatever they hold.
    const std::string message = proto::printable(raw);
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::lock_guard lk(g_mu);
    if (level < g_min) return;
    std::fprintf(stderr, "%s.%03dZ %s %s%s%s%.*s\n", stamp, static_cast<int>(ms.count()),
                 name(level), g_member.empty() ? "" : "[", g_member.c_str(),
                 g_member.empty() ? "" : "] ", static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

}  // namespace cc::log
