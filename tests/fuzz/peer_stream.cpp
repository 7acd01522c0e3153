// A member link's byte stream as a connection reads it (daemon/net/ssh):
// frames split by proto::FrameReader, fed in pieces of the sizes the input
// picks, the first payload a Hello and every later one a PeerMessage (empty
// ones are keepalives). Checks that the splitter gives back exactly the
// payloads a one-shot parse of the same bytes finds.
#include <optional>
#include <vector>

#include "proto/frame.hpp"
#include "proto/peer_message.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

// The payloads of `stream` parsed in one go, up to a bad length or the end.
std::vector<std::string> one_shot(std::string_view stream, uint32_t max) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (stream.size() - pos >= 4) {
        proto::Reader r(stream.substr(pos, 4));
        uint32_t n = r.fixed32();
        if (n > max || stream.size() - pos - 4 < n) break;
        out.emplace_back(stream.substr(pos + 4, n));
        pos += 4 + n;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    // The first byte: the piece size, and a small frame limit half the time
    // (the join channel's is smaller than the member channel's).
    size_t piece = 1 + (data[0] & 0x3f);
    uint32_t max = (data[0] & 0x40) ? 64 : proto::kMaxFrameBytes;
    auto stream = cc::fuzz::bytes_of(data + 1, size - 1);

    proto::FrameReader reader(max);
    std::vector<std::string> got;
    bool refused = false;
    for (size_t at = 0; at < stream.size() && !refused; at += piece) {
        reader.feed(stream.substr(at, piece));
        try {
            while (auto p = reader.next()) got.push_back(std::move(*p));
        } catch (const proto::DecodeError&) {
            refused = true;
        }
    }
    auto want = one_shot(stream, max);
    if (got != want) __builtin_trap();

    for (size_t i = 0; i < got.size(); ++i) {
        if (i == 0) {
            cc::fuzz::decode_and_round_trip<proto::Hello>(got[i]);
        } else if (!got[i].empty()) {
            cc::fuzz::decode_and_round_trip<proto::PeerMessage>(got[i]);
        }
    }
    return 0;
}
