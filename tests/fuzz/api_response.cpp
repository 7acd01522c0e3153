// What the tools read back from the daemon on api.sock (proto/api.hpp).
#include "proto/api.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cc::fuzz::decode_and_round_trip<proto::ApiResponse>(cc::fuzz::bytes_of(data, size));
    return 0;
}
