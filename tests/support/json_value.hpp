// A small strict JSON parser (RFC 8259) for tests that check the tools'
// --json output as a script would read it: the whole text must be one value
// (whitespace around it allowed), anything else is a JsonError saying where.
// Objects keep their members in document order and keep duplicate keys, so a
// test can check both.
//
// Threading: pure; values are plain data.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc::test {

struct JsonError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct JsonValue {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<JsonValue> array;
    std::vector<std::pair<std::string, JsonValue>> object;  // document order

    bool is_null() const { return kind == Kind::Null; }
    bool is_string() const { return kind == Kind::String; }
    bool is_array() const { return kind == Kind::Array; }
    bool is_object() const { return kind == Kind::Object; }
    // Whether an object has member `key`.
    bool has(const std::string& key) const;
    // The member `key` of an object; JsonError when this is no object or the
    // key is absent.
    const JsonValue& at(const std::string& key) const;
    // The object's keys in document order.
    std::vector<std::string> keys() const;
    // An array of strings as strings; JsonError for any other value.
    std::vector<std::string> strings() const;
    // An object whose values are all strings, as a map; JsonError otherwise.
    std::map<std::string, std::string> string_map() const;
};

// Parses `text`; JsonError "offset N: what was wrong".
JsonValue parse_json(std::string_view text);

}  // namespace cc::test
