"""Real-client cases: SWAPDB, SLOWLOG, INFO counters, CONFIG REWRITE, DEBUG, LATENCY,
OBJECT and MEMORY across loops (case 11)."""

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients_support as support  # noqa: E402
import resp  # noqa: E402
from clients_support import *  # noqa: E402,F401,F403
from clients_support import _pdeathsig  # noqa: E402,F401

import redis  # noqa: E402
from redis.exceptions import WatchError, ResponseError  # noqa: E402,F401

# ======================================================================== 11: introspection

def _ok(ctx, conn, *args):
    rep = conn.command(*args, timeout=10)
    ctx.check(isinstance(rep, resp.Reply) and not rep.is_error(),
              lambda: "%s: %s" % (" ".join(args), reply_text(rep)))
    return rep


def _info_fields(ctx, conn, *sections):
    rep = conn.command("INFO", *sections, timeout=10)
    if not isinstance(rep, resp.Reply) or rep.type not in "$=" or rep.value is None:
        raise AssertionError("INFO %s: %s" % (" ".join(sections), reply_text(rep)))
    text = rep.value.decode("utf-8", "replace")
    fields = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return text, fields


def _stat(fields, name):
    """cmdstat_x:calls=1,usec=2,... as a dict of ints ({} if the line is missing)."""
    line = fields.get(name)
    if line is None:
        return {}
    out = {}
    for part in line.split(","):
        k, v = part.split("=", 1)
        out[k] = float(v) if "." in v else int(v)
    return out


@case("11a", "SWAPDB across every shard: values, WATCH, blocked clients, atomicity", timeout=90)
def t_swapdb(ctx):
    r0, r1 = ctx.client(db=0), ctx.client(db=1)
    keys = ["sw:%d" % i for i in range(64)]       # on every shard
    r0.mset({k: "zero" for k in keys})
    r1.mset({k: "one" for k in keys})
    r1.set("sw:only1", "x")
    ctx.eq("SWAPDB 0 1", r0.swapdb(0, 1), True)
    ctx.eq("db 0 after SWAPDB 0 1", r0.mget(keys), ["one"] * len(keys))
    ctx.eq("db 1 after SWAPDB 0 1", r1.mget(keys), ["zero"] * len(keys))
    ctx.eq("DBSIZE of db 0", r0.dbsize(), len(keys) + 1)
    ctx.eq("DBSIZE of db 1", r1.dbsize(), len(keys))
    ctx.eq("a key only db 1 had, now in db 0", r0.get("sw:only1"), "x")

    # A WATCHed key that exists in either database fails the EXEC; one in neither does not.
    w = ctx.client(db=0)
    for watched, want in (("sw:17", "WatchError"), ("sw:nowhere", "committed")):
        with w.pipeline() as p:
            p.watch(watched)
            p.multi()
            p.set("sw:result", watched)
            r1.swapdb(0, 1)
            try:
                p.execute()
                got = "committed"
            except WatchError:
                got = "WatchError"
        ctx.eq("EXEC after WATCH %s and another client's SWAPDB 0 1" % watched, got, want)

    # A client blocked on a list the swap brings into its database is served.
    r3, r4 = ctx.client(db=3), ctx.client(db=4)
    waiter = ctx.client(db=3, socket_timeout=15)
    job = ctx.spawn(lambda: waiter.blpop("sw:list", 8))
    ctx.wait_blocked(1)
    r4.rpush("sw:list", "a", "b")
    time.sleep(0.1)
    ctx.check(not job.done.is_set(), "BLPOP in db 3 was served by an RPUSH in db 4")
    r0.swapdb(3, 4)
    finished, value, err = job.result(5)
    ctx.check(finished and err is None, "BLPOP after SWAPDB 3 4: finished=%s error=%r" % (finished, err))
    ctx.eq("BLPOP in db 3 served by SWAPDB 3 4", tuple(value) if value else value, ("sw:list", "a"))
    ctx.eq("the rest of the list, in db 3 now", r3.lrange("sw:list", 0, -1), ["b"])

    # Atomic across shards: an MGET of keys on every shard never sees half a swap.
    r0.flushall()
    r0.mset({k: "A" for k in keys})
    r1.mset({k: "B" for k in keys})
    stop = threading.Event()
    torn = []

    def reader():
        rr = ctx.client(db=0)
        n = 0
        while not stop.is_set():
            vals = rr.mget(keys)
            if len(set(vals)) != 1:
                torn.append(vals)
                return n
            n += 1
        return n
    job = ctx.spawn(reader)
    swapper = ctx.client()
    for _ in range(60):
        swapper.swapdb(0, 1)
    stop.set()
    finished, reads, err = job.result(15)
    ctx.check(finished and err is None, "the MGET reader: finished=%s error=%r" % (finished, err))
    ctx.check(not torn, lambda: "an MGET saw a half-swapped keyspace: %s" % short(torn[0]))
    ctx.eq("db 0 after 60 swaps", set(r0.mget(keys)), {"A"})
    ctx.note("%s MGETs during 60 swaps" % reads)


@case("11b", "SLOWLOG: entries from every loop, ids, trimming, redaction, max-len", timeout=60)
def t_slowlog(ctx):
    ctl = ctx.raw()

    def entries():
        rep = ctl.command("SLOWLOG", "GET", "-1", timeout=10)
        if not isinstance(rep, resp.Reply) or rep.type != "*":
            ctx.fail("SLOWLOG GET -1: %s" % reply_text(rep))
            return []
        return rep.to_python()

    try:
        _ok(ctx, ctl, "CONFIG", "SET", "slowlog-log-slower-than", "-1")
        _ok(ctx, ctl, "SLOWLOG", "RESET")
        _ok(ctx, ctl, "CONFIG", "SET", "slowlog-log-slower-than", "0")
        conns = [ctx.raw() for _ in range(8)]     # on several loops; keys on several shards
        for i, c in enumerate(conns):
            _ok(ctx, c, "CLIENT", "SETNAME", "slow%d" % i)
            _ok(ctx, c, "SET", "slow:%d" % i, "v")
            _ok(ctx, c, "GET", "slow:%d" % i)
            _ok(ctx, c, "PING")
        got = entries()
        # (the SLOWLOG GET is logged once it has run)
        ctx.eq("SLOWLOG LEN", ctl.command("SLOWLOG", "LEN").value, len(got) + 1)
        logged = [tuple(e[3]) for e in got]
        for i in range(8):
            for args in ((b"SET", b"slow:%d" % i, b"v"), (b"GET", b"slow:%d" % i),
                         (b"CLIENT", b"SETNAME", b"slow%d" % i)):
                ctx.check(logged.count(args) == 1, "SLOWLOG has %d entries for %s" % (
                    logged.count(args), b" ".join(args).decode()))
        ctx.eq("PING entries", logged.count((b"PING",)), 8)
        ids = [e[0] for e in got]
        ctx.check(ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids),
                  "SLOWLOG ids are not unique and newest first: %s" % ids[:40])
        for e in got:
            if not (len(e) == 6 and isinstance(e[1], int) and isinstance(e[2], int) and
                    re.match(rb"127\.0\.0\.1:\d+$", e[4] or b"")):
                ctx.fail("a SLOWLOG entry is not id, time, usec, args, ip:port, name: %s" % short(e))
                break
        for e in got:
            if tuple(e[3]) == (b"GET", b"slow:3"):
                ctx.eq("client name in the GET slow:3 entry", e[5], b"slow3")
            if tuple(e[3]) == (b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"):
                ctx.eq("client name of an unnamed client", e[5], b"")

        # Long commands are cut, passwords redacted.
        ctl.command("DEL", *["t%d" % i for i in range(40)])
        ctl.command("SET", "tk", "z" * 200)
        ctl.command("AUTH", "not-the-password")      # an error reply: still logged
        got = entries()
        if len(got) >= 3:
            auth, setk, dele = got[0][3], got[1][3], got[2][3]
            ctx.eq("AUTH entry", auth, [b"AUTH", b"(redacted)"])
            ctx.eq("SET with a 200-byte value", setk, [b"SET", b"tk", b"z" * 128 + b"... (72 more bytes)"])
            ctx.eq("DEL with 40 keys: arguments shown", len(dele), 32)
            ctx.eq("DEL with 40 keys: the last shown", dele[-2:], [b"t29", b"... (10 more arguments)"])
        else:
            ctx.fail("SLOWLOG GET -1 has %d entries" % len(got))

        # slowlog-max-len bounds the log, whichever loops logged.
        _ok(ctx, ctl, "CONFIG", "SET", "slowlog-max-len", "5")
        for i in range(16):
            conns[i % 8].command("GET", "slow:%d" % (i % 8))
        ctx.eq("SLOWLOG LEN with slowlog-max-len 5", ctl.command("SLOWLOG", "LEN").value, 5)
        got = entries()
        ctx.eq("SLOWLOG GET -1 with slowlog-max-len 5", len(got), 5)
        ctx.eq("the newest of them", [e[3] for e in got],
               [[b"SLOWLOG", b"LEN"], [b"GET", b"slow:7"], [b"GET", b"slow:6"], [b"GET", b"slow:5"],
                [b"GET", b"slow:4"]])
        _ok(ctx, ctl, "SLOWLOG", "RESET")
        ctx.eq("SLOWLOG LEN after RESET", ctl.command("SLOWLOG", "LEN").value, 1)
    finally:
        for args in (("CONFIG", "SET", "slowlog-max-len", "128"),
                     ("CONFIG", "SET", "slowlog-log-slower-than", "-1"), ("SLOWLOG", "RESET"),
                     ("CONFIG", "SET", "slowlog-log-slower-than", "10000")):
            ctl.command(*args)


@case("11c", "INFO commandstats, errorstats and stats count calls on several loops exactly", timeout=60)
def t_commandstats(ctx):
    ctl = ctx.raw()
    conns = [ctx.raw() for _ in range(8)]
    _ok(ctx, ctl, "RPUSH", "cs:list", "x")
    _ok(ctx, ctl, "CONFIG", "RESETSTAT")
    for i, c in enumerate(conns):
        c.send_raw(b"".join(cmd("INCR", "cs:%d" % i) for _ in range(25)))  # pipelined
        for _ in range(25):
            c.read_reply(5)
        for _ in range(10):
            c.command("GET", "cs:%d" % i)
    for c in conns[:3]:
        c.command("GET", "cs:list")                 # WRONGTYPE: failed calls (and hits)
    for i, c in enumerate(conns[:5]):
        c.command("GET", "cs:missing%d" % i)        # misses
    for c in conns[:2]:
        c.command("GET")                            # wrong arity: rejected, not called
    conns[0].command("NOSUCHCOMMAND")               # unknown: an error, no command
    conns[1].command("CONFIG", "GET")               # a subcommand's arity: rejected
    conns[2].command("CONFIG", "GET", "maxclients")
    text, f = _info_fields(ctx, ctl, "commandstats", "errorstats", "stats")
    incr, get = _stat(f, "cmdstat_incr"), _stat(f, "cmdstat_get")
    ctx.eq("cmdstat_incr calls/rejected/failed",
           (incr.get("calls"), incr.get("rejected_calls"), incr.get("failed_calls")), (200, 0, 0))
    ctx.eq("cmdstat_get calls/rejected/failed",
           (get.get("calls"), get.get("rejected_calls"), get.get("failed_calls")), (88, 2, 3))
    cget = _stat(f, "cmdstat_config|get")
    ctx.eq("cmdstat_config|get calls/rejected", (cget.get("calls"), cget.get("rejected_calls")), (1, 1))
    ctx.eq("cmdstat_config|resetstat calls", _stat(f, "cmdstat_config|resetstat").get("calls"), 1)
    ctx.check("cmdstat_rpush" not in f, "cmdstat_rpush survived CONFIG RESETSTAT")
    ctx.check("usec_per_call" in f.get("cmdstat_incr", ""), "cmdstat_incr has no usec_per_call")
    ctx.eq("errorstat_ERR", f.get("errorstat_ERR"), "count=4")
    ctx.eq("errorstat_WRONGTYPE", f.get("errorstat_WRONGTYPE"), "count=3")
    ctx.eq("total_error_replies", f.get("total_error_replies"), "7")
    ctx.eq("total_commands_processed", f.get("total_commands_processed"), str(200 + 88 + 1 + 1))
    ctx.eq("keyspace_hits", f.get("keyspace_hits"), "83")
    ctx.eq("keyspace_misses", f.get("keyspace_misses"), "5")
    ctx.check(text.index("# Commandstats") < text.index("# Errorstats") < text.index("# Stats") or
              text.index("# Stats") < text.index("# Commandstats") < text.index("# Errorstats"),
              "INFO sections out of order")

    # Which sections come by default, and what the process sections hold.
    text, f = _info_fields(ctx, ctl)
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# CPU",
                    "# Errorstats", "# Keyspace"):
        ctx.check(section in text, "INFO (default) has no %s section" % section)
    ctx.check("# Commandstats" not in text, "INFO (default) has the Commandstats section")
    text, f = _info_fields(ctx, ctl, "all")
    ctx.check("# Commandstats" in text and "# Errorstats" in text, "INFO all lacks Commandstats")
    for field in ("used_memory", "used_memory_rss", "used_memory_peak", "rdb_changes_since_last_save"):
        ctx.check(f.get(field, "x").isdigit() and int(f[field]) >= 0, "INFO %s: %r" % (field, f.get(field)))
    ctx.check(int(f.get("used_memory", "0")) > 0, "INFO used_memory is 0")
    ctx.eq("maxmemory_policy", f.get("maxmemory_policy"), "noeviction")
    ctx.eq("aof_enabled", f.get("aof_enabled"), "0")
    ctx.check(re.match(r"\d+\.\d{6}$", f.get("used_cpu_user", "")), "INFO used_cpu_user: %r" % f.get("used_cpu_user"))
    _ok(ctx, ctl, "CONFIG", "RESETSTAT")
    text, f = _info_fields(ctx, ctl, "errorstats")
    ctx.eq("INFO errorstats after CONFIG RESETSTAT", text, "# Errorstats\r\n")


@case("11d", "CONFIG REWRITE keeps the file's comments, a restarted server reads it", timeout=60)
def t_config_rewrite(ctx):
    rep = ctx.ctl().command("CONFIG", "REWRITE")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"-ERR The server is running without a config file\r\n",
              "CONFIG REWRITE without a config file: %s" % reply_text(rep))
    path = os.path.join(ctx.workdir, "rewrite-%d.conf" % os.getpid())
    original = ("# corio-redis test config: this comment stays first\n"
                "slowlog-max-len 50\n"
                "\n"
                "   # an indented comment\n"
                "maxmemory-policy allkeys-lru\n"
                "hash-max-ziplist-entries 100\n"
                "slowlog-max-len 60\n")
    with open(path, "w") as fh:
        fh.write(original)
    srv = ctx.start_server("rewrite-server", [], conf=path)
    c = ctx.raw(srv.port)
    rep = c.command("CONFIG", "GET", "slowlog-max-len")
    ctx.eq("slowlog-max-len read from the file (the last line wins)",
           rep.to_python() if isinstance(rep, resp.Reply) else rep, [b"slowlog-max-len", b"60"])
    for args in (("CONFIG", "SET", "slowlog-max-len", "200"),
                 ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
                 ("CONFIG", "SET", "latency-monitor-threshold", "7"),
                 ("CONFIG", "SET", "hash-max-listpack-entries", "300"),
                 ("CONFIG", "REWRITE")):
        _ok(ctx, c, *args)
    with open(path) as fh:
        lines = fh.read().split("\n")
    ctx.eq("the first line", lines[0], "# corio-redis test config: this comment stays first")
    ctx.check("# an indented comment" in lines, "the indented comment is gone: %s" % lines)
    ctx.eq("slowlog-max-len lines", [l for l in lines if l.startswith("slowlog-max-len")],
           ["slowlog-max-len 200"])
    ctx.check(lines.index("slowlog-max-len 200") == 1, "slowlog-max-len moved: %s" % lines)
    ctx.check("maxmemory-policy noeviction" in lines, "maxmemory-policy not rewritten: %s" % lines)
    ctx.check("hash-max-listpack-entries 300" in lines and
              not any(l.startswith("hash-max-ziplist-entries") for l in lines),
              "hash-max-ziplist-entries not rewritten as hash-max-listpack-entries 300: %s" % lines)
    ctx.check("# Generated by CONFIG REWRITE" in lines and "latency-monitor-threshold 7" in lines and
              lines.index("# Generated by CONFIG REWRITE") < lines.index("latency-monitor-threshold 7"),
              "latency-monitor-threshold 7 not appended after the signature: %s" % lines)
    # Rewriting again changes nothing (but blank lines, for redis-server).
    _ok(ctx, c, "CONFIG", "REWRITE")
    with open(path) as fh:
        again = fh.read().split("\n")
    ctx.eq("a second CONFIG REWRITE", [l for l in again if l], [l for l in lines if l])
    c.close()
    srv.stop()
    srv2 = ctx.start_server("rewrite-server-2", [], conf=path)
    c2 = ctx.raw(srv2.port)
    for name, want in (("slowlog-max-len", b"200"), ("latency-monitor-threshold", b"7"),
                       ("hash-max-listpack-entries", b"300"), ("maxmemory-policy", b"noeviction")):
        rep = c2.command("CONFIG", "GET", name)
        ctx.eq("%s after a restart from the rewritten file" % name,
               rep.to_python() if isinstance(rep, resp.Reply) else rep, [name.encode(), want])


@case("11e", "DEBUG and LATENCY with enable-debug-command yes; OBJECT IDLETIME; MEMORY USAGE", timeout=90)
def t_debug(ctx):
    srv = ctx.start_server("debug-server", ["--enable-debug-command", "yes"])
    c = ctx.raw(srv.port)
    r = ctx.client(srv.port)
    ctx.eq("DEBUG SLEEP 0", c.command("DEBUG", "SLEEP", "0").raw, b"+OK\r\n")
    t0 = time.monotonic()
    rep = c.command("DEBUG", "SLEEP", "0.3", timeout=10)
    took = time.monotonic() - t0
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n" and took >= 0.25,
              "DEBUG SLEEP 0.3: %s after %.2fs" % (reply_text(rep), took))
    rep = c.command("DEBUG", "FOO")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw.startswith(
        b"-ERR unknown subcommand or wrong number of arguments for 'FOO'"), "DEBUG FOO: %s" % reply_text(rep))

    # Active expiry off: expired keys stay (DBSIZE counts them) until it is on again.
    ctx.eq("DEBUG SET-ACTIVE-EXPIRE 0", c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0").raw, b"+OK\r\n")
    for i in range(40):
        r.set("ae:%d" % i, "v", px=100)
    time.sleep(0.8)
    ctx.eq("DBSIZE with active expiry off", r.dbsize(), 40)
    ctx.eq("DEBUG SET-ACTIVE-EXPIRE 1", c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1").raw, b"+OK\r\n")
    ctx.check(ctx.wait_until(lambda: r.dbsize() == 0, 5), "active expiry back on: DBSIZE is %d" % r.dbsize())

    # DEBUG OBJECT's line
    r.set("dobj", "hello")
    r.rpush("dlist", "a", "b")
    rep = c.command("DEBUG", "OBJECT", "dobj")
    ctx.check(isinstance(rep, resp.Reply) and re.match(
        rb"\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:\d+ lru:\d+ "
        rb"lru_seconds_idle:\d+\r\n$", rep.raw), "DEBUG OBJECT dobj: %s" % reply_text(rep))
    rep = c.command("DEBUG", "OBJECT", "dlist")
    ctx.check(isinstance(rep, resp.Reply) and re.match(
        rb"\+Value at:0x[0-9a-f]+ refcount:1 encoding:quicklist serializedlength:\d+ lru:\d+ "
        rb"lru_seconds_idle:\d+ ql_nodes:\d+ ql_avg_node:\d+\.\d\d ql_listpack_max:-?\d+ "
        rb"ql_compressed:\d ql_uncompressed_size:\d+\r\n$", rep.raw), "DEBUG OBJECT dlist: %s" % reply_text(rep))
    ctx.eq("DEBUG OBJECT nokey", c.command("DEBUG", "OBJECT", "nokey").raw, b"-ERR no such key\r\n")

    # OBJECT IDLETIME grows while the key is not touched; OBJECT itself is no touch.
    r.set("idle", "v")
    time.sleep(2.2)
    ctx.check(r.object("idletime", "idle") >= 2, "OBJECT IDLETIME after 2.2s: %s" % r.object("idletime", "idle"))
    r.get("idle")
    ctx.check(r.object("idletime", "idle") <= 1, "OBJECT IDLETIME after a GET: %s" % r.object("idletime", "idle"))

    # MEMORY USAGE grows with the value.
    r.set("mu:small", "x")
    r.set("mu:big", "x" * 10000)
    small, big = r.memory_usage("mu:small"), r.memory_usage("mu:big")
    ctx.check(small and big and big >= 10000 > small, "MEMORY USAGE small %s, big %s" % (small, big))
    r.hset("mu:h", mapping={"f%d" % i: "v" * 20 for i in range(200)})
    ctx.check((r.memory_usage("mu:h", samples=0) or 0) > 200 * 20,
              "MEMORY USAGE of a 200-field hash: %s" % r.memory_usage("mu:h", samples=0))

    # LATENCY: a command slower than the threshold is an event.
    ctx.eq("LATENCY LATEST with the monitor off", c.command("LATENCY", "LATEST").raw, b"*0\r\n")
    _ok(ctx, c, "CONFIG", "SET", "latency-monitor-threshold", "100")
    _ok(ctx, c, "DEBUG", "SLEEP", "0.25")
    rep = c.command("LATENCY", "LATEST").to_python()
    ok = (isinstance(rep, list) and len(rep) == 1 and rep[0][0] == b"command" and
          rep[0][2] >= 200 and rep[0][3] >= rep[0][2] and abs(rep[0][1] - time.time()) < 30)
    ctx.check(ok, "LATENCY LATEST after DEBUG SLEEP 0.25: %s" % short(rep))
    hist = c.command("LATENCY", "HISTORY", "command").to_python()
    ctx.check(isinstance(hist, list) and len(hist) == 1 and hist[0][1] >= 200,
              "LATENCY HISTORY command: %s" % short(hist))
    ctx.check(c.command("LATENCY", "DOCTOR").type == "$", "LATENCY DOCTOR is not a bulk string")
    ctx.eq("LATENCY RESET", c.command("LATENCY", "RESET").raw, b":1\r\n")
    ctx.eq("LATENCY LATEST after RESET", c.command("LATENCY", "LATEST").raw, b"*0\r\n")
    ctx.check(srv.ping_ok(2.0), "the DEBUG server stopped answering")


@case("11f", "INFO server's corio_keys_per_loop adds up to DBSIZE over every database", timeout=30)
def t_keys_per_loop(ctx):
    c = ctx.raw()
    for i in range(200):
        c.command("SET", "kpl:%d" % i, "v")
    c.command("SELECT", "3")
    for i in range(50):
        c.command("SET", "kpl3:%d" % i, "v")
    c.command("SELECT", "0")
    _, fields = _info_fields(ctx, c, "server")
    if support.ARGS.reference:          # redis-server has no such field
        ctx.check("corio_keys_per_loop" not in fields, "redis-server has corio_keys_per_loop")
        return
    per_loop = [int(x) for x in fields.get("corio_keys_per_loop", "").split(",") if x]
    ctx.eq("loops listed", len(per_loop), support.ARGS.loops)
    ctx.eq("keys in all loops", sum(per_loop), 250)
    ctx.check(all(n > 0 for n in per_loop), lambda: "a loop with no keys: %r" % per_loop)
