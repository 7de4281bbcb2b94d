// A strict reader of corio-redis's replies for the fuzz targets' oracles: is a byte string
// exactly one complete RESP2 or RESP3 value, framed as resp::reply writes them (and Redis
// does), with nothing after it?
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corio_fuzz {

/// True if `bytes` is one complete reply in `protocol` (2 or 3) and nothing else; otherwise
/// false, with `why` saying what is wrong and at which offset.
bool one_reply(std::string_view bytes, int protocol, std::string& why);

} // namespace corio_fuzz
