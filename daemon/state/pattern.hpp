// Internal: the regular expressions of noderanges (`/regex`, `attr=~regex`),
// ECMAScript syntax. Kept in one file because <regex> trips a false
// -Wmaybe-uninitialized in GCC 12 under the sanitizers (see CMakeLists.txt).
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
    // True when the pattern matches somewhere in `s`; PatternError when the
    // pattern is too complex to run on it.
    bool search(const std::string& s) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cc::state
