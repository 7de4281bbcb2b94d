// Redis's CRC-64 (Jones polynomial, reflected, init 0, no final xor): the checksum at the
// end of an RDB file and of a DUMP payload. Slice-by-8, since it runs over whole snapshots.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corio_redis::persist {

/// Continues `crc` over n bytes (start with 0). crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
std::uint64_t crc64(std::uint64_t crc, const void* data, std::size_t n) noexcept;

} // namespace corio_redis::persist
