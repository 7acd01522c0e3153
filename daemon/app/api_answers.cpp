#include "daemon/app/api_answers.hpp"

#include <algorithm>

#include "daemon/state/masked.hpp"

namespace cc::app {

namespace {

proto::ApiAttribute to_api(const state::ShownAttribute& a) {
    // secret.* and crypted.* values never leave the daemon (SECURITY.md).
    return {a.name, state::shown_value(a.name, a.value), a.inherited_from};
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += ',';
        out += s;
    }
    return out;
}

}  // namespace

proto::ApiResponse query_nodes(const state::Database& db, const proto::ApiNodeQuery& q) {
    std::vector<std::string> names;
    try {
        if (!q.noderange.empty())
            names = db.expand(q.noderange);
        else if (db.node_count() > 0)
            names = db.expand("everything");
    } catch (const state::NoderangeError& e) {
        return proto::ApiError{proto::outcome_of(e.code), e.what()};
    }
    proto::ApiObjects out;
    out.objects.reserve(names.size());
    for (auto& n : names) {
        proto::ApiObject o;
        if (!q.names_only)
            for (const auto& a : db.node_attributes(n, q.attributes))
                o.attributes.push_back(to_api(a));
        o.name = std::move(n);
        out.objects.push_back(std::move(o));
    }
    return out;
}

proto::ApiResponse query_groups(const state::Database& db, const proto::ApiGroupQuery& q) {
    std::vector<std::string> names = q.groups.empty() ? db.groups() : q.groups;
    for (const auto& g : names)
        if (!db.group_exists(g))
            return proto::ApiError{proto::Outcome::NotFound, g + " group does not exist"};
    // "nodes" is not stored on the group: it is derived from the nodes.
    std::vector<std::string> own;
    for (const auto& a : q.attributes)
        if (a != "nodes") own.push_back(a);
    bool want_nodes = q.attributes.empty() || std::find(q.attributes.begin(), q.attributes.end(),
                                                        "nodes") != q.attributes.end();
    proto::ApiObjects out;
    for (const auto& g : names) {
        proto::ApiObject o;
        o.name = g;
        if (!q.names_only) {
            if (q.attributes.empty() || !own.empty())
                for (const auto& a : db.group_attributes(g, own)) o.attributes.push_back(to_api(a));
            if (want_nodes) {
                proto::ApiAttribute nodes{"nodes", join(db.group_members(g)), ""};
                // Keep the caller's order when "nodes" was asked for by name.
                auto pos = std::find(q.attributes.begin(), q.attributes.end(), "nodes");
                if (pos == q.attributes.end())
                    o.attributes.push_back(std::move(nodes));
                else
                    o.attributes.insert(o.attributes.begin() + (pos - q.attributes.begin()),
                                        std::move(nodes));
            }
        }
        out.objects.push_back(std::move(o));
    }
    return out;
}

WriteOutcome settle_write(WriteOutcome o, bool lone) {
    using proto::Outcome;
    if (o.outcome == Outcome::StorageFailed) {
        std::string why = o.reason.empty() ? "this member could not store the change" : o.reason;
        if (lone) {
            o.reason = o.reason.empty() ? std::string(proto::default_text(Outcome::StorageFailed))
                                        : why + "; nothing was changed";
        } else {
            o.outcome = Outcome::Unknown;
            o.reason = why +
                       "; the other members may still apply this change: read it back before "
                       "retrying";
        }
    } else if (o.outcome == Outcome::NoQuorum && lone) {
        o.outcome = Outcome::Refused;
        o.reason =
            "confluentd is recovering from a failed log write; nothing was changed, retry in a "
            "moment";
    }
    return o;
}

}  // namespace cc::app
