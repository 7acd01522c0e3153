// One check macro family for our own bugs (docs/ARCHITECTURE.md, errors).
//
// Our own bugs abort loudly: a broken contract between our own parts (a
// caller passing an out-of-range index, an invariant of the consensus core
// not holding) is never "handled", it stops the process with the condition,
// the location and a message, and leaves a core dump. Hostile or garbled
// input (peer frames, API requests, files on disk) and failing system calls
// are not our bugs: they are rejected with an exception or a value, never a
// check.
//
//   CC_CHECK(cond, ...)  always on (Release too). When `cond` is false,
//                        writes one line to stderr and aborts:
//                          confluentd: internal check failed: <cond> at <file>:<line>: <message>
//                        The message is the optional further arguments
//                        streamed together (operator<<); they are evaluated
//                        only on failure.
//   CC_BUG(...)          the same for a path that must be unreachable: aborts
//                        unconditionally (`<cond>` reads "unreachable").
//
// Header-only and std-only: the pure consensus core (daemon/raft) includes it,
// so it must not pull in logging or any library.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace cc::detail {

template <class... A>
std::string check_message(const A&... parts) {
    std::ostringstream s;
    ((s << parts), ...);
    return s.str();
}

[[noreturn]] inline void check_failed(const char* cond, const char* file, int line,
                                      const std::string& message) {
    std::fprintf(stderr, "confluentd: internal check failed: %s at %s:%d%s%s\n", cond, file, line,
                 message.empty() ? "" : ": ", message.c_str());
    std::abort();
}

}  // namespace cc::detail

#define CC_CHECK(cond, ...)                                                       \
    do {                                                                          \
        if (!(cond)) [[unlikely]]                                                 \
            ::cc::detail::check_failed(#cond, __FILE__, __LINE__,                 \
                                       ::cc::detail::check_message(__VA_ARGS__)); \
    } while (0)

#define CC_BUG(...)                                               \
    ::cc::detail::check_failed("unreachable", __FILE__, __LINE__, \
                               ::cc::detail::check_message(__VA_ARGS__))
