#include "tests/support/json_value.hpp"

#include <cstdlib>

namespace cc::test {

namespace {

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    JsonValue document() {
        JsonValue v = value();
        space();
        if (pos_ != text_.size()) fail("unexpected text after the value");
        return v;
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw JsonError("offset " + std::to_string(pos_) + ": " + what);
    }
    void space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    char peek() {
        if (pos_ >= text_.size()) fail("unexpected end of text");
        return text_[pos_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    void literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) fail("unknown literal");
        pos_ += word.size();
    }

    JsonValue value() {
        space();
        JsonValue v;
        switch (peek()) {
            case '{':
                v.kind = JsonValue::Kind::Object;
                members(v);
                break;
            case '[':
                v.kind = JsonValue::Kind::Array;
                elements(v);
                break;
            case '"':
                v.kind = JsonValue::Kind::String;
                v.string = string();
                break;
            case 't':
                literal("true");
                v.kind = JsonValue::Kind::Bool;
                v.boolean = true;
                break;
            case 'f':
                literal("false");
                v.kind = JsonValue::Kind::Bool;
                break;
            case 'n':
                literal("null");
                break;
            default:
                v.kind = JsonValue::Kind::Number;
                v.number = number();
        }
        return v;
    }

    void members(JsonValue& v) {
        expect('{');
        space();
        if (peek() == '}') {
            ++pos_;
            return;
        }
        for (;;) {
            space();
            std::string key = string();
            space();
            expect(':');
            v.object.emplace_back(std::move(key), value());
            space();
            if (peek() == '}') {
                ++pos_;
                return;
            }
            expect(',');
        }
    }

    void elements(JsonValue& v) {
        expect('[');
        space();
        if (peek() == ']') {
            ++pos_;
            return;
        }
        for (;;) {
            v.array.push_back(value());
            space();
            if (peek() == ']') {
                ++pos_;
                return;
            }
            expect(',');
        }
    }

    unsigned hex4() {
        if (pos_ + 4 > text_.size()) fail("short \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[pos_++];
            code <<= 4;
            if (c >= '0' && c <= '9')
                code |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                code |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                code |= static_cast<unsigned>(c - 'A' + 10);
            else
                fail("bad hex digit in \\u escape");
        }
        return code;
    }

    static void utf8(std::string& out, unsigned code) {
        auto byte = [&](unsigned b) { out += static_cast<char>(b); };
        if (code < 0x80) {
            byte(code);
        } else if (code < 0x800) {
            byte(0xC0 | (code >> 6));
            byte(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            byte(0xE0 | (code >> 12));
            byte(0x80 | ((code >> 6) & 0x3F));
            byte(0x80 | (code & 0x3F));
        } else {
            byte(0xF0 | (code >> 18));
            byte(0x80 | ((code >> 12) & 0x3F));
            byte(0x80 | ((code >> 6) & 0x3F));
            byte(0x80 | (code & 0x3F));
        }
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            char c = peek();
            ++pos_;
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            char e = peek();
            ++pos_;
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned code = hex4();
                    if (code >= 0xD800 && code < 0xDC00) {
                        if (text_.substr(pos_, 2) != "\\u") fail("lone high surrogate");
                        pos_ += 2;
                        unsigned low = hex4();
                        if (low < 0xDC00 || low >= 0xE000) fail("bad low surrogate");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    } else if (code >= 0xDC00 && code < 0xE000) {
                        fail("lone low surrogate");
                    }
                    utf8(out, code);
                    break;
                }
                default:
                    fail("unknown escape");
            }
        }
    }

    double number() {
        size_t start = pos_;
        auto digits = [&] {
            size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            if (pos_ == from) fail("expected a digit");
        };
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        if (peek() == '0')
            ++pos_;
        else
            digits();
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            digits();
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            digits();
        }
        return std::strtod(std::string(text_.substr(start, pos_ - start)).c_str(), nullptr);
    }

    std::string_view text_;
    size_t pos_ = 0;
};

}  // namespace

bool JsonValue::has(const std::string& key) const {
    for (const auto& [k, v] : object)
        if (k == key) return true;
    return false;
}

const JsonValue& JsonValue::at(const std::string& key) const {
    if (!is_object()) throw JsonError("not an object (looking up \"" + key + "\")");
    for (const auto& [k, v] : object)
        if (k == key) return v;
    throw JsonError("no member \"" + key + "\"");
}

std::vector<std::string> JsonValue::keys() const {
    if (!is_object()) throw JsonError("not an object");
    std::vector<std::string> out;
    for (const auto& [k, v] : object) out.push_back(k);
    return out;
}

std::vector<std::string> JsonValue::strings() const {
    if (!is_array()) throw JsonError("not an array");
    std::vector<std::string> out;
    for (const auto& v : array) {
        if (!v.is_string()) throw JsonError("an array element is not a string");
        out.push_back(v.string);
    }
    return out;
}

std::map<std::string, std::string> JsonValue::string_map() const {
    if (!is_object()) throw JsonError("not an object");
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : object) {
        if (!v.is_string()) throw JsonError("member \"" + k + "\" is not a string");
        out[k] = v.string;
    }
    return out;
}

JsonValue parse_json(std::string_view text) {
    return Parser(text).document();
}

}  // namespace cc::test
