// The noderange language (daemon/state/noderange.hpp) as users and peers
// send it: name expansion (nodedefine) and evaluation against a small node
// database. NoderangeError is the one expected refusal.
#include "daemon/state/database.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

const cc::state::Database& database() {
    static const cc::state::Database db = [] {
        cc::state::Database d;
        d.apply(proto::DefineNodes{"n[1-12]", {{"groups", "rack1"}, {"ip", "10.0.0.1"}}}, 1);
        d.apply(proto::DefineNodes{"r2n[01-04]", {{"groups", "rack2,gpu"}}}, 2);
        d.apply(proto::DefineGroup{"rack1", {{"collective.manager", "mgt1"}}}, 3);
        return d;
    }();
    return db;
}

// An upper estimate of how many names `text` expands to: the product of
// the spans of every pair of numbers around '-', ':' or '..'. Large expansions
// are skipped: the documented bound (kMaxNoderangeNames, 1,000,000 names)
// takes ~3 s in a release build but over a minute under ASan, which
// libFuzzer reports as a timeout; NoderangeTest covers the bound itself.
double estimated_names(std::string_view text) {
    double product = 1;
    double prev = -1;
    bool after_dash = false;
    for (size_t i = 0; i < text.size();) {
        if (text[i] >= '0' && text[i] <= '9') {
            double v = 0;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9')
                v = v * 10 + (text[i++] - '0');
            if (after_dash && prev >= 0) product *= (v > prev ? v - prev : prev - v) + 1;
            prev = v;
            after_dash = false;
            continue;
        }
        // Kept across letters: "n1-n20" is a range too, and so is "0..65".
        if (text[i] == '-' || text[i] == ':' || text[i] == '.') after_dash = true;
        ++i;
    }
    return product;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto text = cc::fuzz::bytes_of(data, size);
    if (estimated_names(text) > 20000) return 0;
    try {
        (void)cc::state::Database::expand_names(text);
    } catch (const cc::state::NoderangeError&) {
    }
    try {
        (void)database().expand(text);
    } catch (const cc::state::NoderangeError&) {
    }
    return 0;
}
