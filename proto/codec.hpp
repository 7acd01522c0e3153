// The one wire codec of the project, shared by the daemon (peer wire, local API,
// log records) and the CLI tools.
//
// Encoding (all integers little-endian base-128 varints unless noted):
//   unsigned integer  varint
//   signed integer    zigzag varint
//   bool              one byte, 0 or 1 (anything else is a DecodeError)
//   enum              its underlying integer
//   std::string       varint length, then the bytes
//   std::vector<T>    varint count, then each element
//   std::map<K,V>     varint count, then key, value pairs in key order
//   std::optional<T>  bool present, then the value when present
//   std::variant<...> varint alternative index, then the alternative
//   message struct    varint length of the body, then its fields in order
//
// A message struct declares its fields once with CC_PROTO_FIELDS(a, b, c).
// Evolution rule (rolling upgrades): fields are only ever appended. A decoder
// that meets a shorter body leaves the missing trailing fields at their
// defaults; a longer body (written by a newer peer) has its unknown tail
// skipped. Variant alternatives are only ever appended, so an index is a
// stable message type number.
//
// Hostile input never asserts: every bound is checked and a malformed buffer
// raises proto::DecodeError, which callers treat as "drop this peer/request".
//
// Bounds on what a decoder accepts, whatever the bytes say:
//   memory   a decoded value holds at most kDecodeAmplification times its
//            encoded bytes, plus kDecodeSlackBytes, in element storage (every
//            element of a vector or map is charged its in-memory size before
//            anything is allocated, every heap string its length). An empty
//            message is one byte on the wire but ~100 in memory; without
//            this bound a 1 MiB frame could become ~100 MB.
//   terms and log indexes  below kMaxTermOrIndex (2^62), declared per message
//            with CC_PROTO_TERMS_AND_INDEXES(...): they end up in int64 TOML
//            files (hardstate, snapshot-meta, cfg/), and the core adds one to
//            them. 2^62 is ~146,000 years of a million entries a second.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

namespace proto {

// Declares a struct's wire fields, in wire order.
#define CC_PROTO_FIELDS(...)          \
    auto proto_fields() {             \
        return std::tie(__VA_ARGS__); \
    }                                 \
    auto proto_fields() const {       \
        return std::tie(__VA_ARGS__); \
    }

// Declares which fields of a message are Raft terms or log indexes: decoding
// the message raises DecodeError when one of them is kMaxTermOrIndex or more.
#define CC_PROTO_TERMS_AND_INDEXES(...)                                \
    void proto_validate() const {                                      \
        ::proto::check_terms_and_indexes({__VA_ARGS__}, #__VA_ARGS__); \
    }

struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A decoded value takes at most this many bytes of element storage per
// encoded byte. Real messages stay below it: a list of one-character strings
// is 2 bytes on the wire and 32 in memory (16), a nodepower result ~12, a
// member ~2, a log entry ~8.
inline constexpr uint64_t kDecodeAmplification = 16;
// Allowance on top of it, so that small messages are never refused.
inline constexpr uint64_t kDecodeSlackBytes = 256 * 1024;
// Terms and log indexes from outside stay below this (see the header comment).
inline constexpr uint64_t kMaxTermOrIndex = uint64_t{1} << 62;

inline void check_terms_and_indexes(std::initializer_list<uint64_t> values, const char* names) {
    for (uint64_t v : values) {
        if (v >= kMaxTermOrIndex) {
            throw DecodeError("term or log index " + std::to_string(v) + " (one of " + names +
                              ") is 2^62 or more");
        }
    }
}

class Writer {
  public:
    void varint(uint64_t v) {
        while (v >= 0x80) {
            buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        buf_.push_back(static_cast<char>(v));
    }
    void raw(std::string_view bytes) { buf_.append(bytes); }
    void fixed32(uint32_t v) {
        for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    const std::string& data() const { return buf_; }
    std::string take() { return std::move(buf_); }
    size_t size() const { return buf_.size(); }

  private:
    std::string buf_;
};

class Reader {
  public:
    // A reader of a whole encoded value: its memory budget follows its size.
    explicit Reader(std::string_view in)
        : in_(in),
          own_budget_(kDecodeAmplification * in.size() + kDecodeSlackBytes),
          budget_(&own_budget_) {}
    // A reader of a part of `parent`'s bytes (a message body), drawing on
    // the parent's budget.
    Reader(std::string_view in, Reader& parent) : in_(in), budget_(parent.budget_) {}
    // The budget is shared by pointer: a copy would alias it.
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) throw DecodeError("truncated varint");
            auto b = static_cast<uint8_t>(in_[pos_++]);
            if (shift == 63 && b > 1) throw DecodeError("varint overflows 64 bits");
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        throw DecodeError("varint too long");
    }
    std::string_view raw(size_t n) {
        if (n > remaining()) throw DecodeError("truncated field");
        auto s = in_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    uint32_t fixed32() {
        auto s = raw(4);
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(s[i])) << (8 * i);
        return v;
    }
    // A count of elements that each take at least one byte cannot exceed what
    // is left. What they take in memory is bounded apart (charge()): a byte
    // on the wire can be a 100-byte element.
    size_t count() {
        uint64_t n = varint();
        if (n > remaining()) throw DecodeError("element count exceeds message size");
        return static_cast<size_t>(n);
    }
    size_t remaining() const { return in_.size() - pos_; }
    bool done() const { return pos_ == in_.size(); }
    // Takes `bytes` of decoded memory from the budget, before they are
    // allocated; DecodeError when the value would exceed it.
    void charge(uint64_t bytes) {
        if (bytes > *budget_) {
            throw DecodeError("message would take more than " +
                              std::to_string(kDecodeAmplification) +
                              " bytes of memory per encoded byte");
        }
        *budget_ -= bytes;
    }

  private:
    std::string_view in_;
    size_t pos_ = 0;
    uint64_t own_budget_ = 0;
    uint64_t* budget_;
};

template <class T>
concept Message = requires(T& t) {
    t.proto_fields();
};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_variant : std::false_type {};
template <class... T>
struct is_variant<std::variant<T...>> : std::true_type {};

template <class T>
void encode(Writer& w, const T& v);
template <class T>
void decode(Reader& r, T& v);

template <class T>
void encode(Writer& w, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        w.varint(v ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
        w.varint(static_cast<uint64_t>(static_cast<std::underlying_type_t<T>>(v)));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        auto x = static_cast<int64_t>(v);
        w.varint((static_cast<uint64_t>(x) << 1) ^ static_cast<uint64_t>(x >> 63));
    } else if constexpr (std::is_integral_v<T>) {
        w.varint(static_cast<uint64_t>(v));
    } else if constexpr (std::is_same_v<T, std::string>) {
        w.varint(v.size());
        w.raw(v);
    } else if constexpr (is_vector<T>::value) {
        w.varint(v.size());
        for (const auto& e : v) encode(w, e);
    } else if constexpr (is_map<T>::value) {
        w.varint(v.size());
        for (const auto& [k, e] : v) {
            encode(w, k);
            encode(w, e);
        }
    } else if constexpr (is_optional<T>::value) {
        encode(w, v.has_value());
        if (v) encode(w, *v);
    } else if constexpr (is_variant<T>::value) {
        w.varint(v.index());
        std::visit([&](const auto& alt) { encode(w, alt); }, v);
    } else if constexpr (Message<T>) {
        Writer body;
        std::apply([&](const auto&... f) { (encode(body, f), ...); }, v.proto_fields());
        w.varint(body.size());
        w.raw(body.data());
    } else {
        static_assert(sizeof(T) == 0, "type has no wire encoding");
    }
}

namespace detail {
template <class V, size_t I = 0>
void decode_alternative(Reader& r, V& v, size_t index) {
    if constexpr (I < std::variant_size_v<V>) {
        if (index == I) {
            std::variant_alternative_t<I, V> alt{};
            decode(r, alt);
            v = std::move(alt);
            return;
        }
        decode_alternative<V, I + 1>(r, v, index);
    } else {
        throw DecodeError("unknown message type " + std::to_string(index));
    }
}
}  // namespace detail

template <class T>
void decode(Reader& r, T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        uint64_t b = r.varint();
        if (b > 1) throw DecodeError("bool out of range");
        v = b == 1;
    } else if constexpr (std::is_enum_v<T>) {
        // A value its underlying type cannot hold is refused, not truncated
        // into another (known) value.
        using U = std::underlying_type_t<T>;
        uint64_t x = r.varint();
        auto u = static_cast<U>(x);
        if (static_cast<uint64_t>(u) != x) throw DecodeError("enum value out of range");
        v = static_cast<T>(u);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        uint64_t z = r.varint();
        auto x = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
        v = static_cast<T>(x);
        if (static_cast<int64_t>(v) != x) throw DecodeError("integer out of range");
    } else if constexpr (std::is_integral_v<T>) {
        uint64_t x = r.varint();
        v = static_cast<T>(x);
        if (static_cast<uint64_t>(v) != x) throw DecodeError("integer out of range");
    } else if constexpr (std::is_same_v<T, std::string>) {
        size_t n = r.count();
        // Only a string longer than its inline buffer allocates (the
        // std::string itself is charged with its vector or map).
        if (n > std::string().capacity()) r.charge(n + 1);
        v = std::string(r.raw(n));
    } else if constexpr (is_vector<T>::value) {
        size_t n = r.count();
        r.charge(uint64_t(n) * sizeof(typename T::value_type));
        v.clear();
        v.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            typename T::value_type e{};
            decode(r, e);
            v.push_back(std::move(e));
        }
    } else if constexpr (is_map<T>::value) {
        size_t n = r.count();
        // A tree node: the pair plus three links and a colour (libstdc++).
        r.charge(uint64_t(n) * (sizeof(typename T::value_type) + 4 * sizeof(void*)));
        v.clear();
        for (size_t i = 0; i < n; ++i) {
            typename T::key_type k{};
            typename T::mapped_type e{};
            decode(r, k);
            decode(r, e);
            v.emplace(std::move(k), std::move(e));
        }
    } else if constexpr (is_optional<T>::value) {
        bool present = false;
        decode(r, present);
        if (present) {
            typename T::value_type e{};
            decode(r, e);
            v = std::move(e);
        } else {
            v.reset();
        }
    } else if constexpr (is_variant<T>::value) {
        detail::decode_alternative(r, v, static_cast<size_t>(r.varint()));
    } else if constexpr (Message<T>) {
        Reader body(r.raw(r.count()), r);
        // Missing trailing fields (older writer) keep their defaults; an unknown
        // tail (newer writer) is skipped with the body.
        std::apply([&](auto&... f) { ((body.done() ? void() : decode(body, f)), ...); },
                   v.proto_fields());
        if constexpr (requires { v.proto_validate(); }) v.proto_validate();
    } else {
        static_assert(sizeof(T) == 0, "type has no wire encoding");
    }
}

// Whole-buffer helpers: the buffer must hold exactly one value.
template <class T>
std::string to_bytes(const T& v) {
    Writer w;
    encode(w, v);
    return w.take();
}

template <class T>
T from_bytes(std::string_view bytes) {
    Reader r(bytes);
    T v{};
    decode(r, v);
    if (!r.done()) throw DecodeError("trailing bytes after message");
    return v;
}

}  // namespace proto
