// Runs a shell command for interoperability tests; returns its exit status and stdout.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <string>

namespace cc::test {

struct CommandResult {
    int status = -1;  // exit status, -1 when it did not exit normally
    std::string out;
};

inline CommandResult run_command(const std::string& command) {
    CommandResult r;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    if (WIFEXITED(st)) r.status = WEXITSTATUS(st);
    return r;
}

}  // namespace cc::test
