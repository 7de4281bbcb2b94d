// corio-redis's request parser: complete, partial and malformed requests, with Redis's error
// texts, multibulk and inline forms.
#include "resp/request_parser.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

using corio_redis::resp::parse_request;
using corio_redis::resp::parse_status;
using corio_redis::resp::parser_limits;

struct parsed {
    parse_status status;
    std::size_t consumed, needed;
    std::string error;
    std::vector<std::string> args;
};

parsed parse(std::string_view data, parser_limits limits = {}) {
    std::vector<std::string_view> args;
    std::deque<std::string> owned;
    auto r = parse_request(data, limits, args, owned);
    parsed p{r.status, r.consumed, r.needed, r.error, {}};
    for (auto a : args) p.args.emplace_back(a);
    return p;
}

} // namespace

TEST_CASE("resp parser: a multibulk request, whole and in every partial prefix") {
    std::string req = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
    auto p = parse(req + "*1\r\n$4\r\nPING\r\n");
    CHECK(p.status == parse_status::complete);
    CHECK(p.consumed == req.size());
    CHECK(p.args == std::vector<std::string>{"SET", "k", "hello"});
    for (std::size_t n = 1; n < req.size(); ++n) {
        auto q = parse(std::string_view(req).substr(0, n));
        INFO("prefix of " << n << " bytes");
        CHECK(q.status == parse_status::incomplete);
        CHECK(q.needed > n);
        CHECK(q.needed <= req.size() + 4);
    }
}

TEST_CASE("resp parser: a bulk's size tells how much more is needed") {
    std::string head = "*2\r\n$3\r\nSET\r\n$100000\r\n";
    auto p = parse(head + "abc");
    CHECK(p.status == parse_status::incomplete);
    CHECK(p.needed == head.size() + 100000 + 2);
}

TEST_CASE("resp parser: binary-safe bulks") {
    std::string value("a\r\nb\0c", 6);
    std::string req = "*2\r\n$4\r\nECHO\r\n$6\r\n" + value + "\r\n";
    auto p = parse(req);
    REQUIRE(p.status == parse_status::complete);
    CHECK(p.args[1] == value);
}

TEST_CASE("resp parser: *0, *-1 and empty lines are consumed and run nothing") {
    auto a = parse("*0\r\n");
    CHECK(a.status == parse_status::empty);
    CHECK(a.consumed == 4);
    auto b = parse("*-1\r\nPING\r\n");
    CHECK(b.status == parse_status::empty);
    CHECK(b.consumed == 5);
    auto c = parse("\r\n");
    CHECK(c.status == parse_status::empty);
    auto d = parse("   \n");
    CHECK(d.status == parse_status::empty);
}

TEST_CASE("resp parser: protocol errors carry Redis's texts") {
    CHECK(parse("*x\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(parse("*3000000000\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(parse("*01\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(parse("*1\r\n+PING\r\n").error == "ERR Protocol error: expected '$', got '+'");
    CHECK(parse("*1\r\n$-1\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(parse("*1\r\n$abc\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(parse("*1\r\n$600000000\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(parse("SET \"a b\r\n").error == "ERR Protocol error: unbalanced quotes in request");
    CHECK(parse("SET \"a\"b c\r\n").error == "ERR Protocol error: unbalanced quotes in request");
    CHECK(parse(std::string(70000, 'a')).error == "ERR Protocol error: too big inline request");
    CHECK(parse("*1\r\n" + std::string(70000, '$')).error ==
          "ERR Protocol error: too big bulk count string");
    parser_limits before_auth;
    before_auth.authenticated = false;
    CHECK(parse("*11\r\n", before_auth).error ==
          "ERR Protocol error: unauthenticated multibulk length");
    CHECK(parse("*1\r\n$16385\r\n", before_auth).error ==
          "ERR Protocol error: unauthenticated bulk length");
    CHECK(parse("*10\r\n", before_auth).status == parse_status::incomplete);
}

TEST_CASE("resp parser: inline commands split as redis-cli quotes them") {
    auto p = parse("SET  key \"a \\\"quoted\\\" \\x41\\n\" 'it\\'s'\r\n");
    REQUIRE(p.status == parse_status::complete);
    CHECK(p.args == std::vector<std::string>{"SET", "key", "a \"quoted\" A\n", "it's"});
    auto q = parse("PING\n");
    CHECK(q.args == std::vector<std::string>{"PING"});
    CHECK(q.consumed == 5);
    CHECK(parse("PING").status == parse_status::incomplete);
}
