// cfg/collective (the member list, daemon/state/member_files.hpp) and
// cfg/myname. ConfigFileError is the refusal (FsError only if the scratch
// file cannot be read); a member list that parses renders to text that
// parses back equal.
#include "daemon/state/member_files.hpp"
#include "daemon/util/fs.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [collective, myname] = cc::fuzz::split_at_nul(cc::fuzz::bytes_of(data, size));
    const std::filesystem::path path = "cfg/collective";
    try {
        auto once = cc::state::parse_collective(collective, path);
        auto twice = cc::state::parse_collective(cc::state::render_collective(once), path);
        if (!(twice == once)) __builtin_trap();
    } catch (const cc::state::ConfigFileError&) {
    }
    auto file = cc::fuzz::scratch() / "myname";
    cc::fuzz::write_file(file, myname);
    try {
        auto name = cc::state::load_myname(file);
        cc::state::save_myname(file, name);
        if (cc::state::load_myname(file) != name) __builtin_trap();
    } catch (const cc::state::ConfigFileError&) {
    }
    return 0;
}
