// Connection reads and flushes under a corio::context: a done context ends the read (as a
// read deadline does) or the flush's wait, from whatever thread cancels it.
#include <corio/connection.hpp>
#include <corio/go/context.hpp>
#include <corio/loop.hpp>

#include "connection_hop.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace corio {
using namespace boost::asio::experimental::awaitable_operators;

task<bytes> connection::read(const corio::context& ctx) {
    if (!on_own_loop())
        return on_owner(
            [this, ctx] { return read_with_context(ctx, 1, std::string_view::npos, false); });
    return read_with_context(ctx, 1, std::string_view::npos, false);
}

task<bytes> connection::peek(std::size_t n, const corio::context& ctx) {
    if (!on_own_loop())
        return on_owner([this, n, ctx] { return read_with_context(ctx, n, n, false); });
    return read_with_context(ctx, n, n, false);
}

task<bytes> connection::next(std::size_t n, const corio::context& ctx) {
    if (!on_own_loop())
        return on_owner([this, n, ctx] { return read_with_context(ctx, n, n, true); });
    return read_with_context(ctx, n, n, true);
}

task<bytes> connection::read_with_context(corio::context ctx, std::size_t want, std::size_t take,
                                          bool consume) {
    auto& d = deadlines();
    if (auto why = ctx.err()) {
        clear_interrupted_read(); // an earlier read's timeout is not this one's error
        d.context_error = why;
        fail_read_for_context();
        co_return bytes{};
    }
    // Which read the watch belongs to: a late notice for an earlier read does nothing.
    static thread_local std::uint64_t reads = 0;
    const std::uint64_t ticket = ++reads;
    d.context_read = ticket;
    d.context_error.clear();
    {
        auto self = shared_from_this();
        // Runs on the canceling thread (under the context's lock): hand it to this loop.
        detail::context_watch watch(ctx, [self, ticket, ctx] {
            self->loop_.post([self, ticket, ctx] { self->on_context_done(ticket, ctx.err()); });
        });
        bytes b = co_await start_read(want, take, consume);
        d.context_read = 0;
        d.context_error.clear();
        co_return b;
    }
}

void connection::on_context_done(std::uint64_t read, std::error_code why) noexcept {
    if (!deadlines_ || deadlines_->context_read != read || !why) return;
    deadlines_->context_error = why;
    // A read waiting now ends; one between waits sees context_error before it waits.
    cancel_read(cancel_reason::context);
}

void connection::fail_read_for_context() noexcept {
    read_timed_out_ = true; // like a timeout: the next read clears the error
    fail_read(deadlines_->context_error);
    deadlines_->context_error.clear();
}

task<std::error_code> connection::flush(const corio::context& ctx) {
    if (!on_own_loop()) return on_owner([this, ctx] { return flush_with_context(ctx); });
    return flush_with_context(ctx);
}

task<std::error_code> connection::flush_with_context(corio::context ctx) {
    if (auto why = ctx.err()) co_return why;
    // The flush's waits (writability, TLS progress) are Asio waits that a cancellation
    // ends, so racing it against the context is enough; bytes stay buffered either way.
    auto done = ctx.wait();
    auto r = co_await (flush() || std::move(done));
    if (r.index() == 1) co_return ctx.err();
    co_return std::get<0>(r);
}

} // namespace corio
