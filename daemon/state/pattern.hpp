// Internal: the regular expressions of noderanges (`/regex`, `attr=~regex`),
// RE2 syntax (Perl and Python's, without backreferences and lookaround). RE2
// runs in time linear in the text whatever the pattern, so a hostile pattern
// (`(a|a)*b`) cannot hold the daemon thread: std::regex backtracked, and the
// noderange fuzzer found inputs that ran for minutes.
// Threading: a Pattern is immutable after construction.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace cc::state {

struct PatternError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Pattern {
  public:
    // Raises PatternError("bad regular expression 'x'").
    explicit Pattern(const std::string& pattern);
    ~Pattern();
    Pattern(Pattern&&) noexcept;
    // True when the pattern matches somewhere in `s`.
    bool search(const std::string& s) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::state
