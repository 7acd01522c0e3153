#include "daemon/state/pattern.hpp"

#include <regex>

namespace cc::state {

struct Pattern::Impl {
    std::regex re;
};

Pattern::Pattern(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
    try {
        impl_->re = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        throw PatternError("bad regular expression '" + pattern + "'");
    }
}

Pattern::~Pattern() = default;
Pattern::Pattern(Pattern&&) noexcept = default;

bool Pattern::search(const std::string& s) const {
    try {
        return std::regex_search(s, impl_->re);
    } catch (const std::regex_error&) {
        throw PatternError("regular expression too complex to evaluate");
    }
}

}  // namespace cc::state
