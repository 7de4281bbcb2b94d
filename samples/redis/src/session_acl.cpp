// The session's side of ACL: which user it is, the check before each command (session.hpp's
// refuse() calls acl_refuses when the fast path does not settle it), ACL LOG entries with
// this client's CLIENT INFO line, and closing the connections of users that are gone.
//
// Cost: an unrestricted user whose rules did not change costs one atomic load per command (the
// registry's version, written only when users change; run_commands compares it) and one flag
// test. A restricted user adds a bit test for the command and, only if it has key or channel
// patterns, the command's keys found from its key specs and matched against them. No lock
// unless the rules changed, and then once, on the session's own loop.
#include "session.hpp"

#include "acl/check.hpp"

#include <algorithm>

namespace corio_redis::detail {

void session::adopt_default_user() {
    auto d = srv_.acl().default_user();
    client_.user = std::move(d.rules);
    client_.acl_version = d.version;
    client_.authenticated = client_.user->nopass() && client_.user->enabled();
}

void session::refresh_acl_user() {
    auto fresh = srv_.acl().refresh(*client_.user);
    client_.acl_version = fresh.version;
    if (fresh.rules) {
        client_.user = std::move(fresh.rules);
        return;
    }
    // Deleted, or made anew by ACL LOAD: Redis closes such connections. The sweep that
    // follows the change may not have reached this one yet; until it does, nothing runs.
    acl_gone_ = true;
    client_.close_after_reply = true;
}

bool session::acl_refuses(const parsed_command& c) {
    if (acl_gone_) return true;
    const acl::user& u = *client_.user;
    if (u.unrestricted()) return false;
    auto args = args_of(c);
    const acl::command_id id = acl::resolve(c.spec->acl_id, args);
    const acl::verdict v = acl::check(u, id, (c.spec->flags & cmd_noauth) != 0, args);
    if (v.allowed()) return false;
    // Inside EXEC the command was allowed when it was queued: Redis says the rules changed.
    out_.error(tx_ ? acl::noperm_in_exec_error(v) : acl::noperm_error(v));
    client_.acl_events.push_back({acl::reason_name(v.what), acl::object_of(v, args), u.name()});
    return true;
}

void session::flush_acl_events() {
    std::string info;
    describe(info);
    const bool in_multi = multi_.active || tx_ != 0;
    const std::size_t max_len = srv_.cfg().acllog_max_len();
    for (auto& e : client_.acl_events) {
        acl::log_entry entry;
        entry.reason = e.reason;
        entry.context = in_multi ? "multi" : "toplevel";
        entry.object = std::move(e.object);
        entry.username = std::move(e.username);
        entry.client_info = info;
        entry.unix_ms = unix_ms();
        srv_.acl().log().add(std::move(entry), max_len);
    }
    client_.acl_events.clear();
}

corio::task<> session::close_stale_sessions() {
    client_.acl_sweep = false;
    const auto live = srv_.acl().identities();
    auto gone = [&live](const session& s) {
        return !std::binary_search(live.begin(), live.end(), s.client_.user->identity());
    };
    auto visit = [&](shard& sh) {
        // Picked first, acted on after: kill() must not change the list while it is read.
        std::vector<session*> victims;
        for (session* s : sh.sessions)
            if (!s->killed_ && gone(*s)) victims.push_back(s);
        for (session* s : victims) {
            if (s == this)
                client_.close_after_reply = true; // after its reply, as Redis does
            else
                s->kill();
        }
    };
    co_await visit_shards(srv_, here_, visit);
}

} // namespace corio_redis::detail
