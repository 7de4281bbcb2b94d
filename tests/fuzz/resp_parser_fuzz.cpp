// libFuzzer target: corio-redis's request parser (resp/request_parser.hpp) on hostile bytes,
// driven the way session.cpp drives it: parse from the front, wait for `needed` bytes when a
// request is incomplete. Oracles are listed in tests/fuzz/README.md.
#include "resp/reply.hpp"
#include "resp/request_parser.hpp"
#include "resp_check.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio_redis::resp::parse_request;
using corio_redis::resp::parse_result;
using corio_redis::resp::parse_status;
using corio_redis::resp::parser_limits;

// Inputs stay below the inline limit (64 KiB): then no limit depends on how the bytes were
// split, and whole and split deliveries must agree (see agree()).
constexpr std::size_t max_input = 16 * 1024;

[[noreturn]] void broken(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "resp_parser_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
    if (!ok) broken(what, detail);
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// What one parse_request call may return, whatever the input.
void check_result(std::string_view data, const parse_result& r,
                  const std::vector<std::string_view>& args, std::size_t args_before,
                  const std::deque<std::string>& owned, std::size_t owned_before) {
    switch (r.status) {
    case parse_status::complete: {
        check(r.consumed > 0 && r.consumed <= data.size(), "complete: consumed out of range");
        check(args.size() > args_before, "complete without arguments");
        const std::string_view request = data.substr(0, r.consumed);
        for (std::size_t i = args_before; i < args.size(); ++i) {
            // A view into the request's bytes, or (an inline word with quotes) one of the
            // strings this call unescaped.
            bool found = inside(args[i], request);
            for (std::size_t k = owned_before; !found && k < owned.size(); ++k)
                found = inside(args[i], owned[k]);
            check(found, "an argument outside the request and the unescaped words");
            if (data[0] == '*') check(inside(args[i], request), "a bulk outside the request");
        }
        if (data[0] != '*') check(request.back() == '\n', "an inline request not ended by LF");
        break;
    }
    case parse_status::empty:
        check(r.consumed > 0 && r.consumed <= data.size(), "empty: consumed out of range");
        check(args.size() == args_before, "empty, yet arguments were added");
        break;
    case parse_status::incomplete:
        check(r.needed > data.size(), "incomplete, yet needing no more bytes than it has");
        break;
    case parse_status::error: {
        check(r.error.starts_with("ERR Protocol error: "), "an error text of another form",
              r.error);
        // What the session sends for it (out_.error) is one well-formed error reply: a CR
        // or LF in it would end the line early and leave garbage behind.
        std::string wire, why;
        corio_redis::resp::reply(wire).error(r.error);
        check(corio_fuzz::one_reply(wire, 2, why),
              "the protocol error's reply is malformed:", why + ": " + wire);
        break;
    }
    }
}

struct outcome {
    std::vector<std::vector<std::string>> commands;
    std::string error;    // the protocol error that ended it, if any
    std::size_t used = 0; // bytes consumed by complete and empty requests
};

// The split delivery parses what the whole one does. It may still be waiting where the whole
// bytes show a protocol error: `needed` promises the bytes a complete request takes, not
// those it takes to find a request malformed. A wait where the whole bytes hold a complete
// (or empty) request is the bug: the session would stall on a request it has.
bool agree(const outcome& whole, const outcome& split) {
    if (split.commands != whole.commands || split.used != whole.used) return false;
    return split.error == whole.error || (split.error.empty() && !whole.error.empty());
}

// The session's read loop over `input` arriving in pieces that end at `cuts` (ascending) and
// then at its end: after each piece, if at least `need` bytes wait past those consumed,
// parse requests until one is incomplete (need is then its `needed`) or an error ends it.
outcome deliver(std::string_view input, const std::vector<std::size_t>& cuts,
                const parser_limits& limits) {
    outcome out;
    std::size_t need = 1;
    std::vector<std::string_view> args;
    std::deque<std::string> owned;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(input.size());
    for (std::size_t end : ends) {
        if (end < out.used || end - out.used < need) continue; // waiting for more
        while (out.used < end) {
            const std::string_view data = input.substr(out.used, end - out.used);
            const std::size_t args_before = args.size(), owned_before = owned.size();
            const parse_result r = parse_request(data, limits, args, owned);
            check_result(data, r, args, args_before, owned, owned_before);
            if (r.status == parse_status::complete) {
                out.commands.emplace_back(args.begin() + static_cast<std::ptrdiff_t>(args_before),
                                          args.end());
                out.used += r.consumed;
                need = 1;
                continue;
            }
            args.resize(args_before);
            if (r.status == parse_status::empty) {
                out.used += r.consumed;
                need = 1;
                continue;
            }
            if (r.status == parse_status::incomplete) {
                need = r.needed;
                break;
            }
            out.error = r.error;
            return out;
        }
    }
    return out;
}

// Each parsed command, written back as a multibulk request, parses to the same arguments.
void check_reencoding(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& cmd : commands) {
        std::string req = "*" + std::to_string(cmd.size()) + "\r\n";
        for (const auto& a : cmd) req += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        std::vector<std::string_view> args;
        std::deque<std::string> owned;
        const parse_result r = parse_request(req, parser_limits{}, args, owned);
        check(r.status == parse_status::complete && r.consumed == req.size(),
              "a command written back as multibulk does not parse whole");
        check(std::equal(args.begin(), args.end(), cmd.begin(), cmd.end()),
              "a command written back as multibulk parses to other arguments");
    }
}

void describe_mismatch(const outcome& a, const outcome& b) {
    std::fprintf(stderr,
                 "resp_parser_fuzz: whole: %zu commands, %zu bytes used, error '%s'; split: "
                 "%zu commands, %zu bytes used, error '%s'\n",
                 a.commands.size(), a.used, a.error.c_str(), b.commands.size(), b.used,
                 b.error.c_str());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), std::min(size, max_input));
    const std::size_t n = input.size();

    // Both AUTH states (before AUTH the limits on counts and lengths are tighter).
    for (bool authenticated : {true, false}) {
        parser_limits limits;
        limits.authenticated = authenticated;
        const outcome whole = deliver(input, {}, limits);
        check_reencoding(whole.commands);
        // Split points from the input itself: every one for short inputs, else three.
        std::vector<std::vector<std::size_t>> splits;
        if (n <= 48) {
            for (std::size_t k = 1; k < n; ++k) splits.push_back({k});
        } else if (n > 1) {
            const std::size_t a = 1 + (static_cast<std::size_t>(data[0]) * 131 + n) % (n - 1);
            const std::size_t b = 1 + (static_cast<std::size_t>(data[n - 1]) * 257 + a) % (n - 1);
            splits.push_back({a});
            splits.push_back({std::min(a, b), std::max(a, b)});
            std::vector<std::size_t> bytewise; // a byte at a time for the first 64
            for (std::size_t k = 1; k < std::min<std::size_t>(n, 64); ++k) bytewise.push_back(k);
            splits.push_back(bytewise);
        }
        for (const auto& cuts : splits) {
            const outcome split = deliver(input, cuts, limits);
            if (!agree(whole, split)) {
                describe_mismatch(whole, split);
                broken("whole and split deliveries disagree (a `needed` too large stalls the "
                       "session, or parsing depends on where reads end)");
            }
        }
    }

    // Tight limits (what a small proto-max-bulk-len or inline limit would do): only the
    // per-call properties, since the "too big" errors then depend on how bytes arrive.
    parser_limits tight;
    tight.max_bulk_len = 64;
    tight.max_inline_len = 32;
    (void)deliver(input, {}, tight);
    if (n > 1) (void)deliver(input, {n / 2}, tight);
    return 0;
}
