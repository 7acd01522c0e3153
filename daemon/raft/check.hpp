// RAFT_CHECK: an always-on check for our own bugs inside the core. A failure
// is a programming error (never bad peer input), so it aborts with the
// condition and location rather than throwing.
#pragma once

#include <cstdio>
#include <cstdlib>

#define RAFT_CHECK(cond)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "raft: internal check failed: %s at %s:%d\n", #cond, __FILE__, \
                         __LINE__);                                                             \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)
