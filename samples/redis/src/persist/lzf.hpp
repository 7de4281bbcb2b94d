// LZF, the compression of RDB strings: literal runs and back references into the last 8 KiB
// of output. The decoder is bounds-checked for hostile input (RESTORE payloads, files).
#pragma once

#include <cstddef>

namespace corio_redis::persist {

/// Compresses n bytes into out; returns the compressed size, or 0 when it does not fit in
/// out_cap bytes (or n is 0). The result decodes with any LZF decoder.
std::size_t lzf_compress(const char* in, std::size_t n, char* out, std::size_t out_cap) noexcept;

/// Decodes n bytes into out; true only if they decode to exactly out_len bytes. Never reads
/// or writes out of range, whatever the input.
bool lzf_decompress(const char* in, std::size_t n, char* out, std::size_t out_len) noexcept;

} // namespace corio_redis::persist
