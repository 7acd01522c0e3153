#include "daemon/state/database.hpp"

namespace cc::state {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Locale-free on purpose: the order must be the same on every member.
char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Compares two digit runs as numbers without converting (runs may be long).
int compare_numbers(std::string_view a, std::string_view b) {
    auto strip = [](std::string_view s) {
        while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
        return s;
    };
    a = strip(a);
    b = strip(b);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string_view run(std::string_view s, size_t& pos) {
    size_t start = pos;
    bool digits = is_digit(s[pos]);
    while (pos < s.size() && is_digit(s[pos]) == digits) ++pos;
    return s.substr(start, pos - start);
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        bool da = is_digit(a[i]), db = is_digit(b[j]);
        auto ra = run(a, i);
        auto rb = run(b, j);
        if (da && db) {
            if (int c = compare_numbers(ra, rb)) return c < 0;
        } else if (da != db) {
            return da;  // confluent: numbers sort before text
        } else {
            for (size_t k = 0; k < ra.size() && k < rb.size(); ++k) {
                char ca = ascii_lower(ra[k]), cb = ascii_lower(rb[k]);
                if (ca != cb) return ca < cb;
            }
            if (ra.size() != rb.size()) return ra.size() < rb.size();
        }
    }
    if ((i < a.size()) != (j < b.size())) return j < b.size();
    return a < b;
}

}  // namespace cc::state
