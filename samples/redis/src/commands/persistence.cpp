// Persistence commands: LASTSAVE, DUMP and RESTORE here; SAVE, BGSAVE and BGREWRITEAOF are run by
// the session (session_persist.cpp), which holds every shard for their point in time.
#include "../persist/rdb_decode.hpp"
#include "../persist/rdb_encode.hpp"
#include "../server.hpp"
#include "encoding.hpp"

#include <limits>

namespace corio_redis {
namespace {

void lastsave(command_context& c) {
    c.out.integer(c.srv.snapshots().last_save_unix());
}

// The session runs these; the table entry gives their name, arity and flags.
void run_by_session(command_context& c) {
    c.out.error("ERR this command runs in the client's session");
}

void dump(command_context& c) {
    db::entry* e = c.db().find(c.args[1], c.now_ms);
    if (!e) return c.out.null();
    c.out.bulk(persist::dump_payload(e->val));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void restore(command_context& c) {
    bool replace = false, absolute = false;
    long long idle = -1, freq = -1;
    for (std::size_t i = 4; i < c.args.size(); ++i) {
        const bool more = i + 1 < c.args.size();
        if (iequals(c.args[i], "replace")) {
            replace = true;
        } else if (iequals(c.args[i], "absttl")) {
            absolute = true;
        } else if (iequals(c.args[i], "idletime") && more && freq == -1) {
            if (!parse_integer(c.args[++i], idle)) return reply_not_integer(c.out);
            if (idle < 0) return c.out.error("ERR Invalid IDLETIME value, must be >= 0");
        } else if (iequals(c.args[i], "freq") && more && idle == -1) {
            if (!parse_integer(c.args[++i], freq)) return reply_not_integer(c.out);
            if (freq < 0 || freq > 255)
                return c.out.error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        } else {
            return reply_syntax_error(c.out);
        }
    }
    long long ttl = 0;
    if (!parse_integer(c.args[2], ttl)) return reply_not_integer(c.out);
    if (ttl < 0) return c.out.error("ERR Invalid TTL value, must be >= 0");
    db::database& d = c.db();
    const std::string_view key = c.args[1];
    const bool exists = d.find_untouched(key, c.now_ms) != nullptr;
    if (exists && !replace) return c.out.error("BUSYKEY Target key name already exists.");
    db::value v;
    try {
        v = persist::restore_payload(c.args[3]);
    } catch (const persist::rdb_error& e) {
        return c.out.error(e.kind == persist::rdb_error_kind::version_or_checksum
                               ? "ERR DUMP payload version or checksum are wrong"
                               : "ERR Bad data format");
    }
    if (ttl != 0 && !absolute) // saturating: a TTL past the clock's range never expires
        ttl = ttl > std::numeric_limits<long long>::max() - c.now_ms
                  ? std::numeric_limits<long long>::max()
                  : ttl + c.now_ms;
    if (ttl != 0 && ttl <= c.now_ms) {
        // Already expired: the key is gone (if it was replaced), nothing is made.
        if (exists && d.erase(key)) key_changed(c, notify_generic, "del", key);
        return c.out.ok();
    }
    settle_encoding(v, c.srv.cfg());
    db::entry& e = d.put(key, std::move(v), c.now_ms);
    if (ttl != 0) d.set_expiry(key, e, ttl);
    if (idle >= 0) db::keyspace::set_access(e, static_cast<std::uint32_t>(c.now_ms / 1000 - idle));
    key_changed(c, notify_generic, "restore", key);
    c.out.ok();
}

} // namespace

void register_persistence_commands(command_table& t) {
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"lastsave", 1, cmd_keyless | cmd_fast, 0, 0, 0, lastsave});
    add({"save", 1, cmd_keyless | cmd_admin | cmd_no_multi, 0, 0, 0, run_by_session});
    add({"bgsave", -1, cmd_keyless | cmd_admin, 0, 0, 0, run_by_session});
    add({"bgrewriteaof", 1, cmd_keyless | cmd_admin, 0, 0, 0, run_by_session});
    add({"dump", 2, cmd_readonly, 1, 1, 1, dump});
    add({"restore", -4, cmd_write, 1, 1, 1, restore});
}

} // namespace corio_redis
