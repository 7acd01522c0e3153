// STATE/collective/hardstate and snapshot-meta (daemon/storage/*_file.hpp),
// TOML read at every start. StorageError is the one refusal; what loads must
// save and load back equal. The input before its first NUL byte is the
// hardstate, the rest the snapshot-meta.
#include "daemon/storage/hard_state_file.hpp"
#include "daemon/storage/snapshot_meta_file.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

template <class File>
void load_save_load(const std::filesystem::path& path, std::string_view text) {
    cc::fuzz::write_file(path, text);
    File f(path);
    decltype(f.load()) once;
    try {
        once = f.load();
    } catch (const cc::storage::StorageError&) {
        return;
    }
    if (!once) __builtin_trap();  // the file exists
    f.save(*once);
    if (f.load() != once) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto [hard, meta] = cc::fuzz::split_at_nul(cc::fuzz::bytes_of(data, size));
    auto dir = cc::fuzz::fresh_dir("collective");
    load_save_load<cc::storage::HardStateFile>(dir / "hardstate", hard);
    load_save_load<cc::storage::SnapshotMetaFile>(dir / "snapshot-meta", meta);
    return 0;
}
