#include "daemon/collective/show_format.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace cc::collective {

namespace {

bool nonvoting(const proto::ApiStatus& s, const std::string& name) {
    return std::find(s.nonvoting.begin(), s.nonvoting.end(), name) != s.nonvoting.end();
}

std::string label(const proto::ApiStatus& s, const std::string& name) {
    return "    " + name + (nonvoting(s, name) ? " (nonvoting)" : "") + "\n";
}

std::string member_state(const proto::ApiStatus& s, const proto::ApiMemberStatus& m) {
    if (m.name == s.leader) return "leader";
    return m.active ? "active" : "offline";
}

std::string contact_text(int64_t ms) {
    if (ms < 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs ago", static_cast<double>(ms) / 1000.0);
    return buf;
}

}  // namespace

std::string format_show(const proto::ApiStatus& s) {
    std::string out;
    out += std::string("Quorum: ") + (s.quorum ? "True" : "False") + "\n";
    out += "Leader: " + s.leader + "\n";
    out += "Active collective members:\n";
    for (const auto& m : s.active) out += label(s, m);
    if (!s.offline.empty()) {
        out += "Offline collective members:\n";
        for (const auto& m : s.offline) out += label(s, m);
    }
    return out;
}

namespace {

// "950 ms", "12.3 s", "4 min 5 s", "3 h 2 min", "2 d 5 h".
std::string duration_text(int64_t ms) {
    if (ms < 1000) return std::to_string(ms) + " ms";
    if (ms < 60'000) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
        return buf;
    }
    int64_t s = ms / 1000;
    if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
    if (s < 86400) return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
    return std::to_string(s / 86400) + " d " + std::to_string(s % 86400 / 3600) + " h";
}

}  // namespace

std::string format_show_verbose(const proto::ApiStatus& s) {
    std::ostringstream out;
    out << format_show(s);
    out << "This member: " << s.my_name << " (" << s.role << ")\n";
    out << "Term: " << s.term << "\n";
    if (s.leader_for_ms >= 0)
        out << "Leader for: " << duration_text(s.leader_for_ms) << " (as seen by this member)\n";
    out << "Commit index: " << s.commit_index << "\n";
    out << "Applied index: " << s.applied_index << "\n";
    if (!s.cannot_apply.empty()) out << "Cannot apply: " << s.cannot_apply << "\n";
    out << "Voters that may still fail before quorum is lost: " << s.failures_tolerated << "\n";
    out << "Members:\n";
    for (const auto& m : s.members) {
        out << "    " << m.name << ": " << (m.voter ? "voter" : "nonvoting") << ", "
            << member_state(s, m) << ", address " << m.address << ", lag "
            << (m.lag < 0 ? std::string("-") : std::to_string(m.lag)) << ", last contact "
            << contact_text(m.last_contact_ms) << ", protocol "
            << (m.protocol ? "v" + std::to_string(m.protocol) : std::string("-")) << ", key "
            << m.fingerprint << "\n";
    }
    if (!s.ownership.empty()) {
        out << "Node ownership:\n";
        for (const auto& line : s.ownership) out << "    " << line << "\n";
    }
    return out.str();
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string format_show_json(const proto::ApiStatus& s) {
    std::ostringstream out;
    auto names = [&](const std::vector<std::string>& v) {
        std::string r = "[";
        for (size_t i = 0; i < v.size(); ++i) r += (i ? "," : "") + json_string(v[i]);
        return r + "]";
    };
    out << "{\"quorum\":" << (s.quorum ? "true" : "false")
        << ",\"leader\":" << json_string(s.leader) << ",\"active\":" << names(s.active)
        << ",\"offline\":" << names(s.offline) << ",\"nonvoting\":" << names(s.nonvoting)
        << ",\"self\":" << json_string(s.my_name) << ",\"role\":" << json_string(s.role)
        << ",\"term\":" << s.term << ",\"commit_index\":" << s.commit_index
        << ",\"applied_index\":" << s.applied_index << ",\"cannot_apply\":"
        << (s.cannot_apply.empty() ? std::string("null") : json_string(s.cannot_apply))
        << ",\"failures_tolerated\":" << s.failures_tolerated << ",\"leader_for_ms\":";
    if (s.leader_for_ms < 0)
        out << "null";
    else
        out << s.leader_for_ms;
    out << ",\"ownership\":" << names(s.ownership) << ",\"members\":[";
    for (size_t i = 0; i < s.members.size(); ++i) {
        const auto& m = s.members[i];
        out << (i ? "," : "") << "{\"name\":" << json_string(m.name)
            << ",\"voter\":" << (m.voter ? "true" : "false")
            << ",\"state\":" << json_string(member_state(s, m))
            << ",\"address\":" << json_string(m.address)
            << ",\"fingerprint\":" << json_string(m.fingerprint) << ",\"lag\":";
        if (m.lag < 0)
            out << "null";
        else
            out << m.lag;
        out << ",\"last_contact_ms\":";
        if (m.last_contact_ms < 0)
            out << "null";
        else
            out << m.last_contact_ms;
        out << ",\"protocol\":";
        if (m.protocol == 0)
            out << "null";
        else
            out << m.protocol;
        out << "}";
    }
    out << "]}\n";
    return out.str();
}

}  // namespace cc::collective
