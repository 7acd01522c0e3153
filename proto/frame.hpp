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
// Linear in the bytes fed: popping a frame only moves a read offset, and the
// consumed prefix is dropped once it is at least as long as what is left, so
// each byte is moved O(1) times however many small frames arrive at once.
class FrameReader {
  public:
    explicit FrameReader(uint32_t max_bytes = kMaxFrameBytes) : max_(max_bytes) {}
    void feed(std::string_view bytes) {
        if (pos_ > 0 && pos_ >= buf_.size() - pos_) {
            buf_.erase(0, pos_);
            pos_ = 0;
        }
        buf_.append(bytes);
    }
    // Returns the next complete payload, nothing if more bytes are needed;
    // throws DecodeError when the announced length exceeds the limit.
    std::optional<std::string> next() {
        if (buffered() < 4) return std::nullopt;
        Reader r(std::string_view(buf_).substr(pos_, 4));
        uint32_t n = r.fixed32();
        if (n > max_) throw DecodeError("frame of " + std::to_string(n) + " bytes exceeds limit");
        if (buffered() < 4 + size_t(n)) return std::nullopt;
        std::string payload = buf_.substr(pos_ + 4, n);
        pos_ += 4 + size_t(n);
        if (pos_ == buf_.size()) {
            buf_.clear();
            pos_ = 0;
        }
        return payload;
    }
    size_t buffered() const { return buf_.size() - pos_; }

  private:
    uint32_t max_;
    std::string buf_;
    size_t pos_ = 0;  // start of the first byte not yet popped
};

}  // namespace proto
