#include "daemon/state/pattern.hpp"

#include <re2/re2.h>

namespace cc::state {

namespace {

// Compiled program memory per pattern; a larger one is refused as too
// complex (RE2's default is 8 MiB; noderange patterns are small).
constexpr int64_t kMaxPatternMemory = 4 << 20;

}  // namespace

struct Pattern::Impl {
    std::unique_ptr<re2::RE2> re;
};

Pattern::Pattern(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kMaxPatternMemory);
    impl_->re = std::make_unique<re2::RE2>(pattern, options);
    if (!impl_->re->ok()) throw PatternError("bad regular expression '" + pattern + "'");
}

Pattern::~Pattern() = default;
Pattern::Pattern(Pattern&&) noexcept = default;

bool Pattern::search(const std::string& s) const {
    return re2::RE2::PartialMatch(s, *impl_->re);
}

}  // namespace cc::state
