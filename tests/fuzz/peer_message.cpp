// Every message on an established member link (proto/peer_message.hpp: the
// consensus family of proto/raft.hpp, LeaderView, NodeRequest/NodeReply).
#include "proto/peer_message.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cc::fuzz::decode_and_round_trip<proto::PeerMessage>(cc::fuzz::bytes_of(data, size));
    return 0;
}
