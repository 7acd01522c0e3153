#include "daemon/state/fast_reader.hpp"

#include <cctype>

namespace cc::state {

namespace {

class LineReader {
  public:
    explicit LineReader(std::string_view line) : s_(line) {}

    bool done() const { return pos_ == s_.size(); }
    bool eat(std::string_view lit) {
        if (s_.substr(pos_, lit.size()) != lit) return false;
        pos_ += lit.size();
        return true;
    }
    // A bare key or a basic string (keys and values share the string rules).
    bool key(std::string& out) {
        if (pos_ < s_.size() && s_[pos_] == '"') return string(out);
        size_t start = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                    s_[pos_] == '_' || s_[pos_] == '-'))
            ++pos_;
        out.assign(s_.substr(start, pos_ - start));
        return pos_ > start;
    }
    bool string(std::string& out) {
        out.clear();
        if (!eat("\"")) return false;
        while (pos_ < s_.size()) {
            char c = s_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
            if (c == 0x7f) return false;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (pos_ >= s_.size()) return false;
            switch (s_[pos_++]) {
                case '"':
                    out.push_back('"');
                    break;
                case '\\':
                    out.push_back('\\');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 'u': {  // only the \u00XX form the renderer writes
                    if (pos_ + 4 > s_.size() || s_.substr(pos_, 2) != "00") return false;
                    int v = 0;
                    for (char h : s_.substr(pos_ + 2, 2)) {
                        if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
                        v = v * 16 + (std::isdigit(static_cast<unsigned char>(h))
                                          ? h - '0'
                                          : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
                    }
                    if (v >= 0x80) return false;
                    out.push_back(static_cast<char>(v));
                    pos_ += 4;
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }
    bool number(uint64_t& out) {
        size_t start = pos_;
        out = 0;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            if (pos_ - start >= 18) return false;
            out = out * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
        }
        size_t len = pos_ - start;
        return len > 0 && !(len > 1 && s_[start] == '0');
    }

  private:
    std::string_view s_;
    size_t pos_ = 0;
};

bool read(std::string_view text, Database::Impl& db, Domain& dom, std::string_view kind) {
    bool have_index = false;
    Entity* current = nullptr;
    std::string key, value;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) continue;
        if (line[0] == '#') {
            for (char c : line)
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
            continue;
        }
        LineReader r(line);
        if (r.eat("[")) {
            if (!r.key(key) || !r.eat("]") || !r.done()) return false;
            if (!have_index || key == "applied_index" || check_entity_name(kind, key)) return false;
            auto [it, fresh] = dom.entries.try_emplace(key);
            if (!fresh) return false;
            current = &it->second;
            continue;
        }
        if (!r.key(key) || !r.eat(" = ")) return false;
        if (!current && key == kSessionsKey) {
            if (!have_index || !dom.sessions.empty() || !r.eat("[")) return false;
            std::vector<SessionTable::Record> records;
            bool first = true;
            while (!r.eat("]")) {
                if (!first && !r.eat(", ")) return false;
                first = false;
                auto rec = r.string(value) ? SessionTable::parse_line(value) : std::nullopt;
                if (!rec) return false;
                records.push_back(std::move(*rec));
            }
            if (!r.done() || records.empty()) return false;
            try {
                dom.sessions = SessionTable::from_records(std::move(records));
            } catch (const std::invalid_argument&) {
                return false;  // toml++'s path reports it with its line
            }
            continue;
        }
        if (!current) {
            uint64_t index = 0;
            if (key != "applied_index" || have_index || !r.number(index) || !r.done()) return false;
            dom.applied = dom.saved = index;
            have_index = true;
            continue;
        }
        if (!r.string(value) || !r.done() || check_attribute(key, value)) return false;
        AttrId id = db.names.intern(key);
        if (current->get(id)) return false;  // duplicate key: let toml++ report it
        current->add(id, value);
    }
    return have_index;
}

}  // namespace

bool read_domain_fast(std::string_view text, Database::Impl& db, Domain& dom,
                      std::string_view kind) {
    if (read(text, db, dom, kind)) return true;
    dom.entries.clear();
    dom.sessions = {};
    dom.applied = dom.saved = 0;
    return false;
}

}  // namespace cc::state
