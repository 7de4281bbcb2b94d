#!/usr/bin/python3
"""COMMAND's introspection compared: corio-redis against Debian's redis-server 7.0.15.

Usage:
  command_docs_test.py --corio-bin PATH [--loops 2]
  command_docs_test.py --reference          a second redis-server in corio's place (checks
                                            the script itself)
Options: --redis-server PATH (default /usr/bin/redis-server), --redis-cli PATH (default
redis-cli), --only ID,... (case ids or their prefixes), --timeout S (whole run, default 300).

Both servers run on free 127.0.0.1 ports ("PATH --port P --bind 127.0.0.1 --loops N" and
"redis-server --port P --bind 127.0.0.1 --save '' --appendonly no"); each is stopped by its
PID (SIGTERM, then SIGKILL) on every way out, and gets SIGKILL if this script dies
(PR_SET_PDEATHSIG). Every reply read has a time limit, and so has the whole run.

What is compared (RESP2 and RESP3, reply types included):
  cmd:NAME     for every command corio-redis lists: COMMAND INFO NAME (all 10 fields, the
               subcommands both servers have included) and COMMAND DOCS NAME exactly, except
               free text: summaries, key spec notes and history notes are not compared,
               complexity only by its O(...) classes, replaced_by by the command it names.
               Subcommands corio-redis lacks must be unknown to it; CLIENT SETINFO (Redis
               7.2's) is corio-redis's only extra. Too few (and, for a fixed arity, too many)
               arguments must give redis-server's arity error.
  table        COMMAND, COMMAND INFO and COMMAND DOCS with no names agree with the per-name
               replies; COMMAND COUNT is the number of commands in COMMAND LIST (as in Redis,
               LIST also names subcommands, which COUNT does not count).
  list         COMMAND LIST FILTERBY ACLCAT / PATTERN / MODULE, against redis-server's list
               cut to corio-redis's commands.
  getkeys      COMMAND GETKEYS and GETKEYSANDFLAGS on sample command lines, errors included;
               commands corio-redis does not have must be "Invalid command specified".
  names        unknown and odd names in COMMAND INFO and DOCS; errors of COMMAND itself.
  help         COMMAND HELP is corio-redis's own text: only its shape is checked.
  cli          redis-cli --no-raw COMMAND DOCS get (RESP2, and -3 where it prints a map).
Each case prints "PASS id" or "FAIL id" with its problems; the last line is
"command-docs: N passed, M failed" (exit status 1 if any failed).
Standard library only (and resp.py and command_docs_support.py next to this file).
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resp  # noqa: E402
from command_docs_support import (  # noqa: E402
    HOST, Server, Side, canon, first_diff, mask_cli, name_of, norm_docs, norm_info, pairs_of,
    remake, run_tool, show, stop_all)

ARGS = None

# Subcommands corio-redis has that redis-server 7.0.15 does not.
CORIO_ONLY_SUBCOMMANDS = {"client|setinfo"}
# Commands corio-redis does not have, for GETKEYS: each with a command line Redis finds keys in.
ABSENT_SAMPLES = [
    ["EVAL", "return 1", "1", "k"],
    ["XREAD", "STREAMS", "s", "0"],
    ["ZADD", "z", "1", "m"],
    ["SORT", "k", "STORE", "d"],
    ["GEOADD", "g", "1", "2", "m"],
    ["PFADD", "h", "x"],
]


# ------------------------------------------------------------------------ the cases

class Ctx:
    def __init__(self, corio, redis):
        self.corio, self.redis = corio, redis
        self.failures = []

    def fail(self, msg):
        if len(self.failures) < 30:
            self.failures.append(msg)
        elif len(self.failures) == 30:
            self.failures.append("(further failures not shown)")

    def both(self, proto, *args):
        return canon(self.corio.call(proto, *args)), canon(self.redis.call(proto, *args))

    def same(self, what, proto, *args, norm=None):
        a, b = self.both(proto, *args)
        if norm:
            a, b = norm(a), norm(b)
        d = first_diff(a, b)
        if d:
            self.fail("RESP%d %s: %s" % (proto, what, d))
        return a, b


CASES = []


def case(cid):
    def wrap(fn):
        CASES.append((cid, fn))
        return fn
    return wrap


def corio_commands(ctx):
    """corio-redis's top-level command names (lower case), from COMMAND LIST."""
    names = [e[1].decode() for e in canon(ctx.corio.call(2, "COMMAND", "LIST"))[1]]
    return sorted(n for n in names if "|" not in n)


def arity_probes(name, arity):
    """Command lines with the wrong number of arguments for a command of this arity: one
    short and, for a fixed arity, one too many (neither runs the command)."""
    words = name.split("|")
    need = abs(arity)
    out = []
    if need - 1 >= len(words):
        out.append(words + ["x"] * (need - 1 - len(words)))
    if arity > 0:
        out.append(words + ["x"] * (need + 1 - len(words)))
    return out


def command_case(name):
    def run(ctx):
        redis_info = canon(ctx.redis.call(2, "COMMAND", "INFO", name))
        corio_info = canon(ctx.corio.call(2, "COMMAND", "INFO", name))
        if corio_info[1][0][1] is None:
            ctx.fail("COMMAND INFO %s: corio-redis replies null" % name)
            return
        if redis_info[1][0][1] is None:
            ctx.fail("redis-server has no command %s" % name)
            return
        corio_subs = {name_of(s).decode() for s in corio_info[1][0][1][9][1] or ()}
        redis_subs = {name_of(s).decode() for s in redis_info[1][0][1][9][1] or ()}
        extra = corio_subs - redis_subs - CORIO_ONLY_SUBCOMMANDS
        if extra:
            ctx.fail("subcommands redis-server does not have: %s" % sorted(extra))
        keep = corio_subs & redis_subs
        for proto in (2, 3):
            ctx.same("COMMAND INFO %s" % name, proto, "COMMAND", "INFO", name,
                     norm=lambda c: ("*", tuple(norm_info(e, keep) for e in c[1])))
            ctx.same("COMMAND DOCS %s" % name, proto, "COMMAND", "DOCS", name,
                     norm=lambda c: remake(c, [(k, norm_docs(v, keep)) for k, v in pairs_of(c)]))
        # What corio-redis leaves out must really be missing from it.
        if not ARGS.reference:
            for sub in sorted(redis_subs - corio_subs):
                r = ctx.corio.call(2, *sub.split("|"))
                if not (r.is_error() and r.value.startswith(b"ERR unknown subcommand")):
                    ctx.fail("%s is not documented, yet corio-redis replies %s"
                             % (sub, resp.escape(r.raw, 120)))
        # The documented arity is the one enforced.
        targets = [(name, redis_info[1][0][1][1][1])]
        for s in redis_info[1][0][1][9][1] or ():
            if name_of(s).decode() in keep:
                targets.append((name_of(s).decode(), s[1][1][1]))
        for full, arity in targets:
            for line in arity_probes(full, arity):
                ctx.same(" ".join(line), 2, *line)
    return run


@case("table")
def t_table(ctx):
    names = corio_commands(ctx)
    listed = [e[1].decode() for e in canon(ctx.corio.call(2, "COMMAND", "LIST"))[1]]
    if len(set(listed)) != len(listed):
        ctx.fail("COMMAND LIST names some commands twice")
    count = ctx.corio.call(2, "COMMAND", "COUNT")
    if count.value != len(names):
        ctx.fail("COMMAND COUNT is %r, COMMAND LIST has %d commands" % (count.value, len(names)))
    rc = canon(ctx.redis.call(2, "COMMAND", "COUNT"))[1]
    rl = [e[1].decode() for e in canon(ctx.redis.call(2, "COMMAND", "LIST"))[1]]
    if rc != len([n for n in rl if "|" not in n]):
        ctx.fail("redis-server's COMMAND COUNT is not its LIST's top-level commands")
    for proto in (2, 3):
        per_name = {}
        for n in names:
            per_name[n] = norm_info(canon(ctx.corio.call(proto, "COMMAND", "INFO", n))[1][0])
        for what in (["COMMAND"], ["COMMAND", "INFO"]):
            whole = canon(ctx.corio.call(proto, *what))
            got = {name_of(e).decode(): norm_info(e) for e in whole[1]}
            if sorted(got) != names or len(whole[1]) != len(names):
                ctx.fail("RESP%d %s: %d entries for %d commands" % (proto, " ".join(what),
                                                                    len(whole[1]), len(names)))
            for n in names:
                if n in got and got[n] != per_name[n]:
                    ctx.fail("RESP%d %s: %s differs from COMMAND INFO %s: %s" % (
                        proto, " ".join(what), n, n, first_diff(got[n], per_name[n])))
            subs = [name_of(s).decode() for e in whole[1] for s in e[1][9][1] or ()]
            if sorted(listed) != sorted(names + subs):
                ctx.fail("RESP%d COMMAND LIST is not the commands and subcommands of %s"
                         % (proto, " ".join(what)))
        docs = canon(ctx.corio.call(proto, "COMMAND", "DOCS"))
        if proto == 3 and docs[0] != "%":
            ctx.fail("RESP3 COMMAND DOCS is not a map: %s" % show(docs))
        got = {k[1].decode(): v for k, v in pairs_of(docs)}
        if sorted(got) != names:
            ctx.fail("RESP%d COMMAND DOCS: %d commands, COMMAND LIST %d"
                     % (proto, len(got), len(names)))
        for n in names:
            one = canon(ctx.corio.call(proto, "COMMAND", "DOCS", n))
            if n in got and pairs_of(one) != [(("$", n.encode()), got[n])]:
                ctx.fail("RESP%d COMMAND DOCS: %s differs from COMMAND DOCS %s" % (proto, n, n))


@case("list")
def t_list(ctx):
    mine = set(e[1] for e in canon(ctx.corio.call(2, "COMMAND", "LIST"))[1])
    filters = [("ACLCAT", c) for c in (
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
        "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
        "dangerous", "connection", "transaction", "scripting", "CONNECTION", "@read", "nosuch")]
    filters += [("PATTERN", p) for p in ("*", "c*", "CLIENT*", "*|*", "h?et", "[gs]et", "nosuch",
                                          "client|[a-k]*", "*LIST*")]
    filters += [("MODULE", "nosuch")]
    for kind, value in filters:
        for proto in (2, 3):
            a, b = ctx.both(proto, "COMMAND", "LIST", "FILTERBY", kind, value)
            if a[0] != b[0] or a[1] is None or b[1] is None:
                ctx.fail("RESP%d COMMAND LIST FILTERBY %s %s: %s vs %s" % (proto, kind, value,
                                                                          show(a), show(b)))
                continue
            got = sorted(e[1] for e in a[1] if e[1].decode() not in CORIO_ONLY_SUBCOMMANDS)
            want = sorted(e[1] for e in b[1] if e[1] in mine)
            if got != want:
                ctx.fail("RESP%d COMMAND LIST FILTERBY %s %s: corio lists %s, redis %s" % (
                    proto, kind, value, show(sorted(set(got) - set(want)), 160),
                    show(sorted(set(want) - set(got)), 160)))
    for bad in (["FILTERBY"], ["FILTERBY", "ACLCAT"], ["FILTERBY", "NOSUCH", "x"],
                ["FILTERBY", "ACLCAT", "read", "x"], ["x"], ["x", "y", "z"]):
        for proto in (2, 3):
            ctx.same("COMMAND LIST " + " ".join(bad), proto, "COMMAND", "LIST", *bad)


GETKEYS_SAMPLES = [
    ["SET", "k", "v"], ["SET", "k", "v", "GET"], ["SET", "k", "v", "EX", "10", "get"],
    ["SET", "k", "get"], ["GET", "k"], ["GET"], ["GET", "a", "b"], ["MSET", "a", "1", "b", "2"],
    ["MSET", "a", "1", "b"], ["MSET", "a"], ["MGET", "a", "b", "c"], ["MSETNX", "a", "1"],
    ["LMOVE", "a", "b", "LEFT", "RIGHT"], ["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
    ["RPOPLPUSH", "a", "b"], ["BRPOPLPUSH", "a", "b", "0"], ["SINTERSTORE", "d", "a", "b"],
    ["SUNIONSTORE", "d", "a"], ["SDIFF", "a", "b"], ["SINTERCARD", "2", "a", "b", "LIMIT", "1"],
    ["SINTERCARD", "3", "a", "b"], ["SINTERCARD", "1y", "a", "b"], ["SINTERCARD", "0", "a"],
    ["LMPOP", "2", "a", "b", "LEFT"], ["LMPOP", "2x", "a", "b", "LEFT"], ["LMPOP", "0", "a", "LEFT"],
    ["LMPOP", "-1", "a", "LEFT"], ["LMPOP", " 1", "a", "b", "LEFT"], ["LMPOP", "3x", "a", "b", "LEFT"],
    ["LMPOP", "5", "a", "b", "LEFT"], ["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"],
    ["BLMPOP", "0", "1x", "a", "RIGHT"], ["BLPOP", "a", "b", "0"], ["BRPOP", "a", "0"],
    ["BITOP", "AND", "d", "a", "b"], ["BITFIELD", "k", "GET", "u8", "0"],
    ["BITFIELD", "k", "overflow", "wrap", "get", "u8", "0", "incrby", "u8", "0", "1"],
    ["BITFIELD", "k", "GET", "u8"], ["BITFIELD", "k"], ["BITFIELD", "k", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "k", "GET", "u8", "0"], ["RENAME", "a", "b"], ["COPY", "a", "b", "DB", "1"],
    ["SMOVE", "a", "b", "m"], ["LCS", "a", "b"], ["DEL", "a", "b", "c"], ["WATCH", "a", "b"],
    ["GETEX", "k", "PERSIST"], ["HSET", "h", "f", "v"], ["EXPIRE", "k", "10"], ["TOUCH", "a"],
    ["PING", "x"], ["PING"], ["CLIENT", "LIST"], ["CLIENT", "list", "x", "y"], ["CLIENT", "NOSUCH"],
    ["CLIENT"], ["CONFIG", "GET", "x"], ["PUBLISH", "c", "m"], ["SUBSCRIBE", "c"],
    ["nosuch", "a"], ["client|list", "x"], ["get|x", "k"], ["KEYS", "*"], ["SCAN", "0"],
    ["COMMAND", "INFO", "get"], ["OBJECT", "ENCODING", "k"], ["OBJECT", "freq", "k", "x"],
    ["OBJECT", "HELP"], ["OBJECT", "NOSUCH", "k"], ["MEMORY", "USAGE", "k", "SAMPLES", "5"],
    ["MEMORY", "USAGE"], ["DEBUG", "OBJECT", "k"], ["SWAPDB", "0", "1"], ["FUNCTION", "LIST"],
    ["SLOWLOG", "GET", "1"], ["CONFIG", "REWRITE"],
]


@case("getkeys")
def t_getkeys(ctx):
    mine = set(corio_commands(ctx))
    for line in GETKEYS_SAMPLES:
        for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
            for proto in (2, 3):
                ctx.same("COMMAND %s %s" % (sub, " ".join(line)), proto, "COMMAND", sub, *line)
    for line in ABSENT_SAMPLES:
        for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
            if line[0].lower() in mine or ARGS.reference:
                ctx.same("COMMAND %s %s" % (sub, " ".join(line)), 2, "COMMAND", sub, *line)
                continue
            r = ctx.corio.call(2, "COMMAND", sub, *line)
            if r.raw != b"-ERR Invalid command specified\r\n":
                ctx.fail("COMMAND %s %s (corio-redis has no %s): %s" % (
                    sub, " ".join(line), line[0], resp.escape(r.raw, 120)))


@case("names")
def t_names(ctx):
    mine = set(corio_commands(ctx))
    odd = ["nosuch", "GET", "Client|List", "client|nosuch", "client|", "|list", "client|list|x",
           "get|x", "", "set"]
    absent = [line[0] for line in ABSENT_SAMPLES if line[0].lower() not in mine]
    for proto in (2, 3):
        ctx.same("COMMAND INFO " + " ".join(odd), proto, "COMMAND", "INFO", *odd,
                 norm=lambda c: ("*", tuple(norm_info(e) for e in c[1])))
        ctx.same("COMMAND DOCS " + " ".join(odd), proto, "COMMAND", "DOCS", *odd,
                 norm=lambda c: remake(c, [(k, norm_docs(v)) for k, v in pairs_of(c)]))
        ctx.same("COMMAND DOCS nosuch", proto, "COMMAND", "DOCS", "nosuch")
        if absent and not ARGS.reference:
            r = canon(ctx.corio.call(proto, "COMMAND", "INFO", *absent))
            if any(e != r[1][0] or e[1] is not None for e in r[1]):
                ctx.fail("RESP%d COMMAND INFO %s: not all null: %s" % (proto, " ".join(absent), show(r)))
            r = canon(ctx.corio.call(proto, "COMMAND", "DOCS", *absent))
            if pairs_of(r):
                ctx.fail("RESP%d COMMAND DOCS %s: not empty: %s" % (proto, " ".join(absent), show(r)))
    for line in (["NOSUCH"], ["nosuch", "x"], ["COUNT", "x"], ["HELP", "x"], ["GETKEYS"],
                 ["GETKEYS", "get"], ["GETKEYSANDFLAGS", "set", "k"], ["INFO"], ["DOCS"], ["x" * 200]):
        for proto in (2, 3):
            if line in (["INFO"], ["DOCS"]):
                continue  # the whole table: the table case compares it
            ctx.same("COMMAND " + " ".join(line)[:60], proto, "COMMAND", *line)


@case("help")
def t_help(ctx):
    for proto in (2, 3):
        r = ctx.corio.call(proto, "COMMAND", "HELP")
        ok = r.type == "*" and r.value and all(e.type == "+" for e in r.value)
        if not ok or not r.value[0].value.upper().startswith(b"COMMAND"):
            ctx.fail("RESP%d COMMAND HELP: not an array of status lines naming COMMAND: %s"
                     % (proto, resp.escape(r.raw, 160)))
            continue
        text = b" ".join(e.value for e in r.value).upper()
        for sub in (b"COUNT", b"LIST", b"INFO", b"DOCS", b"GETKEYS", b"GETKEYSANDFLAGS", b"HELP"):
            if sub not in text:
                ctx.fail("RESP%d COMMAND HELP does not mention %s" % (proto, sub.decode()))


@case("cli")
def t_cli(ctx):
    for flags in ([], ["-3"]):
        outs = []
        for side in (ctx.corio, ctx.redis):
            rc, out, err = run_tool([ARGS.redis_cli, "-h", HOST, "-p", str(side.server.port)] + flags +
                                ["--no-raw", "COMMAND", "DOCS", "get"])
            if rc != 0:
                ctx.fail("redis-cli %s exited with %s: %s" % (" ".join(flags), rc, err[:200]))
            outs.append(mask_cli(out))
        if flags and "=>" not in outs[0]:
            ctx.fail("redis-cli -3 COMMAND DOCS get does not print a map: %r" % outs[0][:200])
        if outs[0] != outs[1]:
            a, b = outs[0].split("\n"), outs[1].split("\n")
            i = next((i for i in range(max(len(a), len(b)))
                      if i >= len(a) or i >= len(b) or a[i] != b[i]), 0)
            ctx.fail("redis-cli %s--no-raw COMMAND DOCS get differs at line %d: corio %r, redis %r"
                     % (" ".join(flags) + " " if flags else "", i + 1, a[i:i + 2], b[i:i + 2]))


# ------------------------------------------------------------------------ main

def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corio-bin", help="path of corio-redis")
    ap.add_argument("--loops", type=int, default=2)
    ap.add_argument("--reference", action="store_true",
                    help="a second redis-server in corio-redis's place")
    ap.add_argument("--redis-server", default="/usr/bin/redis-server")
    ap.add_argument("--redis-cli", default="redis-cli")
    ap.add_argument("--only", default="", help="comma-separated case ids or prefixes")
    ap.add_argument("--timeout", type=float, default=300, help="whole run, seconds")
    ARGS = ap.parse_args()
    if not ARGS.reference and not ARGS.corio_bin:
        ap.error("--corio-bin PATH is required (or --reference)")
    if ARGS.corio_bin:
        ARGS.corio_bin = os.path.abspath(ARGS.corio_bin)

    results = {"passed": 0, "failed": 0}
    finished = threading.Event()

    def final_line():
        print("command-docs: %d passed, %d failed" % (results["passed"], results["failed"]),
              flush=True)

    def on_signal(signum, _frame):
        print("interrupted by signal %d" % signum, flush=True)
        stop_all()
        results["failed"] += 1
        final_line()
        os._exit(1)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watchdog():
        if not finished.wait(ARGS.timeout):
            print("whole run exceeded --timeout %.0fs; stopping" % ARGS.timeout, flush=True)
            stop_all()
            results["failed"] += 1
            final_line()
            os._exit(1)
    threading.Thread(target=watchdog, daemon=True).start()

    def redis_argv(port):
        return [ARGS.redis_server, "--port", str(port), "--bind", HOST, "--save", "",
                "--appendonly", "no"]

    def corio_argv(port):
        if ARGS.reference:
            return redis_argv(port)
        return [ARGS.corio_bin, "--port", str(port), "--bind", HOST, "--loops", str(ARGS.loops),
                "--save", ""]

    workdir = tempfile.mkdtemp(prefix="command-docs-")
    wanted = [w.strip() for w in ARGS.only.split(",") if w.strip()]
    corio = redis = None
    try:
        try:
            corio = Side(Server("candidate", corio_argv, workdir).start())
            redis = Side(Server("redis", redis_argv, workdir).start())
        except (RuntimeError, OSError) as e:
            print("FAIL start\n    - %s" % e, flush=True)
            results["failed"] += 1
            return 1
        target = "redis-server (reference)" if ARGS.reference else ARGS.corio_bin
        print("testing %s against %s; logs in %s" % (target, ARGS.redis_server, workdir), flush=True)
        ctx = Ctx(corio, redis)
        try:
            names = corio_commands(ctx)
        except (RuntimeError, OSError, TypeError, IndexError) as e:
            names = []
            print("FAIL list\n    - COMMAND LIST: %s" % e, flush=True)
            results["failed"] += 1
        cases = [("cmd:" + n, command_case(n)) for n in names] + CASES
        for cid, fn in cases:
            if wanted and not any(cid.startswith(w) for w in wanted):
                continue
            ctx = Ctx(corio, redis)
            t0 = time.monotonic()
            try:
                fn(ctx)
            except Exception as e:  # a lost connection, a reply of an unexpected shape...
                ctx.fail("unexpected %s: %s" % (type(e).__name__, str(e)[:300]))
            for side in (corio, redis):
                if not side.server.alive():
                    ctx.fail("%s exited (status %s); log tail:\n%s" % (
                        side.server.label, side.server.proc.returncode, side.server.log_tail()))
                    side.close()
                    try:
                        side.server.start()
                    except (RuntimeError, OSError) as e:
                        ctx.fail("cannot restart it: %s" % e)
            dt = time.monotonic() - t0
            if ctx.failures:
                results["failed"] += 1
                print("FAIL %s (%.1fs)" % (cid, dt), flush=True)
                for f in ctx.failures:
                    print("    - " + f.replace("\n", "\n      "), flush=True)
            else:
                results["passed"] += 1
                print("PASS %s (%.1fs)" % (cid, dt), flush=True)
    finally:
        finished.set()
        for side in (corio, redis):
            if side:
                side.close()
        stop_all()
        if results["failed"] == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("server logs kept in %s" % workdir)
        final_line()
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
