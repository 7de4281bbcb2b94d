// The chat server of samples/chat, as a small library so that its main and
// tests/integration/chat_test.cpp build the same code. It has the shape of the well-known Go
// chat servers: a coroutine per connection (the engine's handler reads, a writer started with
// corio::go drains the client's outbound channel to the socket) and ONE hub coroutine that
// owns the rooms, joined by channels. Nothing but the hub touches the rooms, so they need no
// lock, although connections live on every loop and the hub on one.
//
// Line protocol: the first line is the nickname; then `/join ROOM` (everyone starts in
// "lobby"), `/quit`, an empty line (a keepalive: it counts as activity, nothing is sent), and
// any other line goes to the sender's room as `NICK: text\n`, the sender included. Server
// notices start with "* ".
#pragma once

#include <corio/corio.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace chat {

struct config {
    /// A member silent (no line at all) for longer than this is kicked with "* idle, bye".
    std::chrono::milliseconds idle_timeout{60000};
    /// Lines queued per client between the hub and its writer; a client whose queue is full
    /// is dropped (Go chat servers' `select { case c.send <- m: default: close(c.send) }`).
    std::size_t outbound_queue = 64;
    /// Requests queued towards the hub on each of its channels.
    std::size_t hub_queue = 256;
    std::size_t max_nick = 32;
    std::size_t max_room = 32;
};

/// What happened, for logs and tests. Written by the hub and the writers, read anywhere.
struct counters {
    std::atomic<std::size_t> members{0};       // in a room now
    std::atomic<std::size_t> joined{0};        // ever registered with the hub
    std::atomic<std::size_t> delivered{0};     // lines queued to clients
    std::atomic<std::size_t> kicked_idle{0};   // kicked by the idle check
    std::atomic<std::size_t> dropped_queue{0}; // dropped: outbound queue full
    std::atomic<std::size_t> dropped_slow{0};  // dropped: socket backlog over the high water
};

/// A client as the hub knows it: immutable once made, shared between its connection's
/// coroutines and the hub (which may be on another loop; the channel is the only thing they
/// use concurrently, and channels are thread-safe).
struct client {
    std::uint64_t id;
    std::string nick;
    corio::chan<std::string> out; // the hub sends (try_send) and closes; the writer drains
};

struct join_request {
    std::shared_ptr<const client> who;
    std::string room;
};

struct post_request {
    std::uint64_t from;
    std::string text; // empty: a keepalive
};

class server {
public:
    explicit server(config cfg);
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Starts the hub (corio::go on the engine's least-loaded loop). Once, with the engine
    /// running (options.on_boot is a good place). Clients that connect earlier wait for it.
    void start(corio::engine& engine);
    /// The connection handler; serve it on any number of addresses. The server must outlive
    /// the engine's run.
    corio::handler handler();
    /// Cancels the root context: the hub says goodbye to every member and ends, writers close
    /// their connections, handlers return. Idempotent, any thread. The engine's stop calls it
    /// (through engine.stop_context(), watched from start()), and so do handlers whose read
    /// reports errc::shutting_down.
    void shutdown() noexcept { cancel_(); }

    const corio::context& root() const noexcept { return ctx_; }
    const counters& stats() const noexcept { return *stats_; }

private:
    corio::task<> serve(corio::connection& conn);

    config cfg_;
    corio::context ctx_;
    corio::cancel_func cancel_;
    std::shared_ptr<counters> stats_;
    // The hub's three inputs, as in Go's chat servers: register (with the room to go to),
    // unregister, broadcast. Handles: every connection's coroutines hold copies.
    corio::chan<join_request> join_;
    corio::chan<std::uint64_t> leave_;
    corio::chan<post_request> post_;
    std::atomic<std::uint64_t> next_id_{1};
};

} // namespace chat
