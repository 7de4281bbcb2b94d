// corio-redis's ACL (samples/redis/src/acl/): rules as ACL SETUSER applies them, ACL LIST's
// wording (checked against redis-server 7.0.15's for the same rules), the command/key/channel
// check, the ACL file's errors, the registry's versions and identities, and protected mode's
// decision (the tests may only connect over loopback, so it is tested here).
#include "acl/acl_file.hpp"
#include "acl/check.hpp"
#include "acl/password.hpp"
#include "acl/registry.hpp"
#include "protected_mode.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// config.cpp (glob matching, the config line splitter) checks notify-keyspace-events with
// notify.cpp, which needs the whole server; nothing here sets that parameter.
namespace corio_redis {
std::optional<std::uint32_t> parse_notify_flags(std::string_view) noexcept {
    return 0;
}
std::string notify_flags_text(std::uint32_t) {
    return {};
}
} // namespace corio_redis

namespace {

using namespace corio_redis;

acl::user make(std::string name, std::initializer_list<std::string_view> rules) {
    acl::user u(std::move(name), false);
    for (auto r : rules) {
        std::string error;
        INFO("rule ", r);
        REQUIRE(u.apply(r, false, error));
    }
    return u;
}

std::string apply_error(std::initializer_list<std::string_view> rules) {
    acl::user u("x", false);
    std::string error;
    for (auto r : rules)
        if (!u.apply(r, false, error)) return error;
    return "";
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// Redis names single commands in its hash table's order, which changes from run to run: the
// category part must match exactly, the single commands as a set.
void check_commands(const acl::user& u, const std::string& categories, const std::string& singles) {
    auto got = words(u.describe_commands());
    auto want = words(categories);
    REQUIRE(got.size() >= want.size());
    CHECK(std::vector<std::string>(got.begin(), got.begin() + want.size()) == want);
    std::multiset<std::string> got_singles(got.begin() + want.size(), got.end());
    auto s = words(singles);
    CHECK(got_singles == std::multiset<std::string>(s.begin(), s.end()));
}

acl::verdict run(const acl::user& u, std::initializer_list<std::string_view> line_words) {
    std::vector<std::string_view> line(line_words);
    const acl::command_id id = acl::resolve(acl::known_commands().find(line[0]), line);
    return acl::check(u, id, false, line);
}

} // namespace

TEST_CASE("acl: the command set is Redis 7.0.15's (and CLIENT SETINFO)") {
    const auto& known = acl::known_commands();
    CHECK(known.size() == 367); // 239 commands, 127 subcommands, and CLIENT SETINFO
    CHECK(known.find("zadd") != acl::no_command);
    CHECK(known.find("CLIENT|List") == known.find("client|list"));
    CHECK(known.find("client|nosuch") == acl::no_command);
    CHECK(known.find("client|id|x") == acl::no_command);
    CHECK(known.at(known.find("client|tracking")).parent == known.find("client"));
    CHECK(acl::command_set::category("STRING") == corio_redis::docs::acl_string);
    CHECK(acl::command_set::category("nosuch") == 0);
}

TEST_CASE("acl: passwords") {
    CHECK(acl::hash_password("p1") ==
          "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a");
    CHECK(acl::valid_password_hash(acl::hash_password("")));
    CHECK_FALSE(acl::valid_password_hash("ABC"));
    CHECK(acl::random_hex(256).size() == 64);
    CHECK(acl::random_hex(5).size() == 2);
    auto u = make("alice", {"on", ">p1", ">p2"});
    CHECK(u.accepts("p1"));
    CHECK(u.accepts("p2"));
    CHECK_FALSE(u.accepts("p3"));
    CHECK_FALSE(make("bob", {"off", ">p1"}).accepts("p1"));
    CHECK(make("carol", {"on", "nopass"}).accepts("anything"));
    CHECK_FALSE(make("dave", {"on"}).accepts("")); // no password at all: nothing fits
}

TEST_CASE("acl: ACL LIST's words for the default user and new users") {
    CHECK(acl::user::make_default().describe() == "on nopass ~* &* +@all");
    CHECK(acl::user("x", false).describe() == "off resetchannels -@all");
    CHECK(acl::user("x", true).describe() == "off &* -@all");
    CHECK(make("alice", {"on", ">p1", "~k*", "+get", "&ch*"}).describe() ==
          "on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~k* "
          "resetchannels &ch* -@all +get");
    CHECK(make("t", {"reset", "+@all", "-@dangerous"}).describe() ==
          "off sanitize-payload resetchannels +@all -@dangerous");
    CHECK(make("t", {"reset", "on", "%R~r*", "~k*", "%W~w*", "+@all", "-flushall"}).describe() ==
          "on sanitize-payload %R~r* ~k* %W~w* resetchannels +@all -flushall");
    CHECK(make("z7", {"reset", "#f55ff16f66f43360266b95db6f8fec01d76031054306ae4a4b380598f6cfd114",
                      ">a1", "nopass"})
              .describe() == "off nopass sanitize-payload resetchannels -@all");
    CHECK(make("z5",
               {"skip-sanitize-payload", "sanitize-payload", "skip-sanitize-payload", "on", "off"})
              .describe() == "off skip-sanitize-payload resetchannels -@all");
}

TEST_CASE("acl: commands described as Redis 7.0.15 describes them") {
    // Each expectation is redis-server 7.0.15's ACL GETUSER for the same rules.
    check_commands(make("t", {"-@all", "+@read"}), "-@all +@read", "");
    check_commands(make("t", {"-@all", "+@read", "+@write"}), "-@all +@write +@read", "");
    check_commands(make("t", {"+@all", "-@read", "+get"}), "+@all -@read", "+get");
    check_commands(make("t", {"allcommands", "-@admin"}), "+@all -@admin", "");
    check_commands(make("t", {"nocommands", "+@pubsub"}), "-@all +@pubsub", "");
    check_commands(make("t", {"-@all", "+@string", "-incr"}), "-@all +@string", "-incr");
    check_commands(make("t", {"-@all", "+client|id", "+client|info"}), "-@all",
                   "+client|id +client|info");
    check_commands(make("t", {"+@all", "-client|id", "-config", "+config|get"}), "+@all",
                   "-client|id -config +config|get");
    check_commands(make("t", {"-@all", "+client", "+client|id", "-client|id"}), "-@all",
                   "+client -client|id");
    check_commands(make("t", {"-@all", "+select|0", "+select|1", "+select|0"}), "-@all",
                   "+select|0 +select|1");
    check_commands(make("t", {"-@all", "+select|0", "+select|1", "-select", "+select|2", "+@all"}),
                   "+@all", "");
    check_commands(make("t", {"-@all", "+@fast", "-@string"}), "-@all +@transaction +@hash +@fast",
                   "-incr -incrbyfloat -decr -strlen -hvals -getex -getset -decrby -get -exec "
                   "-hscan -hkeys -getdel -hgetall -append -setnx -incrby -mget -hrandfield");
    check_commands(make("t", {"+@all", "-@dangerous", "-get", "+keys"}), "+@all -@admin",
                   "-flushdb -sort_ro -sort -flushall -info -get -restore -migrate -swapdb "
                   "-restore-asking");
}

TEST_CASE("acl: key and channel patterns") {
    auto u = make("z2", {"~a", "~a", "%R~a", "%W~a", "%RW~b", "%R~*", "~b"});
    CHECK(u.describe_keys() == "~a ~b %R~*");
    auto all = make("z3", {"%R~*", "%W~*"});
    CHECK(all.describe_keys() == "~*");
    CHECK_FALSE(all.all_keys()); // a pattern, not allkeys: more may follow
    std::string error;
    CHECK(all.apply("~c", false, error));
    CHECK(make("z4", {"&a", "&a", "&b"}).describe_channels() == "&a &b");
    CHECK(make("z9", {"%RW~", "&"}).describe_keys() == "~");
    CHECK(make("x", {"%R"}).describe_keys() == "%R~");
    CHECK(make("x", {"allkeys", "allchannels"}).describe() == "off ~* &* -@all");
}

TEST_CASE("acl: SETUSER's errors") {
    CHECK(apply_error({"bogus"}) == "Syntax error");
    CHECK(apply_error({"+nocmd"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({"+@nocat"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({"#abc"}) == "The password hash must be exactly 64 characters and contain "
                                   "only lowercase hexadecimal characters");
    CHECK(apply_error({"!abc"}) == apply_error({"#abc"}));
    CHECK(apply_error({"<nopass"}) ==
          "The password you are trying to remove from the user does not exist");
    CHECK(apply_error({"+select|0"}).empty());
    CHECK(apply_error({"-select|0"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({"+client|nosuch"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({"+client|id|x"}) == "Allowing first-arg of a subcommand is not supported");
    CHECK(apply_error({"+client|"}) == "Syntax error");
    CHECK(apply_error({"allkeys", "~foo"}) ==
          "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
          "have any effect. Try 'resetkeys' to start with an empty list of patterns");
    CHECK(apply_error({"allchannels", "&foo"}) ==
          "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
          "not have any effect. Try 'resetchannels' to start with an empty list of channels");
    CHECK(apply_error({"%X~foo"}) == "Syntax error");
    CHECK(apply_error({"%~foo"}) == "Syntax error");
    CHECK(apply_error({"%RR~foo"}) == "Syntax error");
    CHECK(apply_error({"&a b"}) == "Syntax error");
    CHECK(apply_error({"~a\tb"}) == "Syntax error");
    CHECK(apply_error({"+"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({"-@"}) == "Unknown command or category name in ACL");
    CHECK(apply_error({""}).empty());                               // no change
    CHECK(apply_error({"ON", "+GET", "+@STRING", "~Key"}).empty()); // keywords in any case
    CHECK_FALSE(acl::valid_username("a b"));
    CHECK(acl::valid_username("alice"));
}

TEST_CASE("acl: the check, as redis-server 7.0.15 refused the same commands") {
    auto u = make("alice",
                  {"reset", "on", ">p1", "~k*", "%R~r*", "%W~w*", "+@all", "-flushall", "&ch*"});
    CHECK(run(u, {"set", "k1", "v"}).allowed());
    CHECK(run(u, {"get", "r1"}).allowed());
    auto v = run(u, {"set", "r1", "v"});
    CHECK(v.what == acl::denial::key);
    CHECK(v.arg == 1);
    CHECK(run(u, {"set", "w1", "v"}).allowed());
    CHECK(run(u, {"get", "w1"}).what == acl::denial::key);
    CHECK(run(u, {"set", "x", "v"}).what == acl::denial::key);
    v = run(u, {"flushall"});
    CHECK(v.what == acl::denial::command);
    CHECK(acl::noperm_error(v) == "NOPERM this user has no permissions to run the 'flushall' "
                                  "command");
    CHECK(run(u, {"publish", "ch1", "m"}).allowed());
    v = run(u, {"publish", "other", "m"});
    CHECK(v.what == acl::denial::channel);
    CHECK(acl::noperm_error(v) ==
          "NOPERM this user has no permissions to access one of the channels used as arguments");
    v = run(u, {"mget", "k1", "x"});
    CHECK(v.what == acl::denial::key);
    CHECK(v.arg == 2);
    std::vector<std::string_view> line{"mget", "k1", "x"};
    CHECK(acl::object_of(v, line) == "x");
    CHECK(acl::dryrun_text(v, line) == "This user has no permissions to access the 'x' key");
    CHECK(run(u, {"rename", "k1", "w2"}).allowed());
    CHECK(run(u, {"copy", "r1", "w3"}).allowed());
    CHECK(run(u, {"lpush", "r2", "a"}).what == acl::denial::key);
    CHECK(run(u, {"del", "r1"}).what == acl::denial::key);
    CHECK(run(u, {"exists", "r1"}).allowed()); // no read or write flag: any pattern will do
    CHECK(run(u, {"subscribe", "ch1", "ch2"}).allowed());
    CHECK(run(u, {"subscribe", "a", "ch1"}).arg == 1);
    CHECK(run(u, {"psubscribe", "ch*"}).allowed());
    CHECK(run(u, {"psubscribe", "ch1*"}).what == acl::denial::channel); // literally only
    CHECK(run(u, {"keys", "*"}).allowed());

    auto e = make("e", {"reset", "on", "+@all", "-client|id", "-config", "+config|get"});
    v = run(e, {"client", "id"});
    CHECK(v.what == acl::denial::command);
    CHECK(acl::object_of(v, std::vector<std::string_view>{"client", "id"}) == "client|id");
    CHECK(run(e, {"config", "get", "x"}).allowed());
    CHECK(run(e, {"config", "set", "a", "b"}).what == acl::denial::command);
    CHECK(run(e, {"client", "nosuch"}).allowed()); // the command refuses it itself
    CHECK(acl::noperm_in_exec_error(v).ends_with(
        "for the following reason: no permission to execute the command or subcommand"));

    auto s = make("s", {"on", "+select|0"});
    CHECK(run(s, {"select", "0"}).allowed());
    CHECK(run(s, {"select", "1"}).what == acl::denial::command);
    std::vector<std::string_view> auth{"auth", "x"};
    CHECK(acl::check(s, acl::known_commands().find("auth"), true, auth).allowed());
}

TEST_CASE("acl: the ACL file") {
    std::vector<acl::user> users;
    std::string error;
    REQUIRE(acl::parse_acl_file("user default on nopass +acl\n\nuser alice on >a1 ~a* +@all\n",
                                "f.acl", false, users, error));
    REQUIRE(users.size() == 2);
    CHECK(users[0].describe() == "on nopass resetchannels -@all +acl");
    CHECK(users[1].describe() ==
          "on #f55ff16f66f43360266b95db6f8fec01d76031054306ae4a4b380598f6cfd114 ~a* "
          "resetchannels +@all");
    const std::string no_change =
        "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
    CHECK_FALSE(
        acl::parse_acl_file("user alice on\nuser alice on\n", "f.acl", false, users, error));
    CHECK(error == "WARNING: Duplicate user 'alice' found on line 2. " + no_change);
    CHECK_FALSE(
        acl::parse_acl_file("user bob bogus\nuser carol +nosuch\n", "f.acl", false, users, error));
    CHECK(error == "f.acl:1: Syntax error. f.acl:2: Error in applying operation '+nosuch': "
                   "Unknown command or category name in ACL. " +
                       no_change);
    CHECK_FALSE(acl::parse_acl_file("\n# comment\nuser x on\n", "f.acl", false, users, error));
    CHECK(error == "f.acl:2 should start with user keyword followed by the username. " + no_change);
    CHECK_FALSE(acl::parse_acl_file("user \"x on\n", "f.acl", false, users, error));
    CHECK(error == "f.acl:1: unbalanced quotes in acl line. " + no_change);
    CHECK_FALSE(acl::read_acl_file("/nonexistent/users.acl", false, users, error));
    CHECK(error ==
          "Error loading ACLs, opening file '/nonexistent/users.acl': No such file or directory");
}

TEST_CASE("acl: the registry's versions and identities") {
    acl::registry r;
    CHECK_FALSE(r.default_requires_auth());
    CHECK(r.default_nopass());
    const auto v0 = r.version();
    std::string error;
    std::vector<std::string_view> rules{"on", ">p", "~*", "+@all"};
    REQUIRE(r.set_user("alice", rules, false, error));
    CHECK(r.version() > v0);
    auto alice = r.find("alice");
    REQUIRE(alice.rules);
    CHECK(r.authenticate("alice", "p").rules);
    CHECK_FALSE(r.authenticate("alice", "q").rules);
    CHECK_FALSE(r.authenticate("nobody", "p").rules);

    // All rules or none.
    std::vector<std::string_view> bad{"-@all", "+nosuch"};
    CHECK_FALSE(r.set_user("alice", bad, false, error));
    CHECK(error == "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category "
                   "name in ACL");
    CHECK(r.find("alice").rules->describe_commands() == "+@all");
    std::vector<std::string_view> none;
    CHECK_FALSE(r.set_user("a b", none, false, error));
    CHECK(error == "ERR Usernames can't contain spaces or null characters");

    // SETUSER keeps a user's identity (its sessions go on); DELUSER and a new user do not.
    std::vector<std::string_view> off{"off"};
    REQUIRE(r.set_user("alice", off, false, error));
    auto after = r.refresh(*alice.rules);
    REQUIRE(after.rules);
    CHECK_FALSE(after.rules->enabled());
    std::vector<std::string_view> names{"alice", "nobody"};
    CHECK(r.delete_users(names) == 1);
    CHECK_FALSE(r.refresh(*alice.rules).rules);
    REQUIRE(r.set_user("alice", rules, false, error));
    CHECK_FALSE(r.refresh(*alice.rules).rules);
    auto ids = r.identities();
    CHECK(ids.size() == 2);
    CHECK(std::is_sorted(ids.begin(), ids.end()));

    // requirepass is the default user's password.
    r.set_default_password("secret");
    CHECK(r.default_requires_auth());
    CHECK_FALSE(r.default_nopass());
    CHECK(r.default_user().rules->describe() ==
          "on #" + acl::hash_password("secret") + " ~* &* +@all");
    r.set_default_password("");
    CHECK_FALSE(r.default_requires_auth());
    std::vector<std::string_view> disable{"off"};
    REQUIRE(r.set_user("default", disable, false, error));
    CHECK(r.default_requires_auth()); // off: NOAUTH, though it has nopass
    CHECK(r.default_nopass());
}

TEST_CASE("acl: the log groups repeats within a minute") {
    acl::acl_log log;
    auto entry = [](std::string object, std::int64_t at) {
        acl::log_entry e;
        e.reason = "key";
        e.context = "toplevel";
        e.object = std::move(object);
        e.username = "alice";
        e.unix_ms = at;
        return e;
    };
    log.add(entry("r1", 1000), 128);
    log.add(entry("x", 2000), 128);
    log.add(entry("r1", 3000), 128);
    auto all = log.newest(10);
    REQUIRE(all.size() == 2);
    CHECK(all[0].object == "r1");
    CHECK(all[0].count == 2);
    CHECK(all[0].unix_ms == 3000);
    log.add(entry("r1", 3000 + 60001), 128); // too late to group
    CHECK(log.newest(10).size() == 3);
    log.add(entry("y", 70000), 2);
    CHECK(log.newest(10).size() == 2);
    CHECK(log.newest(1).size() == 1);
    log.reset();
    CHECK(log.newest(10).empty());
}

TEST_CASE("protected mode: who is refused") {
    CHECK(corio_redis::protected_mode_refuses(true, true, false));
    CHECK_FALSE(corio_redis::protected_mode_refuses(true, true, true));   // loopback, unix
    CHECK_FALSE(corio_redis::protected_mode_refuses(true, false, false)); // a password is set
    CHECK_FALSE(corio_redis::protected_mode_refuses(false, true, false)); // protected-mode no
    CHECK(corio_redis::protected_mode_denial.starts_with("-DENIED Redis is running in protected "
                                                         "mode because protected mode is enabled"));
    CHECK(corio_redis::protected_mode_denial.ends_with("from the outside.\r\n"));
}
