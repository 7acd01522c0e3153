#include "daemon/state/session_table.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace cc::state {

bool SessionTable::first_time(const std::string& session, uint64_t seq, uint64_t acked_below,
                              uint64_t index) {
    if (session.empty()) return true;
    auto it = sessions_.find(session);
    if (it != sessions_.end() && (seq < it->second.acked_below || it->second.seqs.count(seq)))
        return false;
    if (it == sessions_.end()) {
        if (sessions_.size() >= kMaxSessions) {
            // Forget the session whose last write is oldest (ties: by name).
            auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                           [](const auto& a, const auto& b) {
                                               return a.second.last_index < b.second.last_index;
                                           });
            sessions_.erase(oldest);
        }
        it = sessions_.emplace(session, Session{}).first;
    }
    Session& s = it->second;
    s.seqs.insert(seq);
    s.last_index = index;
    if (acked_below > s.acked_below) {
        s.acked_below = acked_below;
        s.seqs.erase(s.seqs.begin(), s.seqs.lower_bound(acked_below));
    }
    return true;
}

bool SessionTable::seen(const std::string& session, uint64_t seq) const {
    auto it = sessions_.find(session);
    return it != sessions_.end() && (seq < it->second.acked_below || it->second.seqs.count(seq));
}

std::vector<SessionTable::Record> SessionTable::records() const {
    std::vector<Record> out;
    out.reserve(sessions_.size());
    for (const auto& [name, s] : sessions_)
        out.push_back({name, s.acked_below, s.last_index, {s.seqs.begin(), s.seqs.end()}});
    return out;
}

namespace {

bool valid_session_name(std::string_view s) {
    if (s.empty() || s.size() > 300) return false;
    for (char c : s)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\' || c == 0x7f)
            return false;
    return true;
}

}  // namespace

SessionTable SessionTable::from_records(std::vector<Record> records) {
    if (records.size() > kMaxSessions)
        throw std::invalid_argument("more than " + std::to_string(kMaxSessions) +
                                    " write sessions");
    SessionTable t;
    for (auto& r : records) {
        if (!valid_session_name(r.session))
            throw std::invalid_argument("invalid write session name");
        Session s{r.acked_below, r.last_index, {}};
        for (uint64_t q : r.seqs) {
            if (q < r.acked_below)
                throw std::invalid_argument("write session " + r.session +
                                            " records a seq below its acked_below");
            if (!s.seqs.insert(q).second)
                throw std::invalid_argument("write session " + r.session + " records a seq twice");
        }
        if (!t.sessions_.emplace(std::move(r.session), std::move(s)).second)
            throw std::invalid_argument("a write session is listed twice");
    }
    return t;
}

std::string SessionTable::line_of(const Record& r) {
    std::string out =
        r.session + " " + std::to_string(r.acked_below) + " " + std::to_string(r.last_index);
    for (uint64_t q : r.seqs) out += " " + std::to_string(q);
    return out;
}

std::optional<SessionTable::Record> SessionTable::parse_line(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        size_t j = line.find(' ', i);
        if (j == std::string_view::npos) j = line.size();
        if (j == i) return std::nullopt;  // empty word: doubled or edge space
        words.push_back(line.substr(i, j - i));
        i = j + 1;
    }
    if (!line.empty() && line.back() == ' ') return std::nullopt;
    if (words.size() < 3 || !valid_session_name(words[0])) return std::nullopt;
    auto number = [](std::string_view w, uint64_t& v) {
        auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
        return ec == std::errc{} && p == w.data() + w.size();
    };
    Record r;
    r.session = std::string(words[0]);
    if (!number(words[1], r.acked_below) || !number(words[2], r.last_index)) return std::nullopt;
    for (size_t k = 3; k < words.size(); ++k) {
        uint64_t q = 0;
        if (!number(words[k], q)) return std::nullopt;
        if (!r.seqs.empty() && q <= r.seqs.back()) return std::nullopt;
        r.seqs.push_back(q);
    }
    return r;
}

}  // namespace cc::state
