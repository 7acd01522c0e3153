// etc/confluent.toml (daemon/app/config.hpp), read by confluentd and every
// tool. ConfigError is the refusal.
#include "daemon/app/config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = cc::fuzz::scratch() / "confluent.toml";
    cc::fuzz::write_file(file, cc::fuzz::bytes_of(data, size));
    cc::app::Overrides flags;
    flags.config_file = file;
    try {
        (void)cc::app::resolve_config(flags, [](const std::string&) { return std::nullopt; });
    } catch (const cc::app::ConfigError&) {
    }
    return 0;
}
