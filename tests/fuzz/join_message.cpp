// The join exchange (proto/peer.hpp): Hello, then JoinMessage frames, on a
// channel open to unknown keys while an invitation is pending.
#include "proto/peer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto in = cc::fuzz::bytes_of(data, size);
    cc::fuzz::decode_and_round_trip<proto::JoinMessage>(in);
    try {
        auto theirs = proto::from_bytes<proto::Hello>(in);
        proto::Hello ours;
        (void)proto::negotiate_version(ours, theirs);
        (void)proto::version_refusal(ours, theirs);
        cc::fuzz::check_round_trip(theirs);
    } catch (const proto::DecodeError&) {
    }
    return 0;
}
