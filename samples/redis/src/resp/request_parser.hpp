// Parses client requests in place: RESP multibulk arrays (*N, then $len bulks) and inline
// commands (space-separated words, with Redis's quoting), straight from the connection's
// inbound bytes. Arguments are views into those bytes, valid until they are discarded.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace corio_redis::resp {

struct parser_limits {
    std::size_t max_bulk_len = std::size_t{512} << 20; // proto-max-bulk-len
    std::size_t max_inline_len = 64 * 1024;            // PROTO_INLINE_MAX_SIZE
    bool authenticated = true;                         // false: Redis's tighter limits before AUTH
};

enum class parse_status {
    complete,   // one command in args; `consumed` bytes make it up
    empty,      // an empty line, *0 or *-1: consumed, nothing to run
    incomplete, // need more bytes: at least `needed` in total (a hint)
    error,      // a protocol error: reply `error` and close the connection
};

struct parse_result {
    parse_status status = parse_status::incomplete;
    std::size_t consumed = 0;
    std::size_t needed = 0;
    std::string error; // without the leading '-' and the CRLF
};

/// Parses one request from the front of `data`; on complete, its arguments are appended to
/// `args` (on any other status, whatever was appended is the caller's to drop).
/// Inline words with quotes or escapes are unescaped into new strings appended to `owned`
/// (a deque: they never move), which must outlive the args.
parse_result parse_request(std::string_view data, const parser_limits& limits,
                           std::vector<std::string_view>& args, std::deque<std::string>& owned);

} // namespace corio_redis::resp
