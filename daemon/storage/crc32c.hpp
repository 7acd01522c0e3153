// CRC32C (Castagnoli, the iSCSI/ext4 polynomial) of the log records.
// Botan 2 only offers the IEEE CRC32, so this is our own: the CPU's crc32
// instruction where it has SSE 4.2 (every x86-64 server of the last decade;
// every log record is summed on every member), else a table-driven one.
// Thread-safe (the table is a compile-time constant).
#pragma once

#include <cstdint>
#include <string_view>

namespace cc::storage {

// Extends `crc` (the CRC of the bytes before) over `data`; crc32c("") == 0.
uint32_t crc32c(std::string_view data, uint32_t crc = 0);
// The table-driven form, whatever the CPU (tests hold the two equal).
uint32_t crc32c_portable(std::string_view data, uint32_t crc = 0);

}  // namespace cc::storage
