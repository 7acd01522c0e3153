// One line per event on stderr (journald captures it under systemd):
//   2026-11-25T17:45:16.123Z INFO  [mgt1 term 4] leader elected
// Thread-safe. Never log key material or token secrets; fingerprints only.
// write() passes every message through proto::printable: a name or reason
// from a peer or client can neither end the line nor reach a terminal raw.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace cc::log {

enum class Level { Debug, Info, Warn, Error };

void set_level(Level min);
// Context prefix shown on every line, e.g. the member name ("mgt1").
void set_member(std::string name);
void write(Level level, std::string_view message);

template <class... A>
std::string cat(const A&... parts) {
    std::ostringstream s;
    (s << ... << parts);
    return s.str();
}

template <class... A>
void debug(const A&... p) {
    write(Level::Debug, cat(p...));
}
template <class... A>
void info(const A&... p) {
    write(Level::Info, cat(p...));
}
template <class... A>
void warn(const A&... p) {
    write(Level::Warn, cat(p...));
}
template <class... A>
void error(const A&... p) {
    write(Level::Error, cat(p...));
}

}  // namespace cc::log
