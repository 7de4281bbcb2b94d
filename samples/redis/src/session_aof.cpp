// The session's side of the append-only log: writes are logged as they run, and with
// appendfsync always their replies wait until the log is on disk (persist/aof_log.hpp).
#include "persist/aof.hpp"
#include "persist/aof_logging.hpp"
#include "session.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace corio_redis::detail {

void session::run_logged(command_context& ctx, const command_spec& spec, shard& home) {
    persist::changed_keys changed;
    home.touch_log = &changed;
    try {
        spec.fn(ctx);
    } catch (...) {
        home.touch_log = nullptr;
        throw;
    }
    home.touch_log = nullptr;
    // What changed nothing is not logged (a failed SET NX); keyspace-wide writes (FLUSHALL,
    // SWAPDB) name no keys but always count.
    if (changed.empty() && !(spec.flags & cmd_all_shards)) return;
    persist::log_command(home, ctx.client.db, ctx.args, changed, persist::logging_of(spec.name));
}

// Every shard's log up to what it holds now: the batch's writes may have been logged on any
// shard (a cross-shard command, a served blocked client), and waiting also for other
// clients' writes costs at most the one group fsync they share.
corio::task<bool> session::wait_durable() {
    bool ok = true;
    for (std::size_t s = 0; s < srv_.shard_count(); ++s) {
        persist::aof_log& log = srv_.aof().log(s);
        const std::uint64_t seq = log.appended();
        if (log.durable() >= seq) continue;
        bool written =
            co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(bool)>(
                [&log, seq](auto handler) {
                    auto home = boost::asio::get_associated_executor(handler);
                    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
                    log.when_durable(seq, [home, shared](bool done) {
                        boost::asio::post(home, [shared, done]() mutable { (*shared)(done); });
                    });
                },
                boost::asio::use_awaitable);
        ok = ok && written;
    }
    co_return ok;
}

} // namespace corio_redis::detail
