// A collective of real confluentd processes on loopback for tests: member i
// is named mgt<i+1>, listens on its own 127.0.R.N (R drawn at random per
// cluster, N = 10 + i, so parallel runs rarely meet) at the default port, and
// advertises that address. Members start as lone servers without a key, as freshly installed.
//
// Threading: one test thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace cc::ct {

using namespace std::chrono_literals;
using it::CmdResult;

class Cluster {
  public:
    explicit Cluster(size_t members);

    it::Member& operator[](size_t i) { return *members_.at(i); }
    // "127.0.0.N" of member i (what `collective join` takes).
    std::string address(size_t i) const;
    size_t size() const { return members_.size(); }
    // Member i listens on `address` from its next start, and advertises it
    // unless `advertise` is false (then the listen address is its address).
    void move(size_t i, const std::string& address, bool advertise = true);

    void start(size_t i) { members_.at(i)->start(); }
    void start_all();

    // A tool that must succeed: its stdout (stderr must be empty).
    std::string ok(size_t i, const std::string& tool, const std::vector<std::string>& args);
    // A tool that must fail with exit `status` (1: bad input; the table in
    // proto/outcome.hpp), nothing on stdout, one line on stderr: that line
    // without its newline.
    std::string fails(size_t i, const std::string& tool, const std::vector<std::string>& args,
                      int status = 1);
    CmdResult run(size_t i, const std::string& tool, const std::vector<std::string>& args) {
        return members_.at(i)->cli(tool, args);
    }

    // invite on `inviter`, join on `joiner` through `via` (default: the
    // inviter); returns the join's stdout.
    std::string invite_and_join(size_t inviter, size_t joiner, bool nonvoting = false);

    // Polls `collective show` on member i until it prints `expected`; the
    // last output when the bound passes.
    std::string show_until(size_t i, const std::string& expected,
                           std::chrono::milliseconds bound = 15s);
    // Runs `tool args` on member i until its stdout is `expected`, or
    // satisfies `done`; the last stdout when the bound passes.
    std::string out_until(size_t i, const std::string& tool, const std::vector<std::string>& args,
                          const std::string& expected, std::chrono::milliseconds bound = 10s);
    std::string out_until(size_t i, const std::string& tool, const std::vector<std::string>& args,
                          const std::function<bool(const std::string&)>& done,
                          std::chrono::milliseconds bound = 10s);

  private:
    // Holds a lock file for the cluster's loopback /24 while it lives, so
    // that two test processes never use the same addresses. Declared before
    // members_: released only after the daemons are gone.
    struct SubnetLock {
        SubnetLock();
        ~SubnetLock();
        SubnetLock(const SubnetLock&) = delete;
        SubnetLock& operator=(const SubnetLock&) = delete;
        unsigned subnet = 0;
        int fd = -1;
    };
    SubnetLock subnet_;
    std::vector<std::unique_ptr<it::Member>> members_;
    std::vector<std::string> addresses_;
};

// The token in `collective invite`'s output (its first line).
inline std::string token_of(const std::string& out) {
    return out.substr(0, out.find('\n'));
}

// A token with one bit of its secret flipped (same name, same length).
inline std::string altered(std::string token) {
    char& ch = token[token.size() - 5];
    ch = ch == 'A' ? 'B' : 'A';
    return token;
}

}  // namespace cc::ct
