// One client connection's session: the parsed batch, the client's state, and how its
// commands reach the shards (hop.hpp). The pieces live in session*.cpp by concern: the read
// loop and placement (session.cpp), multi-shard commands (session_multi_shard.cpp), MULTI/
// EXEC/WATCH (session_transactions.cpp), SCAN (session_scan.cpp) and blocking pops
// (session_blocking.cpp), and the CLIENT subcommands that reach other clients (LIST, KILL,
// UNBLOCK: session_client.cpp; PAUSE, UNPAUSE and REPLY: session_pause.cpp), and the client
// limits (maxclients, output and query buffer limits, timeout: session_limits.cpp).
#pragma once

#include "client_limits.hpp"
#include "command_clock.hpp"
#include "hop.hpp"
#include "resp/request_parser.hpp"
#include "server.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_redis::detail {

struct parsed_command {
    std::size_t first_arg = 0, arg_count = 0;
    const std::string_view* argv = nullptr; // set once the batch's argument list stops growing
    const command_spec* spec = nullptr;
    std::size_t target = 0; // shard index; see target_* below
};
constexpr std::size_t target_here = static_cast<std::size_t>(-1);  // the client's own loop
constexpr std::size_t target_split = static_cast<std::size_t>(-2); // keys on several shards

/// Redis's reply for a command it does not know.
void unknown_command(resp::reply& out, std::span<const std::string_view> args);
/// True if argc fits the spec's arity.
bool arity_ok(const command_spec& spec, std::size_t argc);
/// The subcommand's name as CLIENT LIST writes it after "name|" (lower case), or empty if
/// the command (one with cmd_container) has no such subcommand.
std::string_view known_subcommand(std::string_view command, std::string_view sub);

/// Runs visit(shard&) on every shard's loop in turn, this loop's inline: how CLIENT LIST,
/// KILL, UNBLOCK and UNPAUSE reach the sessions each shard lists.
template <class Visit>
corio::task<> visit_shards(server& srv, std::size_t here, Visit& visit) {
    for (std::size_t s = 0; s < srv.shard_count(); ++s) {
        shard& sh = srv.shard_at(s);
        auto step = [&] {
            visit(sh);
            return true;
        };
        if (s != here || !step()) co_await run_on(sh, step);
    }
}
/// True for a peer on this machine: loopback or a unix socket (session_stats.cpp).
bool is_local_peer(const corio::connection& conn);
/// maxclients: counts the new client in, or refuses it with Redis's error (false: the
/// caller ends, and the connection is closed); sets tcp-keepalive (session_limits.cpp).
bool admit_client(server& srv, corio::connection& conn);

class session : private output_listener {
public:
    session(server& srv, corio::connection& conn)
        : srv_(srv), conn_(conn), out_(out_bytes_, 2),
          here_(conn.owner().index() % srv.shard_count()) {
        client_.id = srv.next_client_id();
        adopt_default_user(); // as Redis: the default user, authenticated if it needs no AUTH
        limits_.max_bulk_len = srv.cfg().proto_max_bulk_len();
        // Made on the connection's loop, whose shard lists it for CLIENT LIST and KILL.
        auto& listed = srv.shard_at(here_).sessions;
        slot_ = listed.size();
        listed.push_back(this);
        client_.local_peer = is_local_peer(conn);
    }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    corio::task<> run();

    /// Takes this session off its shard's list; once run() is over (on this loop). Not in
    /// the destructor: a coroutine frame destroyed at exit may outlive the server.
    void leave_registry() {
        if (me_) me_->listener = nullptr; // deliveries still on their way find no session
        if (monitoring_) srv_.monitors().remove(client_.id);
        auto& listed = srv_.shard_at(here_).sessions;
        listed[slot_] = listed.back();
        listed[slot_]->slot_ = slot_;
        listed.pop_back();
    }

private:
    static std::span<const std::string_view> args_of(const parsed_command& c) {
        return {c.argv, c.arg_count};
    }

    // Looks each command up and decides where it runs; replies at once for the ones that
    // fail before running (unknown, arity, NOAUTH), marking them done (spec null).
    void classify(parsed_command& c) {
        auto args = args_of(c);
        const command_spec* spec = srv_.lookup(args[0]);
        if (!spec) return;
        c.spec = spec;
        if (!arity_ok(*spec, args.size())) return;
        if (spec->flags & cmd_all_shards) {
            c.target = srv_.shard_count() == 1 ? target_here : target_split;
            return;
        }
        if (spec->flags & (cmd_connection | cmd_keyless) ||
            (spec->first_key <= 0 && spec->numkeys_at <= 0)) {
            c.target = target_here;
            return;
        }
        std::size_t first = SIZE_MAX;
        bool split = false;
        for_each_key(*spec, args, [&](std::string_view key) {
            std::size_t s = srv_.shard_of(key);
            if (first == SIZE_MAX)
                first = s;
            else if (s != first)
                split = true;
        });
        c.target = split ? target_split : first;
    }

    // Runs one command whose checks passed, on the shard that is running now.
    void execute(const parsed_command& c, shard* home, std::int64_t now) {
        if (c.spec->flags & cmd_all_shards && c.spec->flags & cmd_write && home->watch_count)
            for (std::size_t d = 0; d < home->dbs.size(); ++d)
                if (flushes(*c.spec, d)) home->touch_existing(d, now);
        command_context ctx{args_of(c), client_, srv_, home, out_, now};
        const std::size_t mark = out_bytes_.size();
        const run_clock clock = clock_start();
        const bool reading = (c.spec->flags & cmd_readonly) != 0;
        if (reading) home->dbs[client_.db].count_lookups(true);
        if (home->aof && c.spec->flags & cmd_write && !home->touch_log) [[unlikely]]
            run_logged(ctx, *c.spec, *home);
        else
            c.spec->fn(ctx);
        if (reading) home->dbs[client_.db].count_lookups(false);
        account(*c.spec, args_of(c), home->index, mark, clock);
        // The command marked what it changed for WATCH itself (key_changed); a list it left
        // non-empty may serve a client blocked on it.
        if (c.spec->flags & cmd_write && home->blocked_count != 0)
            for_each_key(*c.spec, args_of(c), [&](std::string_view key) {
                serve_blocked(*home, client_.db, key, now, srv_.shard_count());
            });
    }

    // ---- transactions (MULTI/EXEC/DISCARD/WATCH/UNWATCH) --------------------------

    // What runs at once even between MULTI and EXEC (Redis's list).
    static bool runs_inside_multi(const parsed_command& c) {
        if (!c.spec) return false;
        std::string_view n = c.spec->name;
        return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
               n == "reset";
    }

    void queue(const parsed_command& c) {
        auto args = args_of(c);
        multi_.commands.emplace_back(args.begin(), args.end());
        out_.queued();
    }

    corio::task<> transaction_command(const parsed_command& c);
    corio::task<> run_scan(const parsed_command& c);
    corio::task<> run_blocking(const parsed_command& c);

    // ---- pub/sub (session_pubsub.cpp) -----------------------------------------------
    corio::task<> pubsub_command(const parsed_command& c);
    corio::task<> change_subscription(bool pattern, bool add, std::string_view name);
    corio::task<> unsubscribe_all_silently();
    static bool allowed_when_subscribed(std::string_view name);
    /// Replies the error for a command a RESP2 subscriber may not send; false (no reply)
    /// for an unknown subcommand, which the command reports itself.
    bool refuse_when_subscribed(const parsed_command& c);
    // refuse_when_subscribed, with the refusal counted in errorstats.
    bool refuse_counted(const parsed_command& c) {
        const std::size_t mark = out_bytes_.size();
        if (!refuse_when_subscribed(c)) return false;
        account_rejected(c.spec, here_, mark);
        return true;
    }
    bool subscribed() const noexcept { return !channels_.empty() || !patterns_.empty(); }
    corio::task<> exec();
    corio::task<> watch(std::span<const std::string_view> keys);
    void unwatch();

    // ---- CLIENT LIST/INFO/KILL/UNBLOCK (session_client.cpp) --------------------------
    // Another session reaches this one only on this session's loop (a visit by run_on),
    // while this session's coroutine is suspended, so plain fields suffice.

    /// The CLIENT subcommands the session runs itself (the others are commands/connection).
    static bool runs_in_session(const parsed_command& c);
    corio::task<> client_command(const parsed_command& c);
    corio::task<> client_list(const parsed_command& c);
    corio::task<> client_kill(const parsed_command& c);
    corio::task<> client_unblock(const parsed_command& c);
    void client_help();
    /// Appends this client's CLIENT LIST line (without the newline).
    void describe(std::string& out) const;
    /// CLIENT KILL by another client: stops this session without replying more.
    void kill();
    /// Records what CLIENT LIST shows as this client's command, before it runs.
    void note_command(const parsed_command& c) {
        running_ = &c;
        last_spec_ = c.spec;
        last_sub_ = {};
        if (c.spec && c.spec->flags & cmd_container && c.arg_count > 1) {
            last_sub_ = known_subcommand(c.spec->name, c.argv[1]);
            if (last_sub_.empty()) last_spec_ = nullptr; // Redis: an unknown one is no command
        }
    }

    // ---- SAVE, BGSAVE (session_persist.cpp) --------------------------------------------
    /// Runs a write command on `home` and logs it to the shard's append-only log (with
    /// appendfsync always, its reply then waits for the disk: wait_durable).
    void run_logged(command_context& ctx, const command_spec& spec, shard& home);
    /// appendfsync always: before replies leave, the writes they acknowledge are on disk.
    corio::task<bool> wait_durable();
    bool wrote_ = false; // the batch ran a write (appendfsync always waits for the disk)
    static bool runs_persistence(const parsed_command& c);
    /// stop-writes-on-bgsave-error in force: the last save failed, saving is configured.
    bool refuses_writes() const {
        return !srv_.snapshots().last_ok() && refuses_writes_after_failure();
    }
    bool refuses_writes_after_failure() const;
    corio::task<> persistence_command(const parsed_command& c);
    corio::task<> rewrite_command();

    // ---- CLIENT PAUSE/UNPAUSE/REPLY/NO-EVICT (session_pause.cpp) -----------------------
    void client_pause(const parsed_command& c);
    corio::task<> client_unpause();
    void client_reply(const parsed_command& c);
    void client_no_evict(const parsed_command& c);
    /// Must command c wait for the pause in force (if any)? Commands that fail before they
    /// run (unknown, arity, NOAUTH) do not: Redis refuses them first.
    bool held_by_pause(const parsed_command& c);
    /// A write for CLIENT PAUSE WRITE: a write command, PUBLISH, or an EXEC of any.
    bool counts_as_write(const parsed_command& c) const;
    /// Waits until the pause no longer holds c, UNPAUSE, or a kill.
    corio::task<> wait_out_pause(const parsed_command& c);
    bool replies_dropped() const noexcept { return reply_off_ || reply_skip_; }

    // Replies for a command that cannot run (unknown, wrong arity, not authenticated),
    // counting the refusal on `loop`'s statistics (the loop running this); false if it can.
    bool reject(const parsed_command& c, std::size_t loop) {
        const std::size_t mark = out_bytes_.size();
        bool refused = refuse(c) || refuses_for_memory(c, loop);
        if (refused) account_rejected(c.spec, loop, mark);
        return refused;
    }
    // maxmemory (eviction.hpp): evicts keys of shard `loop` (the one running this) while
    // memory is over, and refuses a denyoom command if nothing could be evicted anywhere.
    bool refuses_for_memory(const parsed_command& c, std::size_t loop) {
        return srv_.cfg().maxmemory() != 0 && c.spec && refuse_over_memory(c, loop);
    }
    bool refuse_over_memory(const parsed_command& c, std::size_t loop); // session_memory.cpp
    bool refuse(const parsed_command& c) {
        auto args = args_of(c);
        if (!c.spec) {
            unknown_command(out_, args);
            return true;
        }
        // Key-value pairs (MSET): an odd count is an arity error too, before any split.
        if (!arity_ok(*c.spec, args.size()) ||
            (c.spec->key_step > 1 && c.spec->last_key < 0 && c.spec->first_key > 0 &&
             (args.size() - static_cast<std::size_t>(c.spec->first_key)) %
                     static_cast<std::size_t>(c.spec->key_step) !=
                 0)) {
            reply_wrong_arity(out_, c.spec->name);
            return true;
        }
        // Redis asks for AUTH while the default user is off or has a password.
        if (!client_.authenticated && !(c.spec->flags & cmd_noauth) &&
            srv_.acl().default_requires_auth()) {
            out_.error("NOAUTH Authentication required.");
            return true;
        }
        if (multi_.active && c.spec->flags & cmd_no_multi) {
            out_.error("ERR Command not allowed inside a transaction");
            return true;
        }
        // The ACL check's fast path: a user whose rules allow everything.
        if ((acl_gone_ || !client_.user->unrestricted()) && acl_refuses(c)) return true;
        // stop-writes-on-bgsave-error: after a failed save, writes are refused until one
        // succeeds (while saving is configured), so that nobody writes what cannot be kept.
        if (c.spec->flags & cmd_write && refuses_writes()) {
            out_.error("MISCONF Redis is configured to save RDB snapshots, but it's currently "
                       "unable to persist to disk. Commands that may modify the data set are "
                       "disabled, because this instance is configured to report errors during "
                       "writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
                       "Please check the Redis logs for details about the RDB error.");
            return true;
        }
        return false;
    }

    // ---- ACL (session_acl.cpp) ----------------------------------------------------------
    void adopt_default_user();
    /// Reads the user's rules again (run_commands calls it when the registry's version is
    /// not the one they were read at). This loop only: CLIENT LIST reads client_.user here.
    void refresh_acl_user();
    /// The ACL check of c, replying NOPERM and noting the refusal for ACL LOG. A session
    /// whose user is gone refuses everything silently and closes. May run on another
    /// shard's loop (a hop): it only reads the rules.
    bool acl_refuses(const parsed_command& c);
    /// Logs the refusals noted in client_.acl_events, with this client's CLIENT INFO line.
    /// This loop only.
    void flush_acl_events();
    /// After ACL DELUSER or LOAD: closes every session whose user is gone (this one after
    /// its reply).
    corio::task<> close_stale_sessions();

    corio::task<> run_commands(std::vector<parsed_command>& batch);

    // ---- client limits (session_limits.cpp) ----------------------------------------------
public:
    /// The per-loop check (once a second, shard's loop): closes the clients idle past
    /// `timeout` and those over their output limits for too long.
    static void check_clients(server& srv, shard& sh);

private:
    // The class the output limits of this client are: pubsub while subscribed (in either
    // protocol, as Redis's flag is), else normal (MONITOR clients too, as in Redis).
    client_class limit_class() const noexcept {
        return subscribed() ? client_class::pubsub : client_class::normal;
    }
    // Reply bytes queued and not yet sent: this batch's, then the connection's.
    std::size_t pending_output() const noexcept {
        return out_bytes_.size() + conn_.outbound_buffered();
    }
    /// Checks the output limits of this client's class; over them it is closed (kill) and
    /// true is returned. Cheap: a few relaxed loads, no clock unless over the soft limit.
    bool output_over_limit();
    void output_queued() override { output_over_limit(); }
    /// Whether the backpressure wait (flush past the high-water mark) applies: not to a
    /// class with a hard limit, which bounds the buffer instead (Redis has no such wait,
    /// so its clients reach their limits).
    bool waits_for_peer() const noexcept {
        return srv_.cfg().output_limit_for(limit_class()).hard == 0;
    }
    /// Logs and counts a query buffer over client-query-buffer-limit; the caller closes.
    void query_buffer_overflow();
    /// The subscriber record deliveries reach this client by (made on first use).
    const subscriber_ptr& delivery_target();
    std::string client_info() const; // CLIENT INFO's line, for log lines
    output_guard output_guard_;
    std::size_t seen_pending_ = 0; // what the last check_clients saw pending (progress)

    // ---- statistics: INFO commandstats/errorstats, SLOWLOG, LATENCY (session_stats.cpp) --
    struct run_clock {
        command_clock::ticks start = 0;
        bool on = false;
    };
    // Commands are timed only while the slowlog or the latency monitor is on.
    run_clock clock_start() const {
        run_clock c;
        if (srv_.cfg().timing_wanted()) {
            c.on = true;
            c.start = command_clock::now();
        }
        return c;
    }
    // A command that ran, on the loop of shard `loop` (its reply begins at out_bytes_[mark]).
    void account(const command_spec& spec, std::span<const std::string_view> args, std::size_t loop,
                 std::size_t mark, run_clock clock);
    // A command refused before it ran (its error reply begins at out_bytes_[mark]).
    void account_rejected(const command_spec* spec, std::size_t loop, std::size_t mark);
    void count_error(loop_stats& st, std::string_view reply);
    void log_slow(const command_spec& spec, std::span<const std::string_view> args,
                  std::size_t loop, std::int64_t usec);
    const std::string& peer(); // "ip:port", for the slowlog (made on first use)
    // The keyspace-wide writes that empty databases, and which: FLUSHALL every one, FLUSHDB
    // the client's (SWAPDB touches what it must itself).
    bool flushes(const command_spec& spec, std::size_t db) const {
        return spec.name == "flushall" || (spec.name == "flushdb" && db == client_.db);
    }

    // A command whose keys live on several shards: each shard runs it on its own keys
    // (in shard order), and the per-shard replies are merged (command_spec::fn is given the
    // sub-list of arguments for that shard).
    corio::task<> run_split(const parsed_command& c);
    // A multi-shard command that reads on one shard and writes on another (RENAME, SMOVE,
    // the STORE forms): its keys' entries are copied into a private shard, the command runs
    // there, and the results are written back, all while the shards are held.
    corio::task<> run_gathered(const parsed_command& c);

    // Releases shards taken by a multi-shard operation (this loop's at once, the others by
    // a post, which lands before anything this session sends there later).
    void release(const std::vector<std::size_t>& held, std::uint64_t tx) {
        if (tx_) return; // inside EXEC: it releases everything at its end
        for (std::size_t s : held) {
            shard& sh = srv_.shard_at(s);
            if (s == here_)
                sh.release(tx);
            else
                sh.loop.post([&sh, tx] { sh.release(tx); });
        }
    }

    // May command c run on shard s now (its keys not locked by another operation)?
    bool can_run(const shard& s, const parsed_command& c) const {
        if (!c.spec) return true;
        if (c.spec->flags & cmd_all_shards) return s.all_free(tx_);
        if (s.owner != 0 && s.owner != tx_) return false;
        if (s.key_locks.empty()) return true;
        bool free = true;
        for_each_key(*c.spec, args_of(c), [&](std::string_view key) {
            if (free && !s.keys_free(std::array<std::string_view, 1>{key}, tx_)) free = false;
        });
        return free;
    }

    server& srv_;
    corio::connection& conn_;
    client_state client_;
    std::string out_bytes_;
    resp::reply out_;
    std::size_t here_;
    resp::parser_limits limits_;
    std::vector<std::string_view> args_;
    std::deque<std::string> owned_;
    std::vector<parsed_command> batch_;

    // The multi-shard operation this session's commands run under (EXEC's), or 0.
    std::uint64_t tx_ = 0;
    struct {
        bool active = false; // between MULTI and EXEC/DISCARD
        bool abort = false;  // a command failed to queue: EXEC says EXECABORT
        std::vector<std::vector<std::string>> commands;
    } multi_;
    subscriber_ptr me_;                            // made by the first subscription
    std::vector<std::string> channels_, patterns_; // in subscription order
    watch_flag watch_dirty_; // made by the first WATCH; null when nothing is watched
    std::vector<std::pair<std::size_t, std::string>> watched_; // (database, key)

    // What CLIENT LIST, KILL, UNBLOCK and UNPAUSE read or act on (this loop only).
    std::size_t slot_ = 0; // in srv_.shard_at(here_).sessions
    const std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_active_ = created_; // the last batch read
    const command_spec* last_spec_ = nullptr; // the last command (null: none, or unknown)
    std::string_view last_sub_;               // its subcommand, a literal (see note_command)
    const parsed_command* running_ = nullptr; // the command under way (its arguments)
    blocked_ptr blocked_;                     // while waiting in a blocking pop
    boost::asio::steady_timer* pause_timer_ = nullptr; // while held by CLIENT PAUSE
    bool killed_ = false;                              // CLIENT KILL: end without replying
    bool reply_off_ = false, reply_skip_ = false;      // CLIENT REPLY OFF / SKIP (this one)
    bool reply_skip_next_ = false;                     // CLIENT REPLY SKIP: the next one
    bool no_evict_ = false;                            // CLIENT NO-EVICT ON (flag only)
    std::string peer_;                                 // see peer()
    bool monitoring_ = false; // MONITOR: every command of every client is sent here
    bool acl_gone_ = false;   // the user was deleted (or made anew by ACL LOAD): closing
    void feed_monitors(const parsed_command& c);
    std::chrono::steady_clock::duration waited_{}; // a blocking command's wait, not its work
};

} // namespace corio_redis::detail
