// SCAN across shards: the cursor is table cursor * shards + shard (commands/scan.hpp).
#include "session.hpp"

#include "commands/scan.hpp"

#include <cctype>
#include <charconv>
#include <optional>

namespace corio_redis::detail {

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
corio::task<> session::run_scan(const parsed_command& c) {
    auto args = args_of(c);
    long long cursor_value = 0;
    if (!parse_integer(args[1], cursor_value)) {
        // Redis reads the cursor as unsigned: a negative one is a plain large number.
        unsigned long long u = 0;
        auto r = std::from_chars(args[1].data(), args[1].data() + args[1].size(), u);
        if (r.ec != std::errc{} || r.ptr != args[1].data() + args[1].size()) {
            out_.error("ERR invalid cursor");
            co_return;
        }
        cursor_value = static_cast<long long>(u);
    }
    std::uint64_t cursor = static_cast<std::uint64_t>(cursor_value);
    std::string_view pattern;
    std::size_t count = 10;
    std::optional<db::value_type> type;
    bool unknown_type = false;
    for (std::size_t i = 2; i < args.size(); i += 2) {
        std::string opt(args[i]);
        for (char& ch : opt) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (i + 1 >= args.size()) {
            reply_syntax_error(out_);
            co_return;
        }
        if (opt == "match") {
            pattern = args[i + 1] == "*" ? std::string_view{} : args[i + 1];
        } else if (opt == "count") {
            long long n = 0;
            if (!parse_integer(args[i + 1], n)) {
                reply_not_integer(out_);
                co_return;
            }
            if (n < 1) {
                reply_syntax_error(out_);
                co_return;
            }
            count = static_cast<std::size_t>(n);
        } else if (opt == "type") {
            std::string t(args[i + 1]);
            for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (t == "string")
                type = db::value_type::string;
            else if (t == "list")
                type = db::value_type::list;
            else if (t == "hash")
                type = db::value_type::hash;
            else if (t == "set")
                type = db::value_type::set;
            else
                unknown_type = true;
        } else {
            reply_syntax_error(out_);
            co_return;
        }
    }
    const std::size_t shards = srv_.shard_count();
    std::size_t s = static_cast<std::size_t>(cursor % shards);
    std::size_t bucket = static_cast<std::size_t>(cursor / shards);
    std::vector<std::string> keys;
    std::uint64_t next_cursor = 0;
    // Shard after shard until COUNT is reached: a small keyspace comes back whole, with
    // cursor 0, as from Redis.
    for (;;) {
        std::size_t next = 0;
        shard& sh = srv_.shard_at(s);
        auto walk = [&] {
            if (sh.owner != 0 && sh.owner != tx_) return false; // SCAN's guarantees are weak
            next = scan_database(sh.dbs[client_.db], bucket, count, pattern, type, unix_ms(), keys);
            return true;
        };
        if (s != here_ || !walk()) co_await run_on(sh, walk);
        if (next != 0) {
            next_cursor = static_cast<std::uint64_t>(next) * shards + s;
            break;
        }
        if (s + 1 >= shards) break;
        if (keys.size() >= count) {
            next_cursor = s + 1; // the next shard, from its first bucket
            break;
        }
        ++s;
        bucket = 0;
    }
    if (unknown_type) keys.clear();
    out_.array(2);
    out_.bulk(std::to_string(next_cursor));
    out_.array(keys.size());
    for (auto& k : keys) out_.bulk(k);
}

} // namespace corio_redis::detail
