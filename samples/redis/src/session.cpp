// One client connection: parse every complete request in the inbound bytes (in place), run
// them in order, and send all their replies with one flush. Commands bound for the same
// other shard in a row go there in one hop; commands on this loop's shard run inline.
#include "server.hpp"

#include "commands/scan.hpp"
#include "resp/request_parser.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace corio_redis {
namespace {

namespace asio = boost::asio;

// Runs step() on shard s's loop and resumes the calling coroutine on its own loop once step
// returns true. step returns false when s is held by another operation: it then waits in the
// shard's queue and runs again when s is released. The caller is suspended meanwhile, so
// step may use the caller's state (its reply buffer, its parsed arguments) without a lock:
// the posts order every access.
// Work waiting for a held shard: re-runs its step when the shard is released, then resumes
// the waiting coroutine on its own executor.
template <class Step, class Executor, class Handler>
struct shard_job final : shard_waiter {
    shard_job(shard& s, Step& step, Executor home, Handler handler)
        : s_(s), step_(step), home_(std::move(home)), handler_(std::move(handler)) {}
    void resume(std::unique_ptr<shard_waiter> self) override {
        if (!step_()) {
            s_.waiters.push_back(std::move(self));
            return;
        }
        asio::post(home_, std::move(handler_));
    }
    shard& s_;
    Step& step_;
    Executor home_;
    Handler handler_;
};

template <class Step>
corio::task<> run_on(shard& s, Step& step) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [&s, &step](auto handler) {
            auto home = asio::get_associated_executor(handler);
            using job = shard_job<Step, decltype(home), decltype(handler)>;
            // The job (an allocation) is made only when the shard is held: a plain hop
            // carries the handler in the posted function.
            s.loop.post([&s, &step, home = std::move(home), h = std::move(handler)]() mutable {
                if (step()) {
                    asio::post(home, std::move(h));
                    return;
                }
                s.waiters.push_back(std::make_unique<job>(s, step, std::move(home), std::move(h)));
            });
        },
        asio::use_awaitable);
}

struct parsed_command {
    std::size_t first_arg = 0, arg_count = 0;
    const std::string_view* argv = nullptr; // set once the batch's argument list stops growing
    const command_spec* spec = nullptr;
    std::size_t target = 0; // shard index; see target_* below
};
constexpr std::size_t target_here = static_cast<std::size_t>(-1);  // the client's own loop
constexpr std::size_t target_split = static_cast<std::size_t>(-2); // keys on several shards

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

class session {
public:
    session(server& srv, corio::connection& conn)
        : srv_(srv), conn_(conn), out_(out_bytes_, 2),
          here_(conn.owner().index() % srv.shard_count()) {
        client_.id = srv.next_client_id();
        client_.authenticated = srv.cfg().requirepass().empty();
        limits_.max_bulk_len = srv.cfg().proto_max_bulk_len();
    }

    corio::task<> run() {
        std::size_t need = 1; // bytes the next parse needs buffered
        for (;;) {
            if (need > conn_.inbound_buffered()) {
                auto more = co_await conn_.peek(need);
                if (!more) break;
            }
            auto data = co_await conn_.read();
            if (!data) break;
            std::size_t used = 0;
            bool protocol_error = false;
            std::string error_text;
            while (used < data.size()) {
                limits_.authenticated = client_.authenticated;
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
            if (protocol_error) {
                out_.error(error_text);
                client_.close_after_reply = true;
            }
            batch_.clear();
            args_.clear();
            owned_.clear();
            conn_.discard(used);
            if (!out_bytes_.empty()) {
                conn_.write(out_bytes_);
                out_bytes_.clear();
                auto failed = co_await conn_.flush();
                if (failed) break;
            }
            if (client_.close_after_reply) break;
            if (conn_.inbound_buffered() > srv_.cfg().client_query_buffer_limit()) break;
        }
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
                if (c.spec->name == "flushall" || d == client_.db) home->touch_existing(d, now);
        command_context ctx{args_of(c), client_, srv_, home, out_, now};
        c.spec->fn(ctx);
        srv_.total_commands.fetch_add(1, std::memory_order_relaxed);
        if (c.spec->flags & cmd_write && home->watch_count != 0)
            for_each_key(*c.spec, args_of(c),
                         [&](std::string_view key) { home->touch(client_.db, key); });
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
    corio::task<> exec();
    corio::task<> watch(std::span<const std::string_view> keys);
    void unwatch();

    // Replies for a command that cannot run (unknown, wrong arity, not authenticated);
    // false if it can.
    bool reject(const parsed_command& c) {
        auto args = args_of(c);
        if (!c.spec) {
            unknown_command(out_, args);
            return true;
        }
        if (!arity_ok(*c.spec, args.size())) {
            reply_wrong_arity(out_, c.spec->name);
            return true;
        }
        if (!client_.authenticated && !(c.spec->flags & cmd_noauth)) {
            out_.error("NOAUTH Authentication required.");
            return true;
        }
        return false;
    }

    corio::task<> run_commands(std::vector<parsed_command>& batch) {
        for (auto& c : batch) classify(c);
        std::size_t i = 0;
        while (i < batch.size()) {
            auto& c = batch[i];
            out_.set_protocol(client_.protocol);
            if (multi_.active && !runs_inside_multi(c)) {
                // Queued for EXEC; a command that cannot run makes EXEC fail (EXECABORT).
                if (reject(c))
                    multi_.abort = true;
                else
                    queue(c);
                ++i;
                continue;
            }
            if (multi_.active && c.spec && c.spec->name == "exec" &&
                !arity_ok(*c.spec, c.arg_count)) {
                // Redis: a malformed EXEC discards the transaction, saying why.
                multi_ = {};
                unwatch();
                out_.error("EXECABORT Transaction discarded because of: wrong number of "
                           "arguments for 'exec' command");
                ++i;
                continue;
            }
            if (reject(c)) {
                ++i;
                continue;
            }
            if (c.spec->flags & cmd_transaction) {
                co_await transaction_command(c);
                ++i;
                continue;
            }
            if (c.spec->name == "scan") {
                co_await run_scan(c);
                ++i;
                continue;
            }
            if (c.target == target_here) { // connection and keyless commands
                execute(c, &srv_.shard_at(here_), unix_ms());
                ++i;
                if (client_.close_after_reply) co_return;
                continue;
            }
            if (c.target == here_ && srv_.shard_at(here_).open_to(tx_)) {
                execute(c, &srv_.shard_at(here_), unix_ms());
                ++i;
                continue;
            }
            if (c.target == target_split) {
                co_await run_split(c);
                ++i;
                continue;
            }
            // A run of commands for the same shard (another one, or this one while a
            // multi-shard operation holds it): one hop for all of them. Connection commands
            // (SELECT) have target_here, so they end a run.
            std::size_t end = i + 1;
            while (end < batch.size() && batch[end].target == c.target) ++end;
            shard& s = srv_.shard_at(c.target);
            auto work = [&, i, end] {
                if (!s.open_to(tx_)) return false;
                std::int64_t now = unix_ms();
                for (std::size_t k = i; k < end; ++k) {
                    if (!reject(batch[k])) execute(batch[k], &s, now);
                }
                return true;
            };
            co_await run_on(s, work);
            i = end;
        }
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
    void release(const std::vector<std::size_t>& held) {
        if (tx_) return; // inside EXEC: it releases everything at its end
        for (std::size_t s : held) {
            shard& sh = srv_.shard_at(s);
            if (s == here_)
                sh.release();
            else
                sh.loop.post([&sh] { sh.release(); });
        }
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
    watch_flag watch_dirty_; // made by the first WATCH; null when nothing is watched
    std::vector<std::pair<std::size_t, std::string>> watched_; // (database, key)
};

} // namespace
} // namespace corio_redis

namespace corio_redis {
namespace {

// The length of the RESP value at the front of `s` (a bulk, a null, an integer or a simple
// string or error: what per-key replies are), or 0 if it is none of those.
std::size_t value_length(std::string_view s) {
    auto line_end = s.find("\r\n");
    if (line_end == std::string_view::npos || s.empty()) return 0;
    if (s[0] != '$') return line_end + 2;
    long long len = 0;
    if (!parse_integer(s.substr(1, line_end - 1), len)) return 0;
    if (len < 0) return line_end + 2;
    return line_end + 2 + static_cast<std::size_t>(len) + 2;
}

} // namespace

corio::task<> session::run_split(const parsed_command& c) {
    auto args = args_of(c);
    const command_spec& spec = *c.spec;
    if (spec.split == split_kind::none) {
        co_await run_gathered(c);
        co_return;
    }
    const std::size_t shards = srv_.shard_count();
    const bool every_shard = (spec.flags & cmd_all_shards) != 0;
    std::vector<std::vector<std::size_t>> positions(shards); // argument index of each key
    std::size_t keys = 0;
    if (!every_shard) {
        for_each_key_index(spec, args, [&](std::size_t i) {
            positions[srv_.shard_of(args[i])].push_back(i);
            ++keys;
        });
    }
    std::size_t concat_count = 0;
    std::string concat_bytes;
    // Each shard is taken (in ascending order) and keeps serving only this operation until
    // every part is done: the command is atomic across shards.
    const std::uint64_t tx = tx_ ? tx_ : srv_.next_operation_id();
    std::vector<std::size_t> held; // released at the end, unless EXEC holds them
    std::vector<std::string> values(spec.split == split_kind::values ? keys : 0);
    long long sum = 0;
    std::string sub_bytes;
    std::vector<std::string_view> sub;
    for (std::size_t s = 0; s < shards; ++s) {
        if (every_shard) {
            sub.assign(args.begin(), args.end());
        } else {
            if (positions[s].empty()) continue;
            sub.assign(1, args[0]);
            for (std::size_t p : positions[s])
                for (int k = 0; k < spec.key_step; ++k)
                    sub.push_back(args[p + static_cast<std::size_t>(k)]);
        }
        sub_bytes.clear();
        resp::reply sub_out(sub_bytes, client_.protocol);
        shard& target = srv_.shard_at(s);
        auto work = [&] {
            if (!target.open_to(tx)) return false;
            target.owner = tx;
            std::int64_t now = unix_ms();
            if (every_shard && spec.flags & cmd_write && target.watch_count != 0) {
                for (std::size_t d = 0; d < target.dbs.size(); ++d)
                    if (spec.name == "flushall" || d == client_.db) target.touch_existing(d, now);
            }
            command_context ctx{sub, client_, srv_, &target, sub_out, now};
            spec.fn(ctx);
            if (!every_shard && spec.flags & cmd_write && target.watch_count != 0) {
                for (std::size_t k = 1; k < sub.size(); k += spec.key_step)
                    target.touch(client_.db, sub[k]);
            }
            return true;
        };
        if (s == here_ && target.open_to(tx))
            work();
        else
            co_await run_on(target, work);
        held.push_back(s);
        std::string_view r = sub_bytes;
        if (!r.empty() && r[0] == '-') { // an error from any shard is the reply
            out_.bytes().append(r);
            release(held);
            co_return;
        }
        switch (spec.split) {
        case split_kind::sum: {
            long long n = 0;
            if (r.size() > 3 && r[0] == ':' && parse_integer(r.substr(1, r.size() - 3), n))
                sum += n;
            break;
        }
        case split_kind::values: {
            // "*k\r\n" then one value per key, in the order of positions[s].
            auto header_end = r.find("\r\n");
            r.remove_prefix(header_end == std::string_view::npos ? r.size() : header_end + 2);
            for (std::size_t p : positions[s]) {
                std::size_t len = value_length(r);
                std::size_t slot = (p - static_cast<std::size_t>(spec.first_key)) /
                                   static_cast<std::size_t>(spec.key_step);
                values[slot] = std::string(r.substr(0, len));
                r.remove_prefix(len);
            }
            break;
        }
        case split_kind::concat: {
            auto header_end = r.find("\r\n");
            long long n = 0;
            if (r.size() > 1 && header_end != std::string_view::npos &&
                parse_integer(r.substr(1, header_end - 1), n) && n > 0) {
                concat_count += static_cast<std::size_t>(n);
                concat_bytes.append(r.substr(header_end + 2));
            }
            break;
        }
        case split_kind::first:
            if (r != "$-1\r\n" && r != "_\r\n") {
                out_.bytes().append(r);
                srv_.total_commands.fetch_add(1, std::memory_order_relaxed);
                release(held);
                co_return;
            }
            break;
        case split_kind::ok:
        case split_kind::none:
            break;
        }
    }
    switch (spec.split) {
    case split_kind::sum:
        out_.integer(sum);
        break;
    case split_kind::ok:
        out_.ok();
        break;
    case split_kind::values:
        out_.array(values.size());
        for (auto& v : values) out_.bytes().append(v);
        break;
    case split_kind::concat:
        out_.array(concat_count);
        out_.bytes().append(concat_bytes);
        break;
    case split_kind::first:
        out_.null();
        break;
    case split_kind::none:
        break;
    }
    release(held);
    srv_.total_commands.fetch_add(1, std::memory_order_relaxed);
}

corio::task<> serve_client(server& srv, corio::connection& conn) {
    srv.total_connections.fetch_add(1, std::memory_order_relaxed);
    srv.connected_clients.fetch_add(1, std::memory_order_relaxed);
    session s(srv, conn);
    co_await s.run();
    srv.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace corio_redis

namespace corio_redis {

corio::task<> session::run_gathered(const parsed_command& c) {
    auto args = args_of(c);
    const command_spec& spec = *c.spec;
    const std::size_t dbs = srv_.cfg().databases();
    std::vector<std::vector<std::string_view>> keys_of(srv_.shard_count());
    for_each_key(spec, args, [&](std::string_view key) {
        auto& keys = keys_of[srv_.shard_of(key)];
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    });
    const std::uint64_t tx = tx_ ? tx_ : srv_.next_operation_id();
    const std::int64_t now = unix_ms();
    // Every database: COPY ... DB n and MOVE reach past the selected one.
    shard scratch(srv_.shard_count(), conn_.owner(), dbs);
    std::vector<std::size_t> held;
    for (std::size_t s = 0; s < keys_of.size(); ++s) {
        if (keys_of[s].empty()) continue;
        shard& sh = srv_.shard_at(s);
        auto take = [&] {
            if (!sh.open_to(tx)) return false;
            sh.owner = tx;
            for (auto key : keys_of[s]) {
                for (std::size_t d = 0; d < dbs; ++d) {
                    if (db::entry* e = sh.dbs[d].find(key, now)) {
                        db::entry& copy = scratch.dbs[d].put(key, e->val.clone(), now);
                        scratch.dbs[d].set_expiry(copy, e->expire_at);
                    }
                }
            }
            return true;
        };
        if (s == here_ && sh.open_to(tx))
            take();
        else
            co_await run_on(sh, take);
        held.push_back(s);
    }
    command_context ctx{args, client_, srv_, &scratch, out_, now};
    spec.fn(ctx);
    srv_.total_commands.fetch_add(1, std::memory_order_relaxed);
    // The command's effects go back to each key's shard, which is then released.
    for (std::size_t s : held) {
        shard& sh = srv_.shard_at(s);
        auto put_back = [&] {
            for (auto key : keys_of[s]) {
                for (std::size_t d = 0; d < dbs; ++d) {
                    if (db::entry* e = scratch.dbs[d].find(key, now)) {
                        db::entry& dst = sh.dbs[d].put(key, std::move(e->val), now);
                        sh.dbs[d].set_expiry(dst, e->expire_at);
                    } else {
                        sh.dbs[d].erase(key);
                    }
                    if (spec.flags & cmd_write) sh.touch(d, key);
                }
            }
            if (!tx_) sh.release(); // inside EXEC, EXEC releases
            return true;
        };
        if (s == here_)
            put_back();
        else
            co_await run_on(sh, put_back);
    }
}

} // namespace corio_redis

namespace corio_redis {

corio::task<> session::transaction_command(const parsed_command& c) {
    auto args = args_of(c);
    std::string_view name = c.spec->name;
    if (name == "multi") {
        if (multi_.active) {
            out_.error("ERR MULTI calls can not be nested");
            co_return;
        }
        multi_.active = true;
        out_.ok();
    } else if (name == "discard") {
        if (!multi_.active) {
            out_.error("ERR DISCARD without MULTI");
            co_return;
        }
        multi_.active = multi_.abort = false;
        multi_.commands.clear();
        unwatch();
        out_.ok();
    } else if (name == "exec") {
        if (!multi_.active) {
            out_.error("ERR EXEC without MULTI");
            co_return;
        }
        co_await exec();
    } else if (name == "watch") {
        if (multi_.active) {
            out_.error("ERR WATCH inside MULTI is not allowed");
            co_return;
        }
        co_await watch(args.subspan(1));
        out_.ok();
    } else if (name == "unwatch") {
        unwatch();
        out_.ok();
    }
}

corio::task<> session::watch(std::span<const std::string_view> keys) {
    if (!watch_dirty_) watch_dirty_ = std::make_shared<std::atomic<bool>>(false);
    for (auto key : keys) {
        watched_.emplace_back(client_.db, std::string(key));
        shard& sh = srv_.shard_at(srv_.shard_of(key));
        auto add = [&] {
            sh.watchers[client_.db][std::string(key)].push_back(watch_dirty_);
            ++sh.watch_count;
            return true;
        };
        if (sh.index == here_)
            add();
        else
            co_await run_on(sh, add);
    }
}

// Forgets every WATCH. The registrations are removed by posts to their shards (nothing
// waits for them: a stale one only sets a flag nobody reads any more).
void session::unwatch() {
    if (!watch_dirty_) return;
    for (auto& [db, key] : watched_) {
        shard& sh = srv_.shard_at(srv_.shard_of(key));
        auto drop = [&sh, db = db, key = std::move(key), flag = watch_dirty_] {
            auto it = sh.watchers[db].find(key);
            if (it == sh.watchers[db].end()) return;
            auto& flags = it->second;
            auto gone = std::remove(flags.begin(), flags.end(), flag);
            sh.watch_count -= static_cast<std::size_t>(flags.end() - gone);
            flags.erase(gone, flags.end());
            if (flags.empty()) sh.watchers[db].erase(it);
        };
        if (sh.index == here_)
            drop();
        else
            sh.loop.post(std::move(drop));
    }
    watched_.clear();
    watch_dirty_.reset();
}

// EXEC: the queued commands run as one operation. Every shard they touch is taken first
// (ascending), WATCH is checked once nothing can change any more, the commands run in
// order (their replies one array), and the shards are released.
corio::task<> session::exec() {
    multi_.active = false;
    auto queued = std::move(multi_.commands);
    multi_.commands.clear();
    if (multi_.abort) {
        multi_.abort = false;
        unwatch();
        out_.error("EXECABORT Transaction discarded because of previous errors.");
        co_return;
    }
    std::size_t total = 0;
    for (auto& q : queued) total += q.size();
    std::vector<std::string_view> views;
    views.reserve(total);
    std::vector<parsed_command> cmds;
    for (auto& q : queued) {
        parsed_command pc;
        pc.first_arg = views.size();
        pc.arg_count = q.size();
        for (auto& a : q) views.push_back(a);
        cmds.push_back(pc);
    }
    std::vector<bool> needed(srv_.shard_count(), false);
    for (auto& pc : cmds) {
        pc.argv = views.data() + pc.first_arg;
        const command_spec* spec = srv_.lookup(pc.argv[0]);
        if (!spec) continue;
        if (spec->flags & cmd_all_shards)
            needed.assign(needed.size(), true);
        else
            for_each_key(*spec, args_of(pc),
                         [&](std::string_view key) { needed[srv_.shard_of(key)] = true; });
    }
    const std::uint64_t tx = srv_.next_operation_id();
    std::vector<std::size_t> held;
    for (std::size_t s = 0; s < needed.size(); ++s) {
        if (!needed[s]) continue;
        shard& sh = srv_.shard_at(s);
        auto take = [&] {
            if (!sh.open_to(tx)) return false;
            sh.owner = tx;
            return true;
        };
        if (s == here_ && sh.open_to(tx))
            take();
        else
            co_await run_on(sh, take);
        held.push_back(s);
    }
    if (watch_dirty_ && watch_dirty_->load()) {
        release(held);
        unwatch();
        out_.null_array();
        co_return;
    }
    out_.array(cmds.size());
    tx_ = tx;
    co_await run_commands(cmds);
    tx_ = 0;
    release(held);
    unwatch();
}

} // namespace corio_redis

namespace corio_redis {

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
            if (!sh.open_to(tx_)) return false;
            next = scan_database(sh.dbs[client_.db], bucket, count, pattern, type, unix_ms(), keys);
            return true;
        };
        if (s == here_ && sh.open_to(tx_))
            walk();
        else
            co_await run_on(sh, walk);
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

} // namespace corio_redis
