// Snapshots of the whole keyspace; see snapshotter.hpp.
#include "snapshotter.hpp"

#include "../hop.hpp"
#include "../process_info.hpp"
#include "../server.hpp"
#include "rdb_encode.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <future>
#include <optional>

namespace corio_redis::persist {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Keys a shard saves between two turns of its loop: well under a millisecond of work, so
// the clients it serves meanwhile see no pause.
constexpr std::size_t keys_per_step = 2000;
// Bytes waiting for the disk past which the walks wait (saves forced by writes do not).
constexpr std::size_t max_backlog = 64u << 20;
// After a failed save, the schedule tries again this much later (Redis: 5 s).
constexpr std::int64_t retry_seconds = 5;

std::int64_t unix_seconds() noexcept {
    return unix_ms() / 1000;
}

} // namespace

snapshotter::snapshotter(server& srv) : srv_(srv) {
    last_save_unix_.store(srv.started_unix_ms / 1000);
}

snapshotter::~snapshotter() = default;

std::uint64_t snapshotter::all_changes() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t s = 0; s < srv_.shard_count(); ++s)
        n += srv_.shard_at(s).changes.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t snapshotter::changes_since_save() const noexcept {
    return all_changes() - changes_saved_.load();
}

long long snapshotter::current_seconds() const noexcept {
    if (!in_progress_.load()) return -1;
    return (unix_ms() - started_unix_ms_.load()) / 1000;
}

std::string snapshotter::header() const {
    std::string out;
    rdb_encoder enc(out, false);
    enc.header();
    enc.aux("redis-ver", "7.0.15");
    enc.aux("redis-bits", 64LL);
    enc.aux("ctime", static_cast<long long>(unix_seconds()));
    enc.aux("used-mem", static_cast<long long>(allocated_bytes()));
    enc.aux("aof-base", 0LL);
    return out;
}

corio::task<std::string> snapshotter::start(std::size_t here, done_fn done) {
    snapshot_target bgsave{srv_.cfg().dir(), srv_.cfg().dbfilename(), nullptr, true};
    return start_to(here, std::move(done), std::move(bgsave));
}

corio::task<std::string> snapshotter::start_to(std::size_t here, done_fn done,
                                               snapshot_target target) {
    if (in_progress_.exchange(true))
        co_return saving_rdb_.load() ? "ERR Background save already in progress"
                                     : "ERR Another child process is active (AOF?): can't "
                                       "BGSAVE right now. Use BGSAVE SCHEDULE in order to "
                                       "schedule a BGSAVE whenever possible.";
    saving_rdb_.store(target.rdb_save);
    target_ = std::move(target);
    const config& cfg = srv_.cfg();
    try {
        writer_ = std::make_unique<rdb_file_writer>(target_.dir, target_.file, header(),
                                                    cfg.rdbchecksum());
    } catch (const std::exception& e) {
        last_ok_.store(false);
        last_try_unix_.store(unix_seconds());
        in_progress_.store(false);
        srv_.engine().log(corio::log_level::warn, e.what());
        co_return std::string("ERR ") + e.what();
    }
    if (done) {
        std::lock_guard lock(done_mutex_);
        done_.push_back(std::move(done));
    }
    const bool compress = cfg.rdbcompression();
    keys_processed_.store(0);
    parts_.clear();
    for (std::size_t s = 0; s < srv_.shard_count(); ++s)
        parts_.push_back(std::make_unique<shard_snapshot>(srv_.shard_at(s), *writer_, compress,
                                                          keys_processed_));
    started_unix_ms_.store(unix_ms());
    // The point in time: every shard held at once, in ascending order as every
    // multi-shard operation takes them, so that the snapshot holds all of each such
    // operation or none of it.
    const std::uint64_t tx = srv_.next_operation_id();
    const std::int64_t now = unix_ms();
    std::uint64_t changes = 0, keys = 0;
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
        shard& sh = srv_.shard_at(s);
        auto step = [&] {
            if (!sh.lock_all(tx)) return false;
            parts_[s]->begin(now, cfg.maxmemory_policy());
            if (target_.at_point) target_.at_point(sh);
            changes += sh.changes.load(std::memory_order_relaxed);
            for (const auto& d : sh.dbs) keys += d.size();
            return true;
        };
        if (s != here || !step()) co_await detail::run_on(sh, step);
    }
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
        shard& sh = srv_.shard_at(s);
        if (s == here)
            sh.release(tx);
        else
            sh.loop.post([&sh, tx] { sh.release(tx); });
    }
    changes_at_start_ = changes;
    keys_total_.store(keys);
    parts_left_.store(srv_.shard_count());
    for (std::size_t s = 0; s < srv_.shard_count(); ++s)
        corio::co_spawn(srv_.shard_at(s).loop.get_executor(), walk(s), corio::detached);
    srv_.engine().log(corio::log_level::info,
                      fmt::format("Background saving started ({} keys)", keys));
    co_return std::string();
}

corio::task<> snapshotter::walk(std::size_t s) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer pause(executor);
    shard_snapshot& part = *parts_[s];
    for (;;) {
        if (writer_->backlog() > max_backlog) { // the disk is behind: let it catch up
            pause.expires_after(1ms);
            co_await pause.async_wait(asio::use_awaitable);
            continue;
        }
        if (part.step(keys_per_step)) break;
        co_await asio::post(executor, asio::use_awaitable); // serve clients in between
    }
    part_done();
}

void snapshotter::part_done() {
    if (parts_left_.fetch_sub(1) != 1) return;
    writer_->finish([this](std::string error) {
        srv_.shard_at(0).loop.post([this, error = std::move(error)] { finished(error); });
    });
}

void snapshotter::finished(const std::string& error) {
    writer_.reset(); // joins the writer's thread, which has done its work
    parts_.clear();
    const std::int64_t now = unix_seconds();
    // An append-only rewrite's base counts in the aof_ fields (its done callback), not here.
    if (target_.rdb_save) {
        last_seconds_.store((unix_ms() - started_unix_ms_.load()) / 1000);
        last_try_unix_.store(now);
        if (error.empty()) {
            last_ok_.store(true);
            last_save_unix_.store(now);
            changes_saved_.store(changes_at_start_);
            saves_.fetch_add(1);
            srv_.engine().log(corio::log_level::info,
                              fmt::format("DB saved on disk ({} keys)", keys_processed_.load()));
        } else {
            last_ok_.store(false);
            srv_.engine().log(corio::log_level::warn, "Background saving error: " + error);
        }
    }
    target_ = snapshot_target{};
    std::vector<done_fn> done;
    {
        std::lock_guard lock(done_mutex_);
        done.swap(done_);
    }
    in_progress_.store(false);
    for (auto& d : done) d(error);
    if (scheduled_.exchange(false))
        corio::co_spawn(srv_.shard_at(0).loop.get_executor(), start(0, nullptr), corio::detached);
}

corio::task<std::string> snapshotter::save(std::size_t here) {
    auto executor = co_await asio::this_coro::executor;
    auto result = std::make_shared<std::optional<std::string>>();
    auto wake = std::make_shared<asio::steady_timer>(executor,
                                                     std::chrono::steady_clock::time_point::max());
    // Named, not a temporary inside the co_await: g++ 12 mishandles such temporaries.
    done_fn notify = [executor, result, wake](const std::string& e) {
        asio::post(executor, [result, wake, e] {
            *result = e;
            wake->cancel();
        });
    };
    std::string error = co_await start(here, std::move(notify));
    if (!error.empty()) co_return error;
    while (!*result) {
        boost::system::error_code ignored;
        co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return **result;
}

void snapshotter::start_schedule() {
    srv_.engine().every(
        100ms,
        [this] {
            if (in_progress_.load()) return;
            // An append-only rewrite asked for (BGREWRITEAOF while a snapshot ran, or the
            // automatic one) goes first.
            if (srv_.aof().take_rewrite_request()) {
                corio::co_spawn(srv_.shard_at(0).loop.get_executor(), srv_.aof().rewrite(0),
                                corio::detached);
                return;
            }
            const auto points = srv_.cfg().save_points();
            if (points.empty()) return;
            const std::int64_t now = unix_seconds();
            if (!last_ok_.load() && now - last_try_unix_.load() < retry_seconds) return;
            const std::uint64_t changes = changes_since_save();
            const std::int64_t since = now - last_save_unix_.load();
            for (auto [seconds, wanted] : points) {
                if (changes >= static_cast<std::uint64_t>(wanted) && since > seconds) {
                    srv_.engine().log(
                        corio::log_level::info,
                        fmt::format("{} changes in {} seconds. Saving...", wanted, seconds));
                    corio::co_spawn(srv_.shard_at(0).loop.get_executor(), start(0, nullptr),
                                    corio::detached);
                    return;
                }
            }
        },
        {.loop = 0});
}

namespace {

// The shutdown save, run on the first loop: after the snapshot under way, a new one.
corio::task<> save_after_current(snapshotter& s, std::promise<std::string>& out) {
    try {
        asio::steady_timer wait(co_await asio::this_coro::executor);
        while (s.in_progress()) {
            wait.expires_after(10ms);
            co_await wait.async_wait(asio::use_awaitable);
        }
        out.set_value(co_await s.save(0));
    } catch (const std::exception& e) {
        out.set_value(std::string("ERR ") + e.what());
    }
}

} // namespace

std::string snapshotter::save_blocking() {
    std::promise<std::string> result;
    auto ready = result.get_future();
    corio::co_spawn(srv_.shard_at(0).loop.get_executor(), save_after_current(*this, result),
                    corio::detached);
    return ready.get();
}

} // namespace corio_redis::persist
