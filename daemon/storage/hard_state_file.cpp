#include "daemon/storage/hard_state_file.hpp"

#include "daemon/storage/toml_file.hpp"
#include "daemon/util/fs.hpp"

namespace cc::storage {

namespace {
// Without the file the member starts like a restored one: safe, it will not
// vote until a leader has brought it up to date.
const std::string kRemedy = "remove the file to let this member catch up before it votes again";
}  // namespace

std::ostream& operator<<(std::ostream& os, const HardState& s) {
    os << "term " << s.term << " voted for ";
    s.voted_for.empty() ? os << "nobody" : os << s.voted_for;
    return s.catching_up ? os << " (catching up)" : os;
}

std::optional<HardState> HardStateFile::load() const {
    auto t = load_state_file(path_, kRemedy);
    if (!t) return std::nullopt;
    HardState s;
    s.term = state_uint(path_, *t, "term", kRemedy);
    s.voted_for = state_string(path_, *t, "voted_for", kRemedy);
    std::error_code ec;
    s.catching_up =
        state_bool(path_, *t, "catching_up", kRemedy) || std::filesystem::exists(legacy_flag(), ec);
    return s;
}

void HardStateFile::save(const HardState& state) const {
    toml::table t;
    t.insert("term", to_toml_int(state.term));
    if (!state.voted_for.empty()) t.insert("voted_for", state.voted_for);
    if (state.catching_up) t.insert("catching_up", true);
    save_state_file(path_, std::move(t));
    // The flag now lives in the record; an older build's file must not
    // bring it back after it was cleared.
    std::error_code ec;
    if (std::filesystem::remove(legacy_flag(), ec)) cc::fs::sync_dir(path_.parent_path());
}

}  // namespace cc::storage
