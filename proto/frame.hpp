// Framing for byte streams (local API socket, SSH channel between members):
//   [fixed32 little-endian payload length][payload]
// The payload is one proto-encoded value. Frames above the limit are refused
// before any allocation, so a hostile length cannot exhaust memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/codec.hpp"

namespace proto {

// Largest frame either side accepts (snapshot chunks are sized well below it).
inline constexpr uint32_t kMaxFrameBytes = 16u * 1024 * 1024;

inline std::string frame(std::string_view payload) {
    if (payload.size() > kMaxFrameBytes) throw DecodeError("frame too large to send");
    Writer w;
    w.fixed32(static_cast<uint32_t>(payload.size()));
    w.raw(payload);
    return w.take();
}

template <class T>
std::string encode_frame(const T& v) {
    return frame(to_bytes(v));
}

// Incremental frame splitter for a stream: feed bytes, pop whole payloads.
class FrameReader {
  public:
    explicit FrameReader(uint32_t max_bytes = kMaxFrameBytes) : max_(max_bytes) {}
    void feed(std::string_view bytes) { buf_.append(bytes); }
    // Returns the next complete payload, nothing if more bytes are needed;
    // throws DecodeError when the announced length exceeds the limit.
    std::optional<std::string> next() {
        if (buf_.size() < 4) return std::nullopt;
        Reader r(std::string_view(buf_).substr(0, 4));
        uint32_t n = r.fixed32();
        if (n > max_) throw DecodeError("frame of " + std::to_string(n) + " bytes exceeds limit");
        if (buf_.size() < 4 + size_t(n)) return std::nullopt;
        std::string payload = buf_.substr(4, n);
        buf_.erase(0, 4 + size_t(n));
        return payload;
    }
    size_t buffered() const { return buf_.size(); }

  private:
    uint32_t max_;
    std::string buf_;
};

}  // namespace proto
