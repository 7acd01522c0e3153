#include "daemon/state/toml_text.hpp"

#include <algorithm>
#include <cctype>

namespace cc::state {

void append_toml_key(std::string& out, std::string_view key) {
    bool bare = !key.empty();
    for (char c : key)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') bare = false;
    if (bare)
        out.append(key);
    else
        append_toml_string(out, key);
}

void append_toml_string(std::string& out, std::string_view value) {
    static const char* hex = "0123456789ABCDEF";
    out.push_back('"');
    // Fast path: most values need no escape at all.
    if (std::none_of(value.begin(), value.end(), [](char c) {
            return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
        out.append(value);
        out.push_back('"');
        return;
    }
    for (char c : value) {
        switch (c) {
            case '"':
                out.append("\\\"");
                break;
            case '\\':
                out.append("\\\\");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    out.append("\\u00");
                    out.push_back(hex[(c >> 4) & 0xf]);
                    out.push_back(hex[c & 0xf]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

toml::table parse_toml(std::string_view text, const std::filesystem::path& path) {
    try {
        return toml::parse(text, path.string());
    } catch (const toml::parse_error& e) {
        throw ConfigFileError(path, e.source().begin.line, std::string(e.description()));
    }
}

}  // namespace cc::state
