// SAVE and BGSAVE, which the session runs as coroutines: they hold every shard for a moment
// to mark the snapshot's point in time (persist/snapshotter.hpp). SAVE then waits for the
// file, for its own client only: unlike Redis, the other clients are served meanwhile.
#include "persist/snapshotter.hpp"
#include "session.hpp"

namespace corio_redis::detail {

bool session::runs_persistence(const parsed_command& c) {
    return c.spec &&
           (c.spec->name == "save" || c.spec->name == "bgsave" || c.spec->name == "bgrewriteaof");
}

bool session::refuses_writes_after_failure() const {
    return srv_.cfg().get("stop-writes-on-bgsave-error") == "yes" &&
           !srv_.cfg().save_points().empty();
}

corio::task<> session::persistence_command(const parsed_command& c) {
    auto args = args_of(c);
    persist::snapshotter& snapshots = srv_.snapshots();
    if (c.spec->name == "save") {
        std::string error = co_await snapshots.save(here_);
        if (error.empty())
            out_.ok();
        else
            out_.error(error);
        co_return;
    }
    if (c.spec->name == "bgrewriteaof") {
        co_await rewrite_command();
        co_return;
    }
    const bool schedule = args.size() == 2 && iequals(args[1], "schedule");
    if (args.size() > 1 && !schedule) {
        reply_syntax_error(out_);
        co_return;
    }
    if (snapshots.in_progress()) {
        if (!schedule) {
            out_.error(snapshots.rewriting()
                           ? "ERR Another child process is active (AOF?): can't BGSAVE right now. "
                             "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                             "possible."
                           : "ERR Background save already in progress");
            co_return;
        }
        snapshots.schedule();
        out_.simple("Background saving scheduled");
        co_return;
    }
    if (tx_) {
        // Inside EXEC the shards are this transaction's until it ends: the snapshot's point
        // in time comes right after it.
        corio::co_spawn(conn_.owner().get_executor(), snapshots.start(here_, nullptr),
                        corio::detached);
        out_.simple("Background saving started");
        co_return;
    }
    persist::snapshotter::done_fn no_callback; // named: see snapshotter::save
    std::string error = co_await snapshots.start(here_, std::move(no_callback));
    if (!error.empty()) {
        out_.error(error);
        co_return;
    }
    out_.simple("Background saving started");
}

// BGREWRITEAOF: a new append-only base without fork (persist/aof.hpp).
corio::task<> session::rewrite_command() {
    persist::snapshotter& snapshots = srv_.snapshots();
    if (snapshots.rewriting()) {
        out_.error("ERR Background append only file rewriting already in progress");
        co_return;
    }
    if (snapshots.in_progress()) { // a BGSAVE: the rewrite follows it
        srv_.aof().schedule_rewrite();
        out_.simple("Background append only file rewriting scheduled");
        co_return;
    }
    if (tx_) { // inside EXEC, as BGSAVE: the point in time comes after it
        corio::co_spawn(conn_.owner().get_executor(), srv_.aof().rewrite(here_), corio::detached);
        out_.simple("Background append only file rewriting started");
        co_return;
    }
    std::string error = co_await srv_.aof().rewrite(here_);
    if (!error.empty()) {
        out_.error(error);
        co_return;
    }
    out_.simple("Background append only file rewriting started");
}

} // namespace corio_redis::detail
