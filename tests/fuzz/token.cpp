// Invitation tokens as pasted by an administrator (daemon/crypto/token.hpp):
// InvalidTokenFormat is the one refusal, and a token that parses encodes
// back to a token with the same name and secret.
#include "daemon/crypto/token.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto text = cc::fuzz::bytes_of(data, size);
    (void)cc::crypto::valid_member_name(text);
    cc::crypto::ParsedToken t;
    try {
        t = cc::crypto::parse_token(text);
    } catch (const cc::crypto::InvalidTokenFormat&) {
        return 0;
    }
    auto again = cc::crypto::parse_token(cc::crypto::encode_token(t.name, t.secret));
    if (again.name != t.name || again.secret != t.secret) __builtin_trap();
    return 0;
}
