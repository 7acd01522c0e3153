// STATE/discovery/devices (daemon/discovery/device_store.hpp), read at
// start. StorageError is the refusal; a store that loads saves and loads
// back equal (clear() of an empty store, then re-adding, rewrites it).
#include "daemon/discovery/device_store.hpp"
#include "daemon/storage/storage_error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto state = cc::fuzz::fresh_dir("state");
    std::filesystem::create_directories(state / "discovery");
    cc::fuzz::write_file(state / "discovery" / "devices", cc::fuzz::bytes_of(data, size));
    std::map<std::string, cc::discovery::Device> loaded;
    try {
        cc::discovery::DeviceStore store(state);
        loaded = store.devices();
        if (loaded.empty()) return 0;
        // Rewrite the file from what was loaded: remove one, add it back.
        auto first = loaded.begin()->second;
        store.remove(first.mac);
        store.add(first);
    } catch (const cc::storage::StorageError&) {
        return 0;
    }
    cc::discovery::DeviceStore again(state);
    if (again.devices() != loaded) __builtin_trap();
    return 0;
}
