#include "daemon/storage/hard_state_file.hpp"

#include "daemon/storage/toml_file.hpp"

namespace cc::storage {

namespace {
// Without the file the member starts like a restored one: safe, it will not
// vote until a leader has brought it up to date.
const std::string kRemedy = "remove the file to let this member catch up before it votes again";
}  // namespace

std::ostream& operator<<(std::ostream& os, const HardState& s) {
    os << "term " << s.term << " voted for ";
    return s.voted_for.empty() ? os << "nobody" : os << s.voted_for;
}

std::optional<HardState> HardStateFile::load() const {
    auto t = load_state_file(path_, kRemedy);
    if (!t) return std::nullopt;
    HardState s;
    s.term = state_uint(path_, *t, "term", kRemedy);
    s.voted_for = state_string(path_, *t, "voted_for", kRemedy);
    return s;
}

void HardStateFile::save(const HardState& state) const {
    toml::table t;
    t.insert("term", to_toml_int(state.term));
    if (!state.voted_for.empty()) t.insert("voted_for", state.voted_for);
    save_state_file(path_, std::move(t));
}

}  // namespace cc::storage
