// One client connection: parse every complete request in the inbound bytes (in place), run
// them in order, and send all their replies with one flush. Commands bound for the same
// other shard in a row go there in one hop; commands on this loop's shard run inline.
#include "session.hpp"

#include "protected_mode.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace corio_redis {
namespace detail {

// Redis's text: the name, then the arguments quoted, until those pass 128 characters (each
// cut to what is left of the 128).
void unknown_command(resp::reply& out, std::span<const std::string_view> args) {
    std::string listed;
    for (std::size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
        std::size_t room = 128 - listed.size();
        listed += '\'';
        listed.append(args[i].substr(0, room));
        listed += "' ";
    }
    out.error("ERR unknown command '" + std::string(args[0].substr(0, 128)) +
              "', with args beginning with: " + listed);
}

bool arity_ok(const command_spec& spec, std::size_t argc) {
    return spec.arity >= 0 ? argc == static_cast<std::size_t>(spec.arity)
                           : argc >= static_cast<std::size_t>(-spec.arity);
}

bool session::refuse_when_subscribed(const parsed_command& c) {
    // Named "client|id" for a subcommand, as Redis does. An unknown subcommand is not
    // refused here: the command itself says it does not know it, as in Redis.
    const bool has_sub = c.spec->flags & cmd_container && c.arg_count > 1;
    std::string_view sub = has_sub ? known_subcommand(c.spec->name, c.argv[1]) : std::string_view();
    if (has_sub && sub.empty()) return false;
    std::string name(c.spec->name);
    if (has_sub) (name += '|') += sub;
    out_.error("ERR Can't execute '" + name +
               "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
               "this context");
    return true;
}

corio::task<> session::run() {
    std::size_t need = 1; // bytes the next parse needs buffered
    for (;;) {
        if (need > conn_.inbound_buffered()) {
            // A request longer than client-query-buffer-limit is not waited for whole: the
            // client is closed once that much of it is here, as Redis does (no reply).
            const std::size_t query_limit = srv_.cfg().client_query_buffer_limit();
            auto more = co_await conn_.peek(std::min(need, query_limit + 1));
            if (!more) break;
            if (need > query_limit) {
                query_buffer_overflow();
                break;
            }
        }
        auto data = co_await conn_.read();
        if (!data) break;
        last_active_ = std::chrono::steady_clock::now();
        srv_.shard_at(here_).recent_input.note(data.size());
        std::size_t used = 0;
        bool protocol_error = false;
        std::string error_text;
        while (used < data.size()) {
            limits_.authenticated = client_.authenticated || !srv_.acl().default_requires_auth();
            std::size_t before = args_.size();
            auto r = resp::parse_request(data.substr(used), limits_, args_, owned_);
            if (r.status == resp::parse_status::complete) {
                batch_.push_back({before, args_.size() - before, nullptr, 0});
                used += r.consumed;
                need = 1;
                continue;
            }
            args_.resize(before);
            if (r.status == resp::parse_status::empty) {
                used += r.consumed;
                need = 1; // what an incomplete request asked for is met (found by fuzzing)
                continue;
            }
            if (r.status == resp::parse_status::incomplete) {
                need = r.needed; // counted from `used`, the new front once discarded
                break;
            }
            protocol_error = true;
            error_text = std::move(r.error);
            break;
        }
        for (auto& c : batch_) c.argv = args_.data() + c.first_arg;
        co_await run_commands(batch_);
        if (!killed_) output_over_limit(); // the last command's replies
        if (killed_) break; // CLIENT KILL, output limits: what is unsent is dropped, as in Redis
        if (protocol_error) {
            const std::size_t mark = out_bytes_.size();
            out_.error(error_text);
            account_rejected(nullptr, here_, mark); // Redis counts it in errorstats
            if (reply_off_) out_bytes_.resize(mark);
            client_.close_after_reply = true;
        }
        batch_.clear();
        args_.clear();
        owned_.clear();
        conn_.discard(used);
        if (std::exchange(wrote_, false) && srv_.aof().enabled() &&
            srv_.aof().policy() == persist::fsync_policy::always) {
            // No reply acknowledges a write before it is on disk; if the log cannot be
            // written, the client gets no reply at all (Redis exits then).
            const bool durable = co_await wait_durable();
            if (!durable) break;
        }
        if (!out_bytes_.empty()) {
            bool written = conn_.write(out_bytes_);
            out_bytes_.clear();
            if (!written) break;
            srv_.shard_at(here_).recent_output.note(conn_.outbound_buffered());
            // The replies leave at the end of the loop's turn, with the other connections'
            // (as Redis writes before it sleeps): a busy server then wakes each client about
            // once per turn, not once per batch. Past the high-water mark, wait for the
            // client to take them, as flush() does (unless a hard output limit bounds them).
            if (conn_.outbound_buffered() > conn_.high_water_mark() && waits_for_peer()) {
                auto failed = co_await conn_.flush();
                if (failed) break;
            } else {
                conn_.flush_soon();
            }
        }
        if (client_.close_after_reply) break;
        if (conn_.inbound_buffered() > srv_.cfg().client_query_buffer_limit()) {
            query_buffer_overflow();
            break;
        }
    }
    if (subscribed()) co_await unsubscribe_all_silently();
    unwatch();
}

corio::task<> session::run_commands(std::vector<parsed_command>& batch) {
    for (auto& c : batch) classify(c);
    // The commands of the client, not those an EXEC runs: those wait for a pause, are named
    // by CLIENT LIST and have their replies dropped by CLIENT REPLY (EXEC as a whole does).
    const bool top = tx_ == 0;
    std::size_t i = 0;
    while (i < batch.size()) {
        // Over its output limits, a client runs no more of its batch (Redis stops reading a
        // client it is closing).
        if (top && i != 0 && output_over_limit()) co_return;
        if (killed_) co_return; // CLIENT KILL: the rest of the batch is not run
        auto& c = batch[i];
        if (c.spec && c.spec->flags & (cmd_write | cmd_blocking)) wrote_ = true;
        if (top) {
            note_command(c);
            if (srv_.pause().engaged() && held_by_pause(c)) {
                co_await wait_out_pause(c);
                if (killed_) co_return;
            }
        }
        // ACL: the user's rules changed (any session's ACL command): read them again.
        if (client_.acl_version != srv_.acl().version()) refresh_acl_user();
        // Ends this command (or run of commands), however the code below leaves it: CLIENT
        // REPLY OFF/SKIP drop what it wrote (decided after it ran, so that CLIENT REPLY ON's
        // own +OK is sent), and a SKIP passes to the command after it.
        struct command_end {
            session& s;
            bool top;
            std::size_t mark;
            const parsed_command* feed = nullptr; // MONITOR: the command ran (not refused)
            ~command_end() {
                if (feed) s.feed_monitors(*feed);
                if (!s.client_.acl_events.empty()) s.flush_acl_events();
                if (!top) return;
                s.running_ = nullptr;
                if (s.replies_dropped() && s.out_bytes_.size() > mark) s.out_bytes_.resize(mark);
                s.reply_skip_ = std::exchange(s.reply_skip_next_, false);
            }
        } end_of_command{*this, top, out_bytes_.size()};
        out_.set_protocol(client_.protocol);
        if (multi_.active && !runs_inside_multi(c)) {
            // Queued for EXEC; a command that cannot run makes EXEC fail (EXECABORT).
            if (reject(c, here_))
                multi_.abort = true;
            else
                queue(c);
            ++i;
            continue;
        }
        if (c.spec && c.spec->name == "exec" && !arity_ok(*c.spec, c.arg_count)) {
            // Redis: a malformed EXEC discards the transaction, saying why (EXECABORT even
            // outside MULTI, where it still drops the WATCHes).
            multi_ = {};
            unwatch();
            const std::size_t mark = out_bytes_.size();
            out_.error("EXECABORT Transaction discarded because of: wrong number of "
                       "arguments for 'exec' command");
            account_rejected(c.spec, here_, mark);
            ++i;
            continue;
        }
        if (reject(c, here_)) {
            ++i;
            continue;
        }
        if (client_.protocol == 2 && subscribed() && !allowed_when_subscribed(c.spec->name) &&
            refuse_counted(c)) {
            ++i;
            continue;
        }
        if (monitoring_ && c.spec->flags & (cmd_readonly | cmd_write)) {
            out_.error("ERR Replica can't interact with the keyspace");
            ++i;
            continue;
        }
        // Monitors see every command that runs, after it ran (SELECT shows its new database),
        // but no admin command, as in Redis.
        if (srv_.monitors().active() && !(c.spec->flags & cmd_admin)) end_of_command.feed = &c;
        if (c.spec->name == "monitor") {
            if (!monitoring_) srv_.monitors().add(client_.id, delivery_target());
            monitoring_ = true;
            out_.ok();
            ++i;
            continue;
        }
        if (c.spec->name == "ping" && subscribed() && client_.protocol == 2) {
            auto args = args_of(c);
            out_.array(2); // RESP2 subscribers get PING's answer in message form
            out_.bulk("pong");
            out_.bulk(args.size() > 1 ? args[1] : std::string_view());
            ++i;
            continue;
        }
        if (c.spec->name == "reset") {
            // RESET also ends a MULTI, every WATCH, every subscription and CLIENT REPLY
            // OFF/SKIP (not NO-EVICT: Redis 7.0 keeps that).
            multi_ = {};
            unwatch();
            if (subscribed()) co_await unsubscribe_all_silently();
            reply_off_ = reply_skip_ = reply_skip_next_ = false;
            if (monitoring_) srv_.monitors().remove(client_.id);
            monitoring_ = false;
        }
        // The commands the session runs itself, as coroutines on this loop, are counted
        // here (the others in execute).
        const std::size_t mark = out_bytes_.size();
        if (c.spec->flags & cmd_pubsub) {
            const run_clock clock = clock_start();
            co_await pubsub_command(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            continue;
        }
        if (c.spec->flags & cmd_transaction) {
            const run_clock clock = clock_start();
            co_await transaction_command(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            continue;
        }
        if (c.spec->name == "scan") {
            const run_clock clock = clock_start();
            co_await run_scan(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            continue;
        }
        if (c.spec->flags & cmd_blocking) {
            const run_clock clock = clock_start();
            co_await run_blocking(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            if (client_.close_after_reply) co_return;
            continue;
        }
        if (runs_persistence(c)) { // SAVE, BGSAVE: they hold every shard for a moment
            const run_clock clock = clock_start();
            co_await persistence_command(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            continue;
        }
        if (runs_in_session(c)) { // CLIENT LIST, KILL, PAUSE...: they visit other loops
            co_await client_command(c);
            ++i;
            if (top && client_.close_after_reply) co_return; // it killed itself
            continue;
        }
        if (c.target == target_here) { // connection and keyless commands
            execute(c, &srv_.shard_at(here_), unix_ms());
            ++i;
            if (client_.acl_sweep) co_await close_stale_sessions(); // ACL DELUSER, LOAD
            if (client_.close_after_reply) co_return;
            continue;
        }
        if (c.target == here_ && can_run(srv_.shard_at(here_), c)) {
            execute(c, &srv_.shard_at(here_), unix_ms());
            ++i;
            continue;
        }
        if (c.target == target_split) {
            const run_clock clock = clock_start();
            co_await run_split(c);
            account(*c.spec, args_of(c), here_, mark, clock);
            ++i;
            continue;
        }
        // A run of commands for the same shard (another one, or this one while a
        // multi-shard operation holds it): one hop for all of them. Connection commands
        // (SELECT) have target_here, so they end a run. While a pause may hold commands, the
        // next reply is skipped, or monitors watch, each command goes on its own.
        std::size_t end = i + 1;
        if (!reply_skip_ && !srv_.pause().engaged() && !srv_.monitors().active())
            while (end < batch.size() && batch[end].target == c.target) ++end;
        shard& s = srv_.shard_at(c.target);
        // Past a hard output limit the rest of the run is left to the check at the top of
        // this loop (which closes the client), as Redis runs nothing more for it. The bytes
        // the connection holds are read here: on the other shard only out_bytes_ is ours.
        const std::uint64_t hard = top ? srv_.cfg().output_limit_for(limit_class()).hard : 0;
        const std::size_t queued = conn_.outbound_buffered();
        std::size_t ran_to = end;
        auto work = [&, i, end] {
            for (std::size_t k = i; k < end; ++k)
                if (!can_run(s, batch[k])) return false;
            std::int64_t now = unix_ms();
            for (std::size_t k = i; k < end; ++k) {
                if (!reject(batch[k], s.index)) execute(batch[k], &s, now);
                if (hard != 0 && reply_list_bytes(queued + out_bytes_.size()) >= hard) {
                    ran_to = k + 1;
                    break;
                }
            }
            return true;
        };
        co_await run_on(s, work);
        if (top && ran_to > i + 1) note_command(batch[ran_to - 1]); // CLIENT LIST: the last
        i = ran_to;
    }
}

} // namespace detail

corio::task<> serve_client(server& srv, corio::connection& conn) {
    const bool admitted = detail::admit_client(srv, conn); // counts it in (maxclients)
    if (!admitted) co_return;
    if (protected_mode_refuses(srv.cfg().protected_mode(), srv.acl().default_nopass(),
                               detail::is_local_peer(conn))) {
        // Redis's DENIED error, then the connection is closed without reading anything.
        srv.connected_clients.fetch_sub(1, std::memory_order_relaxed);
        srv.rejected_connections.fetch_add(1, std::memory_order_relaxed);
        auto failed = co_await conn.flush(protected_mode_denial);
        (void)failed;
        co_return;
    }
    detail::session s(srv, conn);
    try {
        co_await s.run();
    } catch (...) {
        s.leave_registry(); // nothing may find a session that is gone
        srv.connected_clients.fetch_sub(1, std::memory_order_relaxed);
        throw;
    }
    s.leave_registry();
    srv.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace corio_redis
