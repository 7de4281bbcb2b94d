"""Real-client cases: redis-cli sessions, --pipe and --scan, redis-benchmark, bad input
(protocol errors, deep pipelines, slow readers, resets) and requirepass (cases 6 to 9)."""

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

# ======================================================================== 6: redis-cli

def _run(argv, stdin=b"", timeout=60):
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out, "timed out after %ss" % timeout


@case("6a", "redis-cli scripted session", timeout=60)
def t_cli_session(ctx):
    script = "\n".join([
        "SET foo bar", "GET foo", "INCR n", "INCRBY n 10", "RPUSH l a b c", "LRANGE l 0 -1",
        "GET missing", "LPUSH foo x", 'ECHO "hello world"', "HSET h f v", "HGETALL h",
        "SADD s x", "SCARD s", "MSET k1 v1 k2 v2 k3 v3", "MGET k1 k2 nokey k3", "DEL foo n k1",
        "EXISTS foo n k2", "TYPE l", "DBSIZE", ""])   # left: l h s k2 k3
    want = "\n".join([
        "OK", "bar", "1", "11", "3", "a", "b", "c",
        "", "WRONGTYPE Operation against a key holding the wrong kind of value", "", "hello world",
        "1", "f", "v", "1", "1", "OK", "v1", "v2", "", "v3", "3", "1", "list", "5", ""])
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(ctx.port)], script.encode(), 30)
    ctx.eq("redis-cli exit status", rc, 0)
    if out != want:
        ol, wl = out.split("\n"), want.split("\n")
        i = next((i for i in range(max(len(ol), len(wl)))
                  if i >= len(ol) or i >= len(wl) or ol[i] != wl[i]), 0)
        ctx.fail("redis-cli output differs at line %d: got %r, want %r (stderr %r)"
                 % (i + 1, ol[i:i + 3], wl[i:i + 3], err[:200]))
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(ctx.port), "LRANGE", "l", "0", "-1"], b"", 30)
    ctx.eq("redis-cli LRANGE l 0 -1 (argument form)", out, "a\nb\nc\n")


@case("6b", "redis-cli --pipe mass insertion", timeout=120)
def t_cli_pipe(ctx):
    data = b"".join(cmd("SET", "pk:%d" % i, "v%d" % i) for i in range(10000))
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(ctx.port), "--pipe"], data, 90)
    ctx.eq("redis-cli --pipe exit status", rc, 0)
    ctx.check("errors: 0, replies: 10000" in out,
              "redis-cli --pipe summary: %r (stderr %r)" % (out.strip()[-200:], err[-200:]))
    r = ctx.client()
    ctx.eq("DBSIZE after --pipe", r.dbsize(), 10000)
    ctx.eq("some values", r.mget("pk:0", "pk:4321", "pk:9999"), ["v0", "v4321", "v9999"])


@case("6c", "redis-cli --scan --pattern", timeout=60)
def t_cli_scan(ctx):
    r = ctx.client()
    want = ["user:%d" % i for i in range(500)] + ["user:"]
    r.mset({k: "1" for k in want})
    r.mset({k: "1" for k in ["user", "users:1", "xuser:1", "User:1", "usr:2"] +
            ["other:%d" % i for i in range(300)]})
    time.sleep(0.3)   # see 1b: no SCAN during a redis-server rehash
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(ctx.port), "--scan", "--pattern", "user:*"], b"", 30)
    ctx.eq("redis-cli --scan exit status", rc, 0)
    got = out.split("\n")
    if got and got[-1] == "":
        got.pop()
    c = collections.Counter(got)
    dups = [k for k, n in c.items() if n > 1]
    ctx.check(set(got) == set(want) and not dups,
              "redis-cli --scan --pattern 'user:*': %d lines, %d distinct, %d duplicated %s, missing %s, "
              "extra %s (stderr %r)" % (len(got), len(c), len(dups), dups[:3],
                                        sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5],
                                        err[:200]))


# ======================================================================== 7: redis-benchmark

BENCH_TESTS = ["SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP",
               "LPUSH (needed to benchmark LRANGE)", "LRANGE_100 (first 100 elements)",
               "LRANGE_300 (first 300 elements)", "LRANGE_500 (first 500 elements)",
               "LRANGE_600 (first 600 elements)", "MSET (10 keys)"]


def _bench(ctx, pipeline):
    argv = ["redis-benchmark", "-h", HOST, "-p", str(ctx.port), "-q", "-n", "2000", "-c", "10",
            "-t", "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,lrange,mset", "-P", str(pipeline)]
    rc, out, err = _run(argv, b"", 120)
    label = "redis-benchmark -P %d" % pipeline
    ctx.check(rc == 0, "%s: exit status %s, stderr %r, output tail %r" % (label, rc, err[-300:], out[-300:]))
    lines = [l.strip() for l in out.replace("\r", "\n").split("\n") if l.strip()]
    rates = {}
    for l in lines:
        m = re.match(r"(.+?): ([0-9.]+) requests per second", l)
        if m:
            rates[m.group(1)] = float(m.group(2))
    missing = [t for t in BENCH_TESTS if not rates.get(t)]
    ctx.check(not missing, "%s: no rate reported for %s (rates %s)" % (label, missing, rates))
    bad = [l for l in (out + "\n" + err).replace("\r", "\n").split("\n") if "ERR" in l or "WRONGTYPE" in l]
    ctx.check(not bad, "%s printed errors: %s" % (label, bad[:5]))
    ctx.check(ctx.server.ping_ok(1.0), "%s: server does not answer PING afterwards" % label)
    return rates


@case("7", "redis-benchmark functional run", timeout=300)
def t_benchmark(ctx):
    for pl in (1, 16):
        _bench(ctx, pl)
    r = ctx.client()
    ctx.eq("PING after redis-benchmark", r.ping(), True)
    ctx.check(r.llen("mylist") >= 0 and r.type("myset") in ("set", "none"), "benchmark keys have odd types")


# ======================================================================== 8: bad input

PROTOCOL_ERRORS = [
    (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n+PING\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b'SET "a b\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    (b"*1\r\n$600000000\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
]


@case("8a", "protocol errors close the connection", timeout=60)
def t_proto_errors(ctx):
    for payload, want in PROTOCOL_ERRORS:
        c = resp.Connection(ctx.port)
        c.send_raw(payload)
        rep = c.read_reply(3.0)
        ok = isinstance(rep, resp.Reply) and rep.raw == want
        ctx.check(ok, "sent %s: got %s, want %s" % (resp.escape(payload), reply_text(rep), resp.escape(want)))
        if ok:
            nxt = c.read_reply(2.0)
            ctx.check(nxt is resp.EOF, "sent %s: after the error the connection was not closed "
                      "(next read: %s)" % (resp.escape(payload), reply_text(nxt)))
        c.close()
        ctx.check(ctx.server.ping_ok(2.0), "after %s: a fresh client gets no PONG" % resp.escape(payload))


@case("8b", "10,000 pipelined commands in one write", timeout=60)
def t_pipeline(ctx):
    c = ctx.raw()
    parts, want = [], []
    ctr = 0
    for i in range(10000):
        k = i % 4
        if k == 0:
            parts.append(cmd("SET", "pl:%d" % i, "val%d" % i))
            want.append(b"+OK\r\n")
        elif k == 1:
            parts.append(cmd("GET", "pl:%d" % (i - 1)))
            v = b"val%d" % (i - 1)
            want.append(b"$%d\r\n%s\r\n" % (len(v), v))
        elif k == 2:
            ctr += 1
            parts.append(cmd("INCR", "pl:ctr"))
            want.append(b":%d\r\n" % ctr)
        else:
            parts.append(cmd("ECHO", "e%d" % i))
            v = b"e%d" % i
            want.append(b"$%d\r\n%s\r\n" % (len(v), v))
    data = b"".join(parts)
    dup = c.sock.dup()
    dup.settimeout(30)
    sender = ctx.spawn(dup.sendall, data)
    got = 0
    first_bad = None
    deadline = time.monotonic() + 30
    while got < len(want) and time.monotonic() < deadline:
        rep = c.read_reply(5.0)
        if not isinstance(rep, resp.Reply):
            first_bad = "reply %d: %s" % (got + 1, reply_text(rep))
            break
        if rep.raw != want[got] and first_bad is None:
            first_bad = "reply %d (command %s): got %s, want %s" % (
                got + 1, resp.escape(parts[got], 60), reply_text(rep), resp.escape(want[got]))
        got += 1
    done, _, err = sender.result(5)
    dup.close()
    ctx.check(done and err is None, "sending %d bytes in one write: %s" % (len(data), err or "did not finish"))
    ctx.check(first_bad is None and got == len(want), "%d of %d replies read; first problem: %s"
              % (got, len(want), first_bad))
    extra = c.read_reply(0.3)
    ctx.check(extra is resp.TIMEOUT, "extra data after 10,000 replies: %s" % reply_text(extra))


@case("8c", "a client that never reads 50,000 GETs of 100 KB", timeout=90)
def t_slow_reader(ctx):
    big = ("0123456789abcdef" * 6400).encode()        # 102,400 bytes
    ctl = ctx.ctl()
    ctl.command("SET", "big", big)
    base_c = ctx.info_int("connected_clients")
    rss0 = ctx.server.rss_mb()
    stop = threading.Event()
    lat = []
    problems = []

    def pinger():
        c = resp.Connection(ctx.port)
        g = resp.Connection(ctx.port)
        n = 0
        try:
            while not stop.is_set():
                t0 = time.monotonic()
                rep = c.command("PING", timeout=1.0)
                dt = time.monotonic() - t0
                lat.append(dt)
                if not (isinstance(rep, resp.Reply) and rep.raw == b"+PONG\r\n"):
                    problems.append("PING from another client: %s after %.2f s" % (reply_text(rep), dt))
                    if rep is resp.TIMEOUT:
                        c.close()
                        c = resp.Connection(ctx.port)
                n += 1
                if n % 10 == 0:
                    t0 = time.monotonic()
                    rep = g.command("GET", "big", timeout=2.0)
                    if not (isinstance(rep, resp.Reply) and rep.value == big):
                        problems.append("GET big from another client: %s" % reply_text(rep))
                time.sleep(0.02)
        finally:
            c.close()
            g.close()
    pj = ctx.spawn(pinger)
    time.sleep(0.2)
    s = raw_socket(ctx.port)
    data = cmd("GET", "big") * 50000
    sent = 0
    t0 = time.monotonic()
    s.settimeout(0.2)
    while sent < len(data) and time.monotonic() - t0 < 5.0:
        try:
            sent += s.send(data[sent:sent + 65536])
        except socket.timeout:
            pass
        except OSError as e:
            problems.append("the flooding client's send failed: %s" % e)
            break
    send_time = time.monotonic() - t0
    time.sleep(1.5)
    rss1 = ctx.server.rss_mb()
    s.close()
    time.sleep(0.5)
    stop.set()
    pj.result(5)
    ok = ctx.wait_until(lambda: ctx.info_int("connected_clients") == base_c, 10.0, 0.05)
    ctx.check(ok, "connected_clients %d after the flooding client closed, want %d"
              % (ctx.info_int("connected_clients"), base_c))
    ctx.check(not problems, lambda: "%d problems while a client was not reading, e.g. %s"
              % (len(problems), problems[:3]))
    ctx.check(lat and max(lat) < 1.0, "slowest PING meanwhile: %.3f s" % (max(lat) if lat else -1))
    ctx.check(ctx.server.ping_ok(2.0), "no PONG for a fresh client afterwards")
    rep = ctl.command("GET", "big", timeout=5)
    ctx.check(isinstance(rep, resp.Reply) and rep.value == big, "GET big afterwards: %s" % (
        reply_text(rep) if not isinstance(rep, resp.Reply) else "%d bytes, not the value" % len(rep.value or b"")))
    ctx.note("sent %d of %d bytes of GETs in %.1f s; %d PINGs meanwhile, slowest %.3f s; server RSS "
             "%d MB -> %d MB" % (sent, len(data), send_time, len(lat), max(lat) if lat else -1, rss0, rss1))


@case("8d", "abrupt disconnects (RST) mid-multibulk and mid-pipeline, 100 times", timeout=90)
def t_rst(ctx):
    big = b"B" * 100000
    ctl = ctx.ctl()
    ctl.command("SET", "big", big)
    base_c = ctx.info_int("connected_clients")
    partial = b"*3\r\n$3\r\nSET\r\n$5\r\nrst:k\r\n$100000\r\n" + b"y" * 50000
    pipeline = (cmd("GET", "big") + cmd("INCR", "rst:ctr")) * 50 + cmd("SET", "rst:p", "1")[:-7]
    errors = []
    rnd = random.Random(7)
    for i in range(100):
        for payload in (partial, pipeline):
            try:
                s = raw_socket(ctx.port)
                s.sendall(payload)
                if i % 3 == 1:
                    time.sleep(rnd.random() * 0.005)
                rst_close(s)
            except OSError as e:
                errors.append("iteration %d: %s" % (i, e))
    ctx.check(not errors, "could not connect/send: %s" % errors[:3])
    ctx.check(ctx.server.ping_ok(2.0), "no PONG for a fresh client after 200 RSTs")
    ok = ctx.wait_until(lambda: ctx.info_int("connected_clients") == base_c, 10.0, 0.05)
    ctx.check(ok, "connected_clients is %d after the RSTs, want %d (the open test connections)"
              % (ctx.info_int("connected_clients"), base_c))
    rep = ctl.command("EXISTS", "rst:k", "rst:p")
    ctx.check(isinstance(rep, resp.Reply) and rep.value == 0,
              "an unfinished command was executed: EXISTS rst:k rst:p = %s" % reply_text(rep))
    rep = ctl.command("GET", "rst:ctr")
    ctx.check(isinstance(rep, resp.Reply) and (rep.value is None or 0 <= int(rep.value) <= 5000),
              "rst:ctr = %s" % reply_text(rep))
    ctr = rep.value if isinstance(rep, resp.Reply) else None
    rep = ctl.command("GET", "big")
    ctx.check(isinstance(rep, resp.Reply) and rep.value == big, "GET big afterwards: %s" % short(
        rep.value if isinstance(rep, resp.Reply) else reply_text(rep), 80))
    ctx.note("%s INCRs ran before the resets" % (ctr.decode() if ctr else 0))


# ======================================================================== 9: requirepass

@case("9", "requirepass", timeout=60)
def t_requirepass(ctx):
    srv = ctx.start_server("auth-server", ["--requirepass", "secret"], "secret")
    P = srv.port
    c = ctx.raw(P)
    for args, want in ((("GET", "k"), b"-NOAUTH Authentication required.\r\n"),
                       (("PING",), b"-NOAUTH Authentication required.\r\n"),
                       (("SET", "k", "v"), b"-NOAUTH Authentication required.\r\n"),
                       (("AUTH", "wrong"), b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
                       (("AUTH", "secret"), b"+OK\r\n"), (("SET", "k", "v"), b"+OK\r\n"),
                       (("GET", "k"), b"$1\r\nv\r\n")):
        rep = c.command(*args)
        ctx.check(isinstance(rep, resp.Reply) and rep.raw == want,
                  "%s: got %s, want %s" % (" ".join(args), reply_text(rep), resp.escape(want)))
    c2 = ctx.raw(P)
    rep = c2.command("HELLO", "3")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw.startswith(b"-NOAUTH"),
              "HELLO 3 before AUTH: %s" % reply_text(rep))
    rep = c2.command("HELLO", "3", "AUTH", "default", "secret")
    ctx.check(isinstance(rep, resp.Reply) and rep.type == "%", "HELLO 3 AUTH default secret: %s" % reply_text(rep))
    rep = c2.command("GET", "k")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"$1\r\nv\r\n", "GET after HELLO AUTH: %s" % reply_text(rep))
    c3 = ctx.raw(P)
    rep = c3.command("AUTH", "default", "secret")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n", "AUTH default secret: %s" % reply_text(rep))
    rep = c3.command("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n",
              "an 11-element multibulk after AUTH: %s" % reply_text(rep))

    r = ctx.client(P, password="secret")
    ctx.eq("redis-py with password: SET", r.set("pk", "pv"), True)
    ctx.eq("redis-py with password: MGET", r.mget("pk", "a", "e"), ["pv", "1", "5"])
    ctx.eq("redis-py with password: INCR", r.incr("pn"), 1)
    nopw = ctx.client(P)
    ctx.raises("redis-py without password", lambda: nopw.get("pk"), "Authentication required",
               exc=redis.exceptions.AuthenticationError)
    badpw = ctx.client(P, password="nope")
    try:
        v = badpw.get("pk")
        ctx.fail("redis-py with a wrong password: GET returned %r" % v)
    except (redis.exceptions.ResponseError, redis.exceptions.AuthenticationError) as e:
        ctx.check("WRONGPASS" in str(e) or "invalid" in str(e).lower(),
                  "redis-py with a wrong password: %s: %s" % (type(e).__name__, e))

    for payload, want in ((b"*11\r\n", b"-ERR Protocol error: unauthenticated multibulk length\r\n"),
                          (b"*1\r\n$20000\r\n", b"-ERR Protocol error: unauthenticated bulk length\r\n")):
        u = resp.Connection(P)
        u.send_raw(payload)
        rep = u.read_reply(3.0)
        ok = isinstance(rep, resp.Reply) and rep.raw == want
        ctx.check(ok, "before AUTH, sent %s: got %s, want %s" % (resp.escape(payload), reply_text(rep),
                                                                 resp.escape(want)))
        if ok:
            nxt = u.read_reply(2.0)
            ctx.check(nxt is resp.EOF, "before AUTH, sent %s: the connection stayed open (%s)"
                      % (resp.escape(payload), reply_text(nxt)))
        u.close()
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(P), "-a", "secret", "--no-auth-warning", "GET", "pk"],
                        b"", 20)
    ctx.eq("redis-cli -a secret GET pk", (rc, out), (0, "pv\n"))
    ctx.check(srv.ping_ok(2.0, password="secret"), "the requirepass server stopped answering")
