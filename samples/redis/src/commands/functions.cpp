// FUNCTION (LIST, FLUSH, STATS, DUMP, RESTORE, DELETE, LOAD, KILL, HELP) for a server with
// no scripting engine yet: Redis's replies for an empty library set, and errors where a
// library would be needed. And LOLWUT, with art of corio-redis's own.
#include "../ascii.hpp"
#include "../persist/rdb_decode.hpp"
#include "../persist/rdb_encode.hpp"
#include "../server.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>

namespace corio_redis {
namespace {

// FUNCTION DUMP of no libraries: the empty body, closed as every DUMP payload is.
std::string dump_payload() {
    std::string out;
    persist::seal_dump_payload(out);
    return out;
}

// A payload whose trailer (version, CRC-64) is right, as RESTORE checks it.
bool payload_ok(std::string_view p) {
    try {
        persist::dump_payload_body(p);
        return true;
    } catch (const persist::rdb_error&) {
        return false;
    }
}

void reply_sub_arity(command_context& c) {
    c.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                std::string(c.args[1]) + "'. Try FUNCTION HELP.");
}

void function_cmd(command_context& c) {
    const std::string sub = ascii_lower(c.args[1]);
    const std::size_t n = c.args.size();
    if (sub == "list") {
        bool with_code = false, named = false;
        for (std::size_t i = 2; i < n; ++i) {
            if (iequals(c.args[i], "withcode") && !with_code) {
                with_code = true;
            } else if (iequals(c.args[i], "libraryname") && !named) {
                if (i + 1 >= n) return c.out.error("ERR library name argument was not given");
                named = true;
                ++i;
            } else {
                return c.out.error("ERR Unknown argument " + std::string(c.args[i]));
            }
        }
        return c.out.array(0); // no libraries
    }
    if (sub == "flush") {
        if (n > 3) return reply_sub_arity(c);
        if (n == 3 && !iequals(c.args[2], "async") && !iequals(c.args[2], "sync"))
            return c.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return c.out.ok();
    }
    if (sub == "restore") {
        if (n < 3) return reply_wrong_arity(c.out, "function|restore");
        if (n > 4) return reply_sub_arity(c);
        if (n == 4 && !iequals(c.args[3], "flush") && !iequals(c.args[3], "append") &&
            !iequals(c.args[3], "replace"))
            return c.out.error("ERR Wrong restore policy given, value should be either FLUSH, "
                               "APPEND or REPLACE.");
        if (!payload_ok(c.args[2]))
            return c.out.error("ERR DUMP payload version or checksum are wrong");
        if (c.args[2].size() == 10) return c.out.ok(); // a dump of no libraries
        return c.out.error("ERR corio-redis does not support scripting yet: the payload holds "
                           "libraries it cannot load");
    }
    if (sub == "load") {
        if (n < 3) return reply_wrong_arity(c.out, "function|load");
        for (std::size_t i = 2; i + 1 < n; ++i)
            if (!iequals(c.args[i], "replace"))
                return c.out.error("ERR Unknown option given: " + std::string(c.args[i]));
        if (c.args.back().substr(0, 2) != "#!") return c.out.error("ERR Missing library metadata");
        return c.out.error("ERR corio-redis does not support scripting yet: FUNCTION LOAD "
                           "has no engine to load the library into");
    }
    static constexpr std::string_view fixed[] = {"stats", "dump", "kill", "help", "delete"};
    bool known = false;
    for (auto f : fixed) known = known || sub == f;
    if (!known)
        return c.out.error("ERR unknown subcommand '" + std::string(c.args[1].substr(0, 128)) +
                           "'. Try FUNCTION HELP.");
    if (n != (sub == "delete" ? 3u : 2u)) return reply_wrong_arity(c.out, "function|" + sub);
    if (sub == "delete") return c.out.error("ERR Library not found");
    if (sub == "kill") return c.out.error("NOTBUSY No scripts in execution right now.");
    if (sub == "dump") return c.out.bulk(dump_payload());
    if (sub == "stats") {
        c.out.map(2);
        c.out.bulk("running_script");
        c.out.null();
        c.out.bulk("engines");
        c.out.map(1);
        c.out.bulk("LUA");
        c.out.map(2);
        c.out.bulk("libraries_count");
        c.out.integer(0);
        c.out.bulk("functions_count");
        c.out.integer(0);
        return;
    }
    const std::string_view help[] = {
        "FUNCTION <subcommand> [<arg> ...]: subcommands are:",
        "LOAD [REPLACE] <code>",
        "    Loads a library (not supported yet: there is no scripting engine).",
        "DELETE <library>",
        "    Deletes a library.",
        "LIST [LIBRARYNAME <pattern>] [WITHCODE]",
        "    The libraries loaded (none).",
        "STATS",
        "    The function running (none) and the engines.",
        "KILL",
        "    Stops the function running.",
        "FLUSH [ASYNC|SYNC]",
        "    Deletes every library.",
        "DUMP",
        "    A payload of the libraries, for FUNCTION RESTORE.",
        "RESTORE <payload> [FLUSH|APPEND|REPLACE]",
        "    Loads the libraries of a payload.",
        "HELP",
        "    This text."};
    c.out.array(std::size(help));
    for (auto l : help) c.out.simple(l);
}

// ---- LOLWUT ---------------------------------------------------------------------------

// Version 5 and 6 draw something (Redis draws a plotter piece and a city skyline); ours are
// rings of characters (5) and a sine wave (6), sized by the optional arguments.
std::string lolwut_art(long long version, std::span<const std::string_view> params) {
    long long width = 66, height = version == 5 ? 24 : 12;
    if (params.size() > 0 && parse_integer(params[0], width))
        width = std::clamp(width, 1ll, 1000ll);
    if (params.size() > 1 && parse_integer(params[1], height))
        height = std::clamp(height, 1ll, 1000ll);
    std::string art;
    static constexpr char ink[] = " .:-=+*#%@";
    for (long long y = 0; y < height; ++y) {
        for (long long x = 0; x < width; ++x) {
            long long shade = 0;
            if (version == 5) {
                long long dx = x - width / 2, dy = 2 * (y - height / 2);
                long long r2 = dx * dx + dy * dy;
                shade = (r2 / 37) % 10;
            } else {
                // A wave drawn with integers: y rises and falls with x.
                long long phase = (x * 4) % 64;
                long long wave = phase < 32 ? phase : 63 - phase;
                shade = std::llabs(y * 32 / std::max(1ll, height) - wave) < 3 ? 9 : 0;
            }
            art += ink[shade];
        }
        art += '\n';
    }
    return art + "\ncorio-redis LOLWUT: shapes of corio-redis's own. ";
}

void lolwut(command_context& c) {
    long long version = 7; // Redis 7.0's: no art, just the version line
    std::size_t params = 1;
    if (c.args.size() >= 3 && iequals(c.args[1], "version")) {
        if (!parse_integer(c.args[2], version)) return reply_not_integer(c.out);
        params = 3;
    }
    std::string text;
    if (version == 5 || version == 6) text = lolwut_art(version, c.args.subspan(params));
    c.out.bulk(text + "Redis ver. 7.0.15\n");
}

} // namespace

void register_function_commands(command_table& t) {
    auto add = [&t](command_spec s) { t.emplace(std::string(s.name), s); };
    add({"function", -2, cmd_keyless, 0, 0, 0, function_cmd});
    add({"lolwut", -1, cmd_keyless | cmd_readonly | cmd_fast, 0, 0, 0, lolwut});
}

} // namespace corio_redis
