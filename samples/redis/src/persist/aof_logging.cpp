// What a shard logs; see aof_logging.hpp.
#include "aof_logging.hpp"

#include "../shard.hpp"
#include "aof_log.hpp"
#include "rdb_encode.hpp"

#include <string>

namespace corio_redis::persist {

void log_key_state(shard& s, std::size_t db, std::string_view key) {
    const db::entry* e = s.dbs[db].entries().find(key);
    if (!e) {
        const std::string_view del[] = {"DEL", key};
        s.aof->append(db, del);
        return;
    }
    const std::string at = std::to_string(e->expire_at);
    if (e->val.type() == db::value_type::string) {
        if (e->expire_at != 0) {
            const std::string_view set[] = {"SET", key, e->val.str(), "PXAT", at};
            s.aof->append(db, set);
        } else {
            const std::string_view set[] = {"SET", key, e->val.str()};
            s.aof->append(db, set);
        }
        return;
    }
    const std::string payload = dump_payload(e->val);
    const std::string_view restore[] = {"RESTORE", key, at, payload, "REPLACE", "ABSTTL"};
    s.aof->append(db, restore);
}

void log_command(shard& s, std::size_t db, std::span<const std::string_view> args,
                 const changed_keys& changed, logged_as how) {
    if (how != logged_as::key_states) s.aof->append(db, args);
    for (const auto& [d, key] : changed) {
        if (how != logged_as::sent) {
            log_key_state(s, d, key);
            continue;
        }
        const db::entry* e = s.dbs[d].entries().find(key);
        if (!e || e->expire_at == 0) continue;
        const std::string at = std::to_string(e->expire_at);
        const std::string_view pexpireat[] = {"PEXPIREAT", key, at};
        s.aof->append(d, pexpireat);
    }
}

} // namespace corio_redis::persist
