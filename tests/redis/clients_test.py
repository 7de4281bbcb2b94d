#!/usr/bin/python3
"""Real-client tests for corio-redis: redis-py, raw sockets, redis-cli and redis-benchmark
against a server this script starts itself.

Usage:
  clients_test.py --corio-bin PATH [--loops 4]     test corio-redis (default 4 loops)
  clients_test.py --reference                      the same cases against Debian's
                                                   redis-server (to check the tests)
Options: --only 1a,3,8c (case ids or their prefixes), --list, --timeout S (whole run,
default 900), --redis-server PATH (default /usr/bin/redis-server).

The server runs on a free 127.0.0.1 port: "corio-redis --port P --bind 127.0.0.1 --loops N"
or "redis-server --port P --bind 127.0.0.1 --save '' --appendonly no". Case 9 starts a
second server with "--requirepass secret", case 10d one with a config file (given first)
and 10e one with "--enable-debug-command yes". Every server is stopped by its PID (SIGTERM,
then SIGKILL) on every way out, and gets SIGKILL if this script dies (PR_SET_PDEATHSIG).
Every case runs in its own thread with a time limit, gets a FLUSHALLed server and fresh
connections; a case that times out, crashes the server or leaves it not answering PING
fails, and the server is restarted for the next case.

Each case prints "PASS id title" or "FAIL id title" with one line per problem found; the
last line is "redis-clients: N passed, M failed" (exit status 1 if any failed).
Standard library + python3-redis (redis-py 4.x) + redis-tools; RESP3 through resp.py.
"""

import argparse
import collections
import ctypes
import fnmatch
import os
import random
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resp  # noqa: E402

import redis  # noqa: E402
from redis.exceptions import WatchError, ResponseError  # noqa: E402

HOST = "127.0.0.1"
ARGS = None


# ------------------------------------------------------------------------ helpers

def short(value, limit=300):
    if isinstance(value, (bytes, bytearray)):
        return resp.escape(value, limit)
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "...(%d chars)" % len(text)
    return text


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pdeathsig():
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:
        pass


def rst_close(sock):
    """Closes with an RST instead of a FIN (SO_LINGER on, timeout 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def raw_socket(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def cmd(*args):
    return resp.encode_command(args)


def reply_text(r):
    if r is resp.EOF:
        return "EOF (connection closed)"
    if r is resp.TIMEOUT:
        return "no reply (timeout)"
    return resp.escape(r.raw, 300)


# ------------------------------------------------------------------------ servers

LIVE_SERVERS = []
LIVE_LOCK = threading.Lock()


class Server:
    def __init__(self, label, extra=(), workdir=None, password=None, conf=None):
        self.label = label
        self.password = password
        self.conf = conf            # a config file, given first on the command line
        self.extra = list(extra)
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, re.sub(r"\W", "_", label) + ".log")

    def argv(self, port):
        conf = [self.conf] if self.conf else []
        if ARGS.reference:
            return [ARGS.redis_server] + conf + ["--port", str(port), "--bind", HOST, "--save", "",
                                                 "--appendonly", "no"] + self.extra
        return [ARGS.corio_bin] + conf + ["--port", str(port), "--bind", HOST,
                                          "--loops", str(ARGS.loops)] + self.extra

    def start(self, ready_timeout=10.0):
        last = ""
        for _ in range(3):
            self.port = free_port()
            argv = self.argv(self.port)
            with open(self.log_path, "ab") as log:
                log.write(("== %s\n" % " ".join(shlex.quote(a) for a in argv)).encode())
                log.flush()
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=self.workdir,
                                             start_new_session=True, preexec_fn=_pdeathsig)
            with LIVE_LOCK:
                LIVE_SERVERS.append(self)
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = "exited with status %s" % self.proc.returncode
                    break
                if self.ping_ok(0.5, self.password):
                    return self
                time.sleep(0.05)
            else:
                last = "no PONG within %.0fs" % ready_timeout
            self.stop()
        raise RuntimeError("%s did not start: %s\n%s" % (self.label, last, self.log_tail()))

    def ping_ok(self, timeout=2.0, password=None):
        try:
            c = resp.Connection(self.port, connect_timeout=timeout)
        except OSError:
            return False
        try:
            if password:
                c.command("AUTH", password, timeout=timeout)
            r = c.command("PING", timeout=timeout)
            return isinstance(r, resp.Reply) and r.raw == b"+PONG\r\n"
        finally:
            c.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait(timeout=5)
        with LIVE_LOCK:
            if self in LIVE_SERVERS:
                LIVE_SERVERS.remove(self)

    def rss_mb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return -1

    def log_tail(self, n=15):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join("      | " + l for l in lines[-n:])
        except OSError:
            return ""


def stop_all_servers():
    with LIVE_LOCK:
        servers = list(LIVE_SERVERS)
    for s in servers:
        try:
            s.stop()
        except Exception:
            pass


# ------------------------------------------------------------------------ test context

class Ctx:
    def __init__(self, server, workdir):
        self.server = server
        self.port = server.port
        self.workdir = workdir
        self.failures = []
        self.notes = []
        self._lock = threading.Lock()
        self._clients = []
        self._conns = []
        self._ctl = None
        self.extra_servers = []

    # reporting
    def fail(self, msg):
        with self._lock:
            if len(self.failures) < 40:
                self.failures.append(msg)
            elif len(self.failures) == 40:
                self.failures.append("(further failures not shown)")

    def note(self, msg):
        with self._lock:
            self.notes.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg() if callable(msg) else msg)
        return bool(cond)

    def eq(self, what, actual, expected):
        if actual != expected:
            self.fail("%s: expected %s, got %s" % (what, short(expected), short(actual)))
            return False
        return True

    def raises(self, what, fn, contains, exc=ResponseError):
        try:
            value = fn()
        except exc as e:
            if contains not in str(e):
                self.fail("%s: error %r does not contain %r" % (what, str(e), contains))
            return
        except Exception as e:
            self.fail("%s: expected %s containing %r, got %s: %s"
                      % (what, exc.__name__, contains, type(e).__name__, e))
            return
        self.fail("%s: expected an error containing %r, got %s" % (what, contains, short(value)))

    # connections
    def client(self, port=None, **kw):
        opts = dict(host=HOST, port=port or self.port, socket_timeout=10,
                    socket_connect_timeout=5, decode_responses=True)
        opts.update(kw)
        r = redis.Redis(**opts)
        with self._lock:
            self._clients.append(r)
        return r

    def raw(self, port=None):
        c = resp.Connection(port or self.port)
        with self._lock:
            self._conns.append(c)
        return c

    def ctl(self):
        if self._ctl is None or self._ctl.eof:
            self._ctl = self.raw()
        return self._ctl

    def info(self, section="clients", conn=None):
        c = conn or self.ctl()
        r = c.command("INFO", section, timeout=5)
        if not isinstance(r, resp.Reply) or r.type not in "$=" or r.value is None:
            raise AssertionError("INFO %s: %s" % (section, reply_text(r)))
        out = {}
        for line in r.value.decode("utf-8", "replace").splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def info_int(self, field, section="clients"):
        return int(self.info(section).get(field, "-1"))

    def wait_until(self, pred, timeout, interval=0.01):
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() >= deadline:
                return v
            time.sleep(interval)

    def wait_blocked(self, n, timeout=3.0):
        got = self.wait_until(lambda: self.info_int("blocked_clients") == n, timeout)
        if not got:
            self.fail("INFO blocked_clients did not reach %d within %.0fs (it is %d)"
                      % (n, timeout, self.info_int("blocked_clients")))
        return got

    def spawn(self, fn, *a):
        """Runs fn(*a) in a daemon thread; returns a Job."""
        job = Job(fn, a)
        job.thread.start()
        return job

    def start_server(self, label, extra, password=None, conf=None):
        s = Server(label, extra, self.workdir, password, conf)
        self.extra_servers.append(s)
        return s.start()

    def cleanup(self):
        with self._lock:
            clients, conns = list(self._clients), list(self._conns)
        for r in clients:
            try:
                r.connection_pool.disconnect()
            except Exception:
                pass
        for c in conns:
            c.close()
        for s in self.extra_servers:
            s.stop()


class Job:
    def __init__(self, fn, args):
        self.value = None
        self.error = None
        self.done = threading.Event()
        self.started = time.monotonic()
        self.finished = None

        def run():
            try:
                self.value = fn(*args)
            except BaseException as e:  # noqa: B902 - reported by result()
                self.error = e
            finally:
                self.finished = time.monotonic()
                self.done.set()
        self.thread = threading.Thread(target=run, daemon=True)

    def result(self, timeout):
        """(finished, value, exception)."""
        if not self.done.wait(timeout):
            return False, None, None
        return True, self.value, self.error

    def elapsed(self):
        return (self.finished or time.monotonic()) - self.started


# ------------------------------------------------------------------------ case registry

class Case:
    def __init__(self, cid, title, timeout, fn):
        self.cid, self.title, self.timeout, self.fn = cid, title, timeout, fn


CASES = []


def case(cid, title, timeout=60):
    def deco(fn):
        CASES.append(Case(cid, title, timeout, fn))
        return fn
    return deco


# ======================================================================== 1: redis-py

@case("1a", "redis-py strings")
def t_strings(ctx):
    r = ctx.client()
    ctx.eq("SET s:a v", r.set("s:a", "v"), True)
    ctx.eq("GET s:a", r.get("s:a"), "v")
    ctx.eq("GET of a missing key", r.get("s:missing"), None)
    ctx.eq("SET s:ex 1 EX 100", r.set("s:ex", "1", ex=100), True)
    ttl = r.ttl("s:ex")
    ctx.check(98 <= ttl <= 100, "TTL after SET EX 100 is %r" % ttl)
    r.set("s:px", "1", px=50000)
    pttl = r.pttl("s:px")
    ctx.check(48000 <= pttl <= 50000, "PTTL after SET PX 50000 is %r" % pttl)
    ctx.eq("SET NX on an existing key", r.set("s:a", "w", nx=True), None)
    ctx.eq("GET after a refused SET NX", r.get("s:a"), "v")
    ctx.eq("SET NX on a new key", r.set("s:nx", "n", nx=True), True)
    ctx.eq("SET XX on a missing key", r.set("s:xx", "x", xx=True), None)
    ctx.eq("EXISTS after a refused SET XX", r.exists("s:xx"), 0)
    ctx.eq("SET XX on an existing key", r.set("s:a", "w", xx=True), True)
    ctx.eq("GET after SET XX", r.get("s:a"), "w")
    ctx.eq("SET ... GET returns the old value", r.set("s:a", "z", get=True), "w")
    ctx.eq("SET ... KEEPTTL", r.set("s:ex", "2", keepttl=True), True)
    ctx.check(r.ttl("s:ex") > 0, "SET KEEPTTL dropped the TTL")
    r.set("s:ex", "3")
    ctx.eq("TTL after a plain SET over a volatile key", r.ttl("s:ex"), -1)
    ctx.raises("SET k v EX 0", lambda: r.set("s:bad", "v", ex=0), "invalid expire time")
    ctx.eq("SETNX existing", r.setnx("s:a", "q"), False)
    ctx.eq("SETEX", r.setex("s:se", 100, "v"), True)
    ctx.check(0 < r.ttl("s:se") <= 100, "TTL after SETEX 100 is %r" % r.ttl("s:se"))
    ctx.eq("PSETEX", r.psetex("s:pse", 100000, "v"), True)
    ctx.eq("GETSET", r.getset("s:a", "g"), "z")
    ctx.eq("GETDEL", r.getdel("s:a"), "g")
    ctx.eq("GET after GETDEL", r.get("s:a"), None)
    r.set("s:gx", "v")
    ctx.eq("GETEX EX 100", r.getex("s:gx", ex=100), "v")
    ctx.check(0 < r.ttl("s:gx") <= 100, "TTL after GETEX EX 100 is %r" % r.ttl("s:gx"))
    ctx.eq("GETEX PERSIST", r.getex("s:gx", persist=True), "v")
    ctx.eq("TTL after GETEX PERSIST", r.ttl("s:gx"), -1)

    # incr family
    r.set("s:n", 10)
    ctx.eq("INCR", r.incr("s:n"), 11)
    ctx.eq("INCRBY 5", r.incrby("s:n", 5), 16)
    ctx.eq("DECR", r.decr("s:n"), 15)
    ctx.eq("DECRBY 20", r.decrby("s:n", 20), -5)
    ctx.eq("INCRBYFLOAT 1.5", r.incrbyfloat("s:n", 1.5), -3.5)
    ctx.eq("GET after INCRBYFLOAT", r.get("s:n"), "-3.5")
    ctx.eq("INCR of a missing key", r.incr("s:newcounter"), 1)
    ctx.eq("INCRBYFLOAT 0.1 on 10.5", (r.set("s:f", "10.5"), r.incrbyfloat("s:f", 0.1))[1], 10.6)
    r.set("s:word", "abc")
    ctx.raises("INCR of 'abc'", lambda: r.incr("s:word"), "value is not an integer or out of range")
    ctx.raises("INCRBYFLOAT of 'abc'", lambda: r.incrbyfloat("s:word", 1), "value is not a valid float")
    r.set("s:max", "9223372036854775807")
    ctx.raises("INCR past INT64_MAX", lambda: r.incr("s:max"), "increment or decrement would overflow")

    # MSET / MGET across shards
    keys = ["s:m%d" % i for i in range(32)]
    ctx.eq("MSET of 32 keys", r.mset({k: "mv%d" % i for i, k in enumerate(keys)}), True)
    probe = keys[:16] + ["s:m-missing"] + keys[16:]
    expected = ["mv%d" % i for i in range(16)] + [None] + ["mv%d" % i for i in range(16, 32)]
    ctx.eq("MGET of 32 keys and a missing one", r.mget(probe), expected)
    ctx.eq("MSETNX with one existing key", r.msetnx({"s:nx1": "1", "s:nx2": "2", "s:m5": "x"}), False)
    ctx.eq("keys set by a refused MSETNX", r.mget("s:nx1", "s:nx2", "s:m5"), [None, None, "mv5"])
    ctx.eq("MSETNX of new keys", r.msetnx({"s:nx%d" % i: str(i) for i in range(10)}), True)
    ctx.eq("MGET after MSETNX", r.mget(["s:nx%d" % i for i in range(10)]), [str(i) for i in range(10)])
    r.set("s:wt", "x")
    r.rpush("s:list", "a")
    ctx.eq("MGET over a list key gives nil", r.mget("s:wt", "s:list"), ["x", None])
    ctx.raises("GET of a list", lambda: r.get("s:list"), "WRONGTYPE")

    # APPEND, STRLEN, GETRANGE, SETRANGE
    ctx.eq("APPEND to a missing key", r.append("s:ap", "Hello"), 5)
    ctx.eq("APPEND", r.append("s:ap", " World"), 11)
    ctx.eq("GET after APPEND", r.get("s:ap"), "Hello World")
    ctx.eq("STRLEN", r.strlen("s:ap"), 11)
    ctx.eq("STRLEN missing", r.strlen("s:nope"), 0)
    r.set("s:gr", "This is a string")
    ctx.eq("GETRANGE 0 3", r.getrange("s:gr", 0, 3), "This")
    ctx.eq("GETRANGE -3 -1", r.getrange("s:gr", -3, -1), "ing")
    ctx.eq("GETRANGE 0 -1", r.getrange("s:gr", 0, -1), "This is a string")
    ctx.eq("GETRANGE 10 100", r.getrange("s:gr", 10, 100), "string")
    ctx.eq("GETRANGE 5 2", r.getrange("s:gr", 5, 2), "")
    r.set("s:sr", "Hello World")
    ctx.eq("SETRANGE 6 Redis", r.setrange("s:sr", 6, "Redis"), 11)
    ctx.eq("GET after SETRANGE", r.get("s:sr"), "Hello Redis")
    ctx.eq("SETRANGE on a missing key, offset 5", r.setrange("s:sr2", 5, "x"), 6)
    ctx.eq("GET after the padding SETRANGE", r.get("s:sr2"), "\x00" * 5 + "x")

    # LCS on pairs of keys (some pairs span shards)
    for i in range(8):
        a, b = "s:lcsA%d" % i, "s:lcsB%d" % i
        r.mset({a: "ohmytext", b: "mynewtext"})
        ctx.eq("LCS %s %s" % (a, b), r.lcs(a, b), "mytext")
        ctx.eq("LCS %s %s LEN" % (a, b), r.lcs(a, b, len=True), 6)
        ctx.eq("LCS %s %s IDX MINMATCHLEN 4 WITHMATCHLEN" % (a, b),
               r.lcs(a, b, idx=True, minmatchlen=4, withmatchlen=True),
               ["matches", [[[4, 7], [5, 8], 4]], "len", 6])
    ctx.eq("LCS with a missing key", r.lcs("s:lcsA0", "s:nolcs"), "")


@case("1b", "redis-py keys")
def t_keys(ctx):
    r = ctx.client()
    keys = ["k:%d" % i for i in range(24)]
    r.mset({k: str(i) for i, k in enumerate(keys)})
    ctx.eq("DEL of 12 keys and a missing one", r.delete(*(keys[:12] + ["k:nope"])), 12)
    ctx.eq("EXISTS of all 24 (12 left)", r.exists(*keys), 12)
    ctx.eq("EXISTS k:20 k:20 k:nope counts repeats", r.exists("k:20", "k:20", "k:nope"), 2)
    ctx.eq("UNLINK of 2 keys", r.unlink("k:12", "k:13", "k:nope"), 2)
    ctx.eq("TOUCH", r.touch("k:14", "k:15", "k:nope"), 2)
    ctx.eq("EXPIRE", r.expire("k:20", 100), True)
    t = r.ttl("k:20")
    ctx.check(98 <= t <= 100, "TTL after EXPIRE 100 is %r" % t)
    ctx.eq("PEXPIRE", r.pexpire("k:21", 100000), True)
    t = r.pttl("k:21")
    ctx.check(98000 <= t <= 100000, "PTTL after PEXPIRE 100000 is %r" % t)
    et = r.execute_command("EXPIRETIME", "k:20")
    ctx.check(abs(et - (time.time() + 100)) < 5, "EXPIRETIME is %r, not about now+100" % et)
    ctx.eq("PERSIST", r.persist("k:20"), True)
    ctx.eq("TTL after PERSIST", r.ttl("k:20"), -1)
    ctx.eq("PERSIST of a key without a TTL", r.persist("k:20"), False)
    ctx.eq("TTL of a missing key", r.ttl("k:nope"), -2)
    ctx.eq("EXPIRE of a missing key", r.expire("k:nope", 10), False)
    ctx.eq("EXPIREAT in the future", r.expireat("k:22", int(time.time()) + 1000), True)
    ctx.check(990 <= r.ttl("k:22") <= 1000, "TTL after EXPIREAT now+1000 is %r" % r.ttl("k:22"))
    ctx.eq("TYPE string", r.type("k:22"), "string")
    r.rpush("k:list", "a")
    r.hset("k:hash", "f", "v")
    r.sadd("k:set", "m")
    ctx.eq("TYPEs", [r.type(k) for k in ("k:list", "k:hash", "k:set", "k:nope")],
           ["list", "hash", "set", "none"])

    # RENAME across shards, with TTL carried over
    for i in range(16):
        src, dst = "rn:s%d" % i, "rn:d%d" % i
        r.set(src, "val%d" % i)
        if i % 2 == 0:
            r.expire(src, 1000)
        ctx.eq("RENAME %s %s" % (src, dst), r.rename(src, dst), True)
        ctx.eq("GET %s after RENAME" % dst, r.get(dst), "val%d" % i)
        ctx.eq("EXISTS %s after RENAME" % src, r.exists(src), 0)
        t = r.ttl(dst)
        if i % 2 == 0:
            ctx.check(990 <= t <= 1000, "TTL of %s after RENAME of a volatile key is %r" % (dst, t))
        else:
            ctx.eq("TTL of %s after RENAME" % dst, t, -1)
    r.rpush("rn:list", "x", "y")
    r.set("rn:str", "s")
    ctx.eq("RENAME a list over a string", r.rename("rn:list", "rn:str"), True)
    ctx.eq("TYPE after RENAME over another type", r.type("rn:str"), "list")
    ctx.eq("LRANGE after RENAME", r.lrange("rn:str", 0, -1), ["x", "y"])
    ctx.raises("RENAME of a missing key", lambda: r.rename("rn:none", "rn:x"), "no such key")
    r.set("rn:n1", "1")
    r.set("rn:n2", "2")
    ctx.eq("RENAMENX onto an existing key", r.renamenx("rn:n1", "rn:n2"), False)
    ctx.eq("RENAMENX onto a new key", r.renamenx("rn:n1", "rn:n3"), True)
    ctx.eq("values after RENAMENX", r.mget("rn:n1", "rn:n2", "rn:n3"), [None, "2", "1"])
    ctx.eq("RENAME a key to itself", r.rename("rn:n3", "rn:n3"), True)
    ctx.eq("GET after RENAME to itself", r.get("rn:n3"), "1")

    # COPY across shards, every type
    for i in range(16):
        src, dst = "cp:s%d" % i, "cp:d%d" % i
        kind = i % 4
        if kind == 0:
            r.set(src, "v%d" % i)
        elif kind == 1:
            r.rpush(src, "a", "b", str(i))
        elif kind == 2:
            r.hset(src, mapping={"f": str(i), "g": "x"})
        else:
            r.sadd(src, "m1", "m2", str(i))
        ctx.eq("COPY %s %s" % (src, dst), r.copy(src, dst), True)
        dump = {0: lambda k: r.get(k), 1: lambda k: r.lrange(k, 0, -1),
                2: lambda k: r.hgetall(k), 3: lambda k: r.smembers(k)}[kind]
        ctx.eq("copy %s equals its source" % dst, dump(dst), dump(src))
        ctx.eq("COPY onto an existing key without REPLACE", r.copy(src, dst), False)
        ctx.eq("COPY ... REPLACE", r.copy(src, dst, replace=True), True)
    r.rpush("cp:d1", "added")
    ctx.eq("source list unchanged after changing its copy", r.lrange("cp:s1", 0, -1), ["a", "b", "1"])
    ctx.eq("COPY of a missing key", r.copy("cp:none", "cp:x"), False)
    r.set("cp:ttl", "v", ex=1000)
    r.copy("cp:ttl", "cp:ttl2")
    ctx.check(990 <= r.ttl("cp:ttl2") <= 1000, "COPY did not carry the TTL: %r" % r.ttl("cp:ttl2"))

    # SCAN over 2,000 keys: each exactly once
    r.flushall()
    want = ["sc:%d" % i for i in range(2000)]
    for j in range(0, 2000, 500):
        r.mset({k: "x" for k in want[j:j + 500]})
    lists = ["sl:%d" % i for i in range(5)]
    for k in lists:
        r.rpush(k, "e")
    time.sleep(0.3)   # let redis-server finish an incremental rehash (SCAN may repeat during one)
    for count in (10, 100, 1000):
        seen = collections.Counter(r.scan_iter(count=count))
        dups = sorted(k for k, n in seen.items() if n > 1)
        missing = sorted(set(want + lists) - set(seen))
        extra = sorted(set(seen) - set(want + lists))
        ctx.check(not dups and not missing and not extra,
                  "SCAN COUNT %d over 2005 keys: %d duplicated %s, %d missing %s, %d unexpected %s"
                  % (count, len(dups), dups[:5], len(missing), missing[:5], len(extra), extra[:5]))
    seen = collections.Counter(r.scan_iter(match="sc:1*", count=50))
    exp = {k for k in want if k.startswith("sc:1")}
    ctx.check(set(seen) == exp and max(seen.values()) == 1,
              "SCAN MATCH sc:1*: %d keys (%d distinct), want %d: missing %s extra %s"
              % (sum(seen.values()), len(seen), len(exp), sorted(exp - set(seen))[:5],
                 sorted(set(seen) - exp)[:5]))
    seen = collections.Counter(r.scan_iter(_type="list", count=100))
    ctx.eq("SCAN TYPE list", sorted(seen.elements()), sorted(lists))
    ctx.eq("DBSIZE", r.dbsize(), 2005)
    ctx.check(r.randomkey() in set(want + lists), "RANDOMKEY returned something not in the db")

    # KEYS patterns
    r.flushall()
    for k in ("kp:user:1", "kp:user:22", "kp:usr:3", "kp:user?", "kp:a", "kp:b", "kp:c", "kp:user:"):
        r.set(k, "1")
    for pat, exp in (("kp:user:*", {"kp:user:1", "kp:user:22", "kp:user:"}),
                     ("kp:user:?", {"kp:user:1"}),
                     ("kp:[ab]", {"kp:a", "kp:b"}),
                     ("kp:[^a]", {"kp:b", "kp:c"}),
                     ("kp:user\\?", {"kp:user?"}),
                     ("kp:us*r*", {"kp:user:1", "kp:user:22", "kp:usr:3", "kp:user?", "kp:user:"}),
                     ("nothing*", set())):
        got = r.keys(pat)
        ctx.check(sorted(got) == sorted(exp), "KEYS %s: got %s, want %s" % (pat, sorted(got), sorted(exp)))


@case("1c", "redis-py lists")
def t_lists(ctx):
    r = ctx.client()
    ctx.eq("RPUSH", r.rpush("L", "a", "b", "c"), 3)
    ctx.eq("LPUSH", r.lpush("L", "z"), 4)
    ctx.eq("LRANGE 0 -1", r.lrange("L", 0, -1), ["z", "a", "b", "c"])
    ctx.eq("LRANGE -2 -1", r.lrange("L", -2, -1), ["b", "c"])
    ctx.eq("LRANGE 5 10", r.lrange("L", 5, 10), [])
    ctx.eq("LPOP", r.lpop("L"), "z")
    ctx.eq("RPOP", r.rpop("L"), "c")
    ctx.eq("LPOP 2", r.lpop("L", 2), ["a", "b"])
    ctx.eq("EXISTS of the emptied list", r.exists("L"), 0)
    ctx.eq("LPOP of a missing key", r.lpop("L"), None)
    ctx.eq("RPUSHX on a missing key", r.rpushx("L", "x"), 0)
    ctx.eq("LPUSHX on a missing key", r.lpushx("L", "x"), 0)
    r.rpush("L2", *"abcdefg")
    ctx.eq("LLEN", r.llen("L2"), 7)
    ctx.eq("LINDEX -1", r.lindex("L2", -1), "g")
    ctx.eq("LINDEX 100", r.lindex("L2", 100), None)
    ctx.eq("LSET", r.lset("L2", 1, "B"), True)
    ctx.raises("LSET out of range", lambda: r.lset("L2", 100, "x"), "index out of range")
    ctx.eq("LINSERT BEFORE", r.linsert("L2", "before", "c", "c0"), 8)
    ctx.eq("LINSERT AFTER missing pivot", r.linsert("L2", "after", "nopivot", "x"), -1)
    r.rpush("L2", "a", "a")
    ctx.eq("LREM 0 a", r.lrem("L2", 0, "a"), 3)
    ctx.eq("LRANGE after LREM", r.lrange("L2", 0, -1), ["B", "c0", "c", "d", "e", "f", "g"])
    ctx.eq("LTRIM 1 -2", r.ltrim("L2", 1, -2), True)
    ctx.eq("LRANGE after LTRIM", r.lrange("L2", 0, -1), ["c0", "c", "d", "e", "f"])
    ctx.eq("LPOS", r.lpos("L2", "e"), 3)
    ctx.eq("LPOS missing", r.lpos("L2", "zz"), None)
    # LMOVE across shards
    for i in range(8):
        src, dst = "lm:s%d" % i, "lm:d%d" % i
        r.rpush(src, "1", "2", "3")
        r.rpush(dst, "x")
        ctx.eq("LMOVE %s %s LEFT RIGHT" % (src, dst), r.lmove(src, dst, "LEFT", "RIGHT"), "1")
        ctx.eq("LMOVE %s %s RIGHT LEFT" % (src, dst), r.lmove(src, dst, "RIGHT", "LEFT"), "3")
        ctx.eq("dst after two LMOVEs", r.lrange(dst, 0, -1), ["3", "x", "1"])
        ctx.eq("src after two LMOVEs", r.lrange(src, 0, -1), ["2"])
        ctx.eq("RPOPLPUSH %s %s" % (src, dst), r.rpoplpush(src, dst), "2")
        ctx.eq("src emptied by RPOPLPUSH", r.exists(src), 0)
        ctx.eq("dst after RPOPLPUSH", r.lrange(dst, 0, -1), ["2", "3", "x", "1"])
    r.rpush("lm:rot", "a", "b", "c")
    ctx.eq("LMOVE onto itself", r.lmove("lm:rot", "lm:rot", "LEFT", "RIGHT"), "a")
    ctx.eq("rotated list", r.lrange("lm:rot", 0, -1), ["b", "c", "a"])
    ctx.eq("LMOVE from a missing key", r.lmove("lm:none", "lm:d0"), None)
    r.set("lm:str", "s")
    ctx.raises("LMOVE onto a string", lambda: r.lmove("lm:rot", "lm:str"), "WRONGTYPE")
    ctx.eq("source unchanged after a WRONGTYPE LMOVE", r.lrange("lm:rot", 0, -1), ["b", "c", "a"])
    ctx.raises("LPUSH onto a string", lambda: r.lpush("lm:str", "x"), "WRONGTYPE")
    ctx.eq("LMPOP 2 lm:none lm:rot LEFT COUNT 2",
           r.execute_command("LMPOP", 2, "lm:none", "lm:rot", "LEFT", "COUNT", 2),
           ["lm:rot", ["b", "c"]])


@case("1d", "redis-py hashes")
def t_hashes(ctx):
    r = ctx.client()
    ctx.eq("HSET mapping", r.hset("H", mapping={"f1": "v1", "f2": "v2", "n": "10", "fl": "1.5"}), 4)
    ctx.eq("HSET existing field", r.hset("H", "f1", "v1b"), 0)
    ctx.eq("HGETALL", r.hgetall("H"), {"f1": "v1b", "f2": "v2", "n": "10", "fl": "1.5"})
    ctx.eq("HGET", r.hget("H", "f2"), "v2")
    ctx.eq("HGET missing field", r.hget("H", "zz"), None)
    ctx.eq("HMGET", r.hmget("H", "f1", "zz", "n"), ["v1b", None, "10"])
    ctx.eq("HINCRBY", r.hincrby("H", "n", 5), 15)
    ctx.eq("HINCRBYFLOAT 0.1", r.hincrbyfloat("H", "fl", 0.1), 1.6)
    ctx.eq("HGET after HINCRBYFLOAT", r.hget("H", "fl"), "1.6")
    r.hset("H", "x", "10.5")
    ctx.eq("HINCRBYFLOAT 10.5 + 0.1", r.hincrbyfloat("H", "x", 0.1), 10.6)
    ctx.eq("HINCRBYFLOAT of a new field", r.hincrbyfloat("H", "new", 2.5), 2.5)
    ctx.eq("HINCRBYFLOAT -5.0e3", r.hincrbyfloat("H", "new", -5.0e3), -4997.5)
    ctx.raises("HINCRBY of a non-integer", lambda: r.hincrby("H", "f1", 1), "hash value is not an integer")
    ctx.raises("HINCRBYFLOAT of a non-number", lambda: r.hincrbyfloat("H", "f1", 1), "hash value is not a float")
    ctx.eq("HDEL", r.hdel("H", "f2", "zz"), 1)
    ctx.eq("HEXISTS", [r.hexists("H", "f1"), r.hexists("H", "f2")], [True, False])
    ctx.eq("HLEN", r.hlen("H"), 5)
    ctx.eq("HKEYS", sorted(r.hkeys("H")), sorted(["f1", "n", "fl", "x", "new"]))
    ctx.eq("HVALS", sorted(r.hvals("H")), sorted(["v1b", "15", "1.6", "10.6", "-4997.5"]))
    ctx.eq("HSETNX existing", r.hsetnx("H", "f1", "q"), False)
    ctx.eq("HSETNX new", r.hsetnx("H", "f9", "q"), True)
    ctx.eq("HSTRLEN", r.hstrlen("H", "f1"), 3)
    rf = r.hrandfield("H", 3)
    ctx.check(len(rf) == 3 and len(set(rf)) == 3 and set(rf) <= set(r.hkeys("H")),
              "HRANDFIELD H 3 gave %r" % rf)
    r.set("Hs", "x")
    ctx.raises("HSET on a string", lambda: r.hset("Hs", "f", "v"), "WRONGTYPE")
    # HSCAN over 600 fields
    big = {"hs%d" % i: "val%d" % i for i in range(600)}
    r.hset("HB", mapping=big)
    for count in (10, 100):
        seen = collections.Counter(r.hscan_iter("HB", count=count))
        dups = [f for f, n in seen.items() if n > 1]
        ctx.check(dict(seen.keys()) == big and not dups and len(seen) == 600,
                  "HSCAN COUNT %d: %d pairs (%d distinct, %d duplicated), differs from the hash"
                  % (count, sum(seen.values()), len(seen), len(dups)))
    seen = list(r.hscan_iter("HB", match="hs1*"))
    exp = {f: v for f, v in big.items() if f.startswith("hs1")}
    ctx.check(dict(seen) == exp and len(seen) == len(exp),
              "HSCAN MATCH hs1*: %d pairs, want %d" % (len(seen), len(exp)))


@case("1e", "redis-py sets")
def t_sets(ctx):
    r = ctx.client()
    names = ["S%d" % i for i in range(8)]
    model = {}
    for i, k in enumerate(names):
        members = {str(n) for n in range(240) if n % (i + 1) == 0 or n % 7 == 0}
        model[k] = members
        ctx.eq("SADD %s" % k, r.sadd(k, *members), len(members))
    ctx.eq("SADD of an existing member", r.sadd("S0", "1"), 0)
    inter = set.intersection(*model.values())
    union = set.union(*model.values())
    diff = model["S0"] - set.union(*[model[k] for k in names[1:]])
    ctx.eq("SINTER of 8 sets", r.sinter(names), inter)
    ctx.eq("SUNION of 8 sets", r.sunion(names), union)
    ctx.eq("SDIFF of 8 sets", r.sdiff(names), diff)
    ctx.eq("SINTER with a missing key", r.sinter(names + ["Snone"]), set())
    for dst in ("Sdst1", "Sdst2", "Sdst3", "Sdst4"):
        ctx.eq("SUNIONSTORE %s" % dst, r.sunionstore(dst, names), len(union))
        ctx.eq("SMEMBERS %s" % dst, r.smembers(dst), union)
    r.set("Sstr", "x")
    ctx.eq("SUNIONSTORE over a string key", r.sunionstore("Sstr", ["S1", "S2"]),
           len(model["S1"] | model["S2"]))
    ctx.eq("TYPE after SUNIONSTORE over a string", r.type("Sstr"), "set")
    ctx.eq("SINTERSTORE", r.sinterstore("Sint", names), len(inter))
    ctx.eq("SMEMBERS after SINTERSTORE", r.smembers("Sint"), inter)
    ctx.eq("SDIFFSTORE", r.sdiffstore("Sdiff", names), len(diff))
    ctx.eq("SMEMBERS after SDIFFSTORE", r.smembers("Sdiff"), diff)
    ctx.eq("SINTERSTORE of an empty result deletes dst", (r.sinterstore("Sint", ["S1", "Snone"]),
                                                          r.exists("Sint")), (0, 0))
    ctx.eq("SINTERCARD", r.execute_command("SINTERCARD", len(names), *names), len(inter))
    ctx.eq("SINTERCARD LIMIT 3", r.execute_command("SINTERCARD", 2, "S0", "S1", "LIMIT", 3), 3)
    ctx.eq("SISMEMBER", [r.sismember("S1", "2"), r.sismember("S1", "3")], [True, False])
    ctx.eq("SMISMEMBER", [bool(x) for x in r.smismember("S2", ["3", "4", "6"])], [True, False, True])
    ctx.eq("SCARD", r.scard("S3"), len(model["S3"]))
    ctx.eq("SMOVE across keys", r.smove("S0", "Snew", "1"), True)
    ctx.eq("SMOVE of a non-member", r.smove("S0", "Snew", "1"), False)
    ctx.eq("after SMOVE", (r.sismember("S0", "1"), r.smembers("Snew")), (False, {"1"}))
    popped = r.spop("S4", 5)
    ctx.check(len(popped) == 5 and set(popped) <= model["S4"] and
              not any(r.sismember("S4", m) for m in popped), "SPOP S4 5 gave %r" % popped)
    ctx.eq("SREM", r.srem("S5", "0", "nope"), 1)
    rm = r.srandmember("S6", 4)
    ctx.check(len(rm) == 4 and len(set(rm)) == 4 and set(rm) <= model["S6"],
              "SRANDMEMBER S6 4 gave %r" % rm)
    r.rpush("Slist", "a")
    ctx.raises("SADD onto a list", lambda: r.sadd("Slist", "a"), "WRONGTYPE")
    big = {"m%d" % i for i in range(700)}
    r.sadd("SB", *big)
    for count in (10, 100):
        seen = collections.Counter(r.sscan_iter("SB", count=count))
        dups = [m for m, n in seen.items() if n > 1]
        ctx.check(set(seen) == big and not dups,
                  "SSCAN COUNT %d: %d members, %d distinct, %d duplicated, %d missing"
                  % (count, sum(seen.values()), len(seen), len(dups), len(big - set(seen))))
    seen = list(r.sscan_iter("SB", match="m6*"))
    exp = {m for m in big if m.startswith("m6")}
    ctx.check(set(seen) == exp and len(seen) == len(exp),
              "SSCAN MATCH m6*: %d members, want %d" % (len(seen), len(exp)))


@case("1f", "redis-py expiry")
def t_expiry(ctx):
    r = ctx.client()
    # Lazy expiry: absent when read.
    names = ["ex:%d" % i for i in range(20)]
    for k in names:
        r.set(k, "v", px=100)
    r.rpush("ex:list", "a")
    r.hset("ex:hash", "f", "v")
    r.sadd("ex:set", "m")
    for k in ("ex:list", "ex:hash", "ex:set"):
        r.pexpire(k, 100)
    r.set("ex:persisted", "v", px=100)
    r.persist("ex:persisted")
    r.set("ex:long", "v", px=5000)
    allkeys = names + ["ex:list", "ex:hash", "ex:set", "ex:persisted", "ex:long"]
    ctx.eq("EXISTS right after SET PX 100", r.exists(*allkeys), 25)
    p = r.pttl("ex:0")
    ctx.check(0 < p <= 100, "PTTL right after SET PX 100 is %r" % p)
    time.sleep(0.3)
    got = {k: r.get(k) for k in names}
    ctx.eq("GETs 300 ms after SET PX 100", {k: v for k, v in got.items() if v is not None}, {})
    ctx.eq("EXISTS of the expired keys", r.exists(*(names + ["ex:list", "ex:hash", "ex:set"])), 0)
    ctx.eq("LRANGE of the expired list", r.lrange("ex:list", 0, -1), [])
    ctx.eq("HGETALL of the expired hash", r.hgetall("ex:hash"), {})
    ctx.eq("SMEMBERS of the expired set", r.smembers("ex:set"), set())
    ctx.eq("TTL of an expired key", r.ttl("ex:1"), -2)
    ctx.eq("KEYS ex:*", sorted(r.keys("ex:*")), ["ex:long", "ex:persisted"])
    ctx.eq("SCAN MATCH ex:*", sorted(r.scan_iter(match="ex:*")), ["ex:long", "ex:persisted"])
    ctx.eq("DBSIZE", r.dbsize(), 2)
    ctx.eq("INCR of an expired key starts from 0", (r.set("ex:c", "5", px=50), time.sleep(0.2),
                                                    r.incr("ex:c"))[2], 1)
    ctx.eq("TTL of the key re-created by INCR", r.ttl("ex:c"), -1)
    r.set("ex:z", "v")
    ctx.eq("EXPIRE 0 deletes", (r.expire("ex:z", 0), r.exists("ex:z")), (True, 0))
    r.set("ex:z", "v")
    ctx.eq("PEXPIREAT in the past deletes", (r.pexpireat("ex:z", 1000), r.exists("ex:z")), (True, 0))
    r.set("ex:y", "v", ex=1)
    ctx.eq("SET PX 100 over a volatile key", r.set("ex:y", "w", px=100), True)
    time.sleep(0.3)
    ctx.eq("GET after the new PX expired", r.get("ex:y"), None)


@case("1g", "active expiry (keys never read again go away)", timeout=120)
def t_active_expiry(ctx):
    # On a server of its own, so that what earlier cases stored does not matter. DBSIZE does
    # not touch keys, so only the server's own expiry cycle can bring it down. Redis samples
    # the keys that have a TTL (10 times a second, 20 at a time, again at once while more
    # than a quarter of a sample had expired), so volatile keys that all expired are gone
    # in a few hundred ms whatever else the keyspace holds or held.
    srv = ctx.start_server("expiry-server", [])
    r = ctx.client(srv.port)

    def measure(label, base, limit, cap=15.0):
        for i in range(30):
            r.set("ax:%d" % i, "v", px=100)
        t0 = time.monotonic()
        while r.dbsize() != base and time.monotonic() - t0 < cap:
            time.sleep(0.02)
        dt = time.monotonic() - t0
        n = r.dbsize()
        ctx.note("%s: %.1f s" % (label, dt))
        ctx.check(n == base and dt <= limit,
                  "%s: 30 keys SET ... PX 100, never read again: DBSIZE should fall back to %d "
                  "within %.0f s (redis-server: about 0.2 s); %s"
                  % (label, base, limit, ("it took %.1f s" % dt) if n == base else
                     ("it is still %d after %.0f s" % (n, cap))))
        r.delete(*["ax:%d" % i for i in range(30)])

    measure("fresh server", 0, 1.0)
    pipe = r.pipeline(transaction=False)
    for j in range(0, 20000, 1000):
        pipe.mset({"pers:%d" % i: "1" for i in range(j, j + 1000)})
    pipe.execute()
    measure("with 20,000 keys without TTL present", 20000, 2.0)
    r.flushall()
    measure("after those 20,000 keys were FLUSHALLed", 0, 2.0)


# ======================================================================== 2: pub/sub

def _wait_confirm(ctx, p, kinds, label):
    got = []
    deadline = time.monotonic() + 3
    while len(got) < len(kinds) and time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m:
            got.append(m)
    types = [m["type"] for m in got]
    ctx.check(types == kinds, "%s: subscription confirmations %r, want types %r" % (label, got, kinds))


def _drain(p, n, seconds=6.0):
    msgs = []
    deadline = time.monotonic() + seconds
    while len(msgs) < n and time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m:
            msgs.append(m)
    end = time.monotonic() + 0.3          # anything extra (duplicates) would arrive now
    while time.monotonic() < end:
        m = p.get_message(timeout=0.1)
        if m:
            msgs.append(m)
    return msgs


def _drain_raw(c, n, seconds=6.0):
    msgs = []
    deadline = time.monotonic() + seconds
    while len(msgs) < n and time.monotonic() < deadline:
        rep = c.read_reply(timeout=0.2)
        if isinstance(rep, resp.Reply):
            msgs.append(rep)
        elif rep is resp.EOF:
            break
    while True:
        rep = c.read_reply(timeout=0.3)
        if not isinstance(rep, resp.Reply):
            break
        msgs.append(rep)
    return msgs


def _raw_msg(rep):
    """A RESP3 push as (type, pattern, channel, data) (pattern None for a 'message')."""
    if rep.type != ">":
        return ("not-a-push", rep.raw)
    v = [e.value.decode() if isinstance(e.value, bytes) else e.value for e in rep.value]
    if v[0] == "message":
        return ("message", None, v[1], v[2])
    if v[0] == "pmessage":
        return ("pmessage", v[1], v[2], v[3])
    return tuple(v)


def _expected_for(sub, channel, data):
    out = []
    if channel in sub["channels"]:
        out.append(("message", None, channel, data))
    for pat in sorted(sub["patterns"]):
        if fnmatch.fnmatchcase(channel, pat):
            out.append(("pmessage", pat, channel, data))
    return out


@case("2", "pub/sub across connections", timeout=90)
def t_pubsub(ctx):
    subs = [
        {"name": "S0", "channels": {"ch:a", "ch:b"}, "patterns": set()},
        {"name": "S1", "channels": set(), "patterns": {"news.*"}},
        {"name": "S2", "channels": {"ch:a"}, "patterns": {"ch:*"}},
        {"name": "S3", "channels": {"ch:c", "news.sport"}, "patterns": {"news.s*"}},
        {"name": "S4 (RESP3 raw)", "channels": {"ch:b"}, "patterns": set(), "raw": True},
    ]
    for s in subs:
        if s.get("raw"):
            c = ctx.raw()
            h = c.command("HELLO", "3")
            ctx.check(isinstance(h, resp.Reply) and h.type == "%", "HELLO 3: %s" % reply_text(h))
            rep = c.command("SUBSCRIBE", "ch:b")
            ctx.check(isinstance(rep, resp.Reply) and rep.type == ">" and
                      rep.to_python() == [b"subscribe", b"ch:b", 1],
                      "RESP3 SUBSCRIBE ch:b: %s" % reply_text(rep))
            s["conn"] = c
            continue
        p = ctx.client().pubsub()
        kinds = []
        if s["channels"]:
            p.subscribe(*sorted(s["channels"]))
            kinds += ["subscribe"] * len(s["channels"])
        if s["patterns"]:
            p.psubscribe(*sorted(s["patterns"]))
            kinds += ["psubscribe"] * len(s["patterns"])
        _wait_confirm(ctx, p, kinds, s["name"])
        s["p"] = p

    def receive(s, n):
        if s.get("raw"):
            return [_raw_msg(m) for m in _drain_raw(s["conn"], n)]
        return [(m["type"], m["pattern"], m["channel"], m["data"]) for m in _drain(s["p"], n)]

    # Phase 1: one publisher, 300 messages over 6 channels.
    pub = ctx.client()
    chans = ["ch:a", "ch:b", "ch:c", "news.sport", "news.world", "other"]
    expected = {s["name"]: [] for s in subs}
    bad_counts = []
    for i in range(300):
        ch = chans[i % len(chans)]
        data = "m%d" % i
        want_n = 0
        for s in subs:
            e = _expected_for(s, ch, data)
            expected[s["name"]] += e
            want_n += len(e)
        n = pub.publish(ch, data)
        if n != want_n:
            bad_counts.append((ch, data, n, want_n))
    ctx.check(not bad_counts, lambda: "PUBLISH receiver counts wrong %d times, e.g. %s (channel, "
              "data, got, want)" % (len(bad_counts), bad_counts[:3]))

    def compare(s, got, exp, label):
        def idx(m):
            return int(re.sub(r"\D", "", m[3].split("-")[-1])) if isinstance(m[3], str) else -1
        if collections.Counter(got) != collections.Counter(exp):
            gc, ec = collections.Counter(got), collections.Counter(exp)
            missing = list((ec - gc).elements())
            extra = list((gc - ec).elements())
            ctx.fail("%s, %s: received %d messages, want %d; missing %d e.g. %s; extra/duplicate "
                     "%d e.g. %s" % (label, s["name"], len(got), len(exp), len(missing),
                                     missing[:3], len(extra), extra[:3]))
            return
        # in order: within each (publisher, kind, pattern) stream the indices must ascend
        streams = collections.defaultdict(list)
        for m in got:
            streams[(m[3].split("-")[0] if "-" in m[3] else "", m[0], m[1])].append(idx(m))
        for key, seq in streams.items():
            if seq != sorted(seq):
                pos = next(i for i in range(1, len(seq)) if seq[i] < seq[i - 1])
                ctx.fail("%s, %s: stream %s out of order around position %d: ...%s..."
                         % (label, s["name"], key, pos, seq[max(0, pos - 3):pos + 3]))

    for s in subs:
        compare(s, receive(s, len(expected[s["name"]])), expected[s["name"]], "one publisher")

    # Phase 2: two publishers at once (other connections, other loops).
    exp2 = {s["name"]: [] for s in subs}
    for j in range(2):
        for i in range(150):
            ch = ("ch:a", "news.world")[i % 2]
            for s in subs:
                exp2[s["name"]] += _expected_for(s, ch, "p%d-%d" % (j, i))
    pubs = [ctx.client() for _ in range(2)]

    def publisher(j):
        for i in range(150):
            pubs[j].publish(("ch:a", "news.world")[i % 2], "p%d-%d" % (j, i))
    jobs = [ctx.spawn(publisher, j) for j in range(2)]
    for jb in jobs:
        done, _, err = jb.result(20)
        ctx.check(done and err is None, "publisher thread: %s" % (err or "did not finish in 20 s"))
    for s in subs:
        compare(s, receive(s, len(exp2[s["name"]])), exp2[s["name"]], "two publishers")

    # Phase 3: unsubscribe.
    s0, s2, s4 = subs[0], subs[2], subs[4]
    s0["p"].unsubscribe("ch:a")
    m = _drain(s0["p"], 1, 3)
    ctx.eq("S0 UNSUBSCRIBE ch:a confirmation",
           [(x["type"], x["channel"], x["data"]) for x in m], [("unsubscribe", "ch:a", 1)])
    s2["p"].punsubscribe("ch:*")
    m = _drain(s2["p"], 1, 3)
    ctx.eq("S2 PUNSUBSCRIBE ch:* confirmation",
           [(x["type"], x["pattern"] or x["channel"], x["data"]) for x in m], [("punsubscribe", "ch:*", 1)])
    rep = s4["conn"].command("UNSUBSCRIBE", "ch:b")
    ctx.check(isinstance(rep, resp.Reply) and rep.to_python() == [b"unsubscribe", b"ch:b", 0],
              "RESP3 UNSUBSCRIBE ch:b: %s" % reply_text(rep))
    ctx.eq("PUBLISH ch:a after S0 left it", pub.publish("ch:a", "after-1"), 1)     # S2 channel
    ctx.eq("PUBLISH ch:b after two left", pub.publish("ch:b", "after-2"), 1)       # S0
    ctx.eq("PUBLISH ch:c after S2 left ch:*", pub.publish("ch:c", "after-3"), 1)   # S3
    ctx.eq("S0 after unsubscribing ch:a", [(x["channel"], x["data"]) for x in _drain(s0["p"], 1, 3)],
           [("ch:b", "after-2")])
    ctx.eq("S2 after punsubscribing ch:*", [(x["channel"], x["data"]) for x in _drain(s2["p"], 1, 3)],
           [("ch:a", "after-1")])
    ctx.eq("S3 gets ch:c", [(x["channel"], x["data"]) for x in _drain(subs[3]["p"], 1, 3)],
           [("ch:c", "after-3")])
    rest = _drain_raw(s4["conn"], 0, 0.5)
    ctx.check(not rest, "RESP3 subscriber got messages after UNSUBSCRIBE: %s"
              % [reply_text(x) for x in rest[:3]])
    rep = s4["conn"].command("PING")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+PONG\r\n",
              "PING on the RESP3 connection after UNSUBSCRIBE: %s" % reply_text(rep))
    ctx.eq("PUBSUB NUMSUB", pub.pubsub_numsub("ch:a", "ch:b", "ch:c", "news.sport", "nochan"),
           [("ch:a", 1), ("ch:b", 1), ("ch:c", 1), ("news.sport", 1), ("nochan", 0)])
    ctx.eq("PUBSUB NUMPAT", pub.pubsub_numpat(), 2)
    ctx.eq("PUBSUB CHANNELS ch:*", sorted(pub.pubsub_channels("ch:*")), ["ch:a", "ch:b", "ch:c"])

    # Phase 4: everyone goes away; the server forgets them.
    for s in subs:
        if "p" in s:
            s["p"].close()
        else:
            s["conn"].close()
    ok = ctx.wait_until(lambda: pub.pubsub_numsub("ch:a", "ch:b", "ch:c", "news.sport") ==
                        [("ch:a", 0), ("ch:b", 0), ("ch:c", 0), ("news.sport", 0)]
                        and pub.pubsub_numpat() == 0, 3.0, 0.05)
    ctx.check(ok, "after closing every subscriber: NUMSUB %s NUMPAT %s" % (
        pub.pubsub_numsub("ch:a", "ch:b", "ch:c", "news.sport"), pub.pubsub_numpat()))
    ctx.eq("PUBLISH with nobody left", pub.publish("ch:a", "x"), 0)


# ======================================================================== 3: blocking

@case("3a", "blocking: BLPOP on several shards woken by RPUSH", timeout=60)
def t_block_multi(ctx):
    pusher = ctx.client()
    keys = ["bl:%d" % i for i in range(8)]
    base = ctx.info_int("blocked_clients")
    for i, k in enumerate(keys):
        w = ctx.client()
        job = ctx.spawn(w.blpop, keys, 5)
        if not ctx.wait_blocked(base + 1):
            job.result(6)
            continue
        pusher.rpush(k, "v%d" % i)
        done, val, err = job.result(3)
        ctx.check(done and err is None and val == (k, "v%d" % i),
                  "BLPOP %s 5 woken by RPUSH %s v%d: got %s" % (" ".join(keys), k, i,
                                                                 short(err or (val if done else "no reply in 3 s"))))
        ctx.wait_blocked(base)
    ctx.eq("all lists empty after", [pusher.llen(k) for k in keys], [0] * 8)
    pusher.rpush("bl:3", "x")
    pusher.rpush("bl:5", "y")
    ctx.eq("BLPOP with data ready takes the first non-empty key in argument order",
           pusher.blpop(["bl:1", "bl:5", "bl:3"], 1), ("bl:5", "y"))
    ctx.eq("BRPOP with data ready", pusher.brpop(["bl:0", "bl:3"], 1), ("bl:3", "x"))
    # a waiter on several keys, push to many at once: only one element is taken
    w = ctx.client()
    job = ctx.spawn(w.brpop, keys, 5)
    if ctx.wait_blocked(base + 1):
        pusher.mset({"bl:other": "1"})
        p = pusher.pipeline(transaction=False)
        for k in keys[::-1]:
            p.rpush(k, "e-" + k)
        p.execute()
        done, val, err = job.result(3)
        ctx.check(done and err is None and val in [(k, "e-" + k) for k in keys],
                  "BRPOP on 8 keys woken by 8 RPUSHes: %s" % short(err or (val if done else "no reply")))
        left = sum(pusher.llen(k) for k in keys)
        ctx.eq("elements left after one BRPOP took one of 8", left, 7)


@case("3b", "blocking: several waiters on one key", timeout=60)
def t_block_same_key(ctx):
    pusher = ctx.client()
    base = ctx.info_int("blocked_clients")
    # 5 waiters, blocked one after another; one RPUSH of 5: each gets one, first come first served
    jobs = []
    for i in range(5):
        jobs.append(ctx.spawn(ctx.client().blpop, "bq", 5))
        ctx.wait_blocked(base + i + 1)
    ctx.eq("RPUSH bq e0..e4", pusher.rpush("bq", *["e%d" % i for i in range(5)]), 5)
    got = []
    for i, jb in enumerate(jobs):
        done, val, err = jb.result(3)
        got.append(val if done and not err else (err or "no reply"))
    ctx.eq("what the 5 waiters got (in the order they blocked)", got,
           [("bq", "e%d" % i) for i in range(5)])
    ctx.eq("LLEN bq after", pusher.llen("bq"), 0)
    ctx.wait_blocked(base)
    # 3 waiters, 5 elements: 3 taken, 2 left
    jobs = []
    for i in range(3):
        jobs.append(ctx.spawn(ctx.client().brpop, "bq2", 5))
        ctx.wait_blocked(base + i + 1)
    pusher.rpush("bq2", "a", "b", "c", "d", "e")
    vals = []
    for jb in jobs:
        done, val, err = jb.result(3)
        vals.append(val if done and not err else (err or "no reply"))
    ctx.eq("3 BRPOP waiters on 5 elements", vals, [("bq2", "e"), ("bq2", "d"), ("bq2", "c")])
    ctx.eq("left in bq2", pusher.lrange("bq2", 0, -1), ["a", "b"])
    ctx.wait_blocked(base)
    # 4 waiters, 4 pushers on other connections at once: every element to exactly one waiter
    jobs = [ctx.spawn(ctx.client().blpop, "bq3", 5) for _ in range(4)]
    ctx.wait_blocked(base + 4)
    pushers = [ctx.client() for _ in range(4)]
    pj = [ctx.spawn(pushers[i].rpush, "bq3", "x%d" % i) for i in range(4)]
    for jb in pj:
        jb.result(3)
    vals = []
    for jb in jobs:
        done, val, err = jb.result(3)
        vals.append(val if done and not err else (err or "no reply"))
    ctx.eq("4 waiters woken by 4 concurrent pushers (sorted)", sorted(map(str, vals)),
           sorted(str(("bq3", "x%d" % i)) for i in range(4)))
    ctx.eq("LLEN bq3 after", pusher.llen("bq3"), 0)
    ctx.wait_blocked(base)


@case("3c", "blocking: BLMOVE / BRPOPLPUSH across shards", timeout=60)
def t_block_move(ctx):
    pusher = ctx.client()
    base = ctx.info_int("blocked_clients")
    for i in range(8):
        src, dst = "bm:s%d" % i, "bm:d%d" % i
        pusher.rpush(dst, "pre")
        job = ctx.spawn(ctx.client().blmove, src, dst, 5, "LEFT", "RIGHT")
        if not ctx.wait_blocked(base + 1):
            job.result(6)
            continue
        pusher.rpush(src, "x%d" % i, "y%d" % i)
        done, val, err = job.result(3)
        ctx.check(done and err is None and val == "x%d" % i,
                  "BLMOVE %s %s 5 LEFT RIGHT woken by RPUSH %s x%d y%d: %s"
                  % (src, dst, src, i, i, err or (val if done else "no reply in 3 s")))
        ctx.eq("%s after BLMOVE" % dst, pusher.lrange(dst, 0, -1), ["pre", "x%d" % i])
        ctx.eq("%s after BLMOVE" % src, pusher.lrange(src, 0, -1), ["y%d" % i])
        ctx.wait_blocked(base)
    job = ctx.spawn(ctx.client().brpoplpush, "bm:src", "bm:dst", 5)
    if ctx.wait_blocked(base + 1):
        pusher.lpush("bm:src", "only")
        done, val, err = job.result(3)
        ctx.check(done and val == "only", "BRPOPLPUSH woken: %s" % (err or (val if done else "no reply")))
        ctx.eq("bm:dst after BRPOPLPUSH", pusher.lrange("bm:dst", 0, -1), ["only"])
        ctx.eq("bm:src after BRPOPLPUSH", pusher.exists("bm:src"), 0)


@case("3d", "blocking: timeouts", timeout=30)
def t_block_timeout(ctx):
    r = ctx.client()
    for what, fn in (("BLPOP bt:1 bt:2 0.3", lambda: r.blpop(["bt:1", "bt:2"], 0.3)),
                     ("BRPOP bt:1 0.3", lambda: r.brpop("bt:1", 0.3)),
                     ("BLMOVE bt:1 bt:2 0.3", lambda: r.blmove("bt:1", "bt:2", 0.3)),
                     ("BRPOPLPUSH bt:1 bt:2 1", lambda: r.brpoplpush("bt:1", "bt:2", 1))):
        t0 = time.monotonic()
        try:
            v = fn()
        except Exception as e:
            v = "%s: %s" % (type(e).__name__, e)
        el = time.monotonic() - t0
        tmo = 1.0 if "BRPOPLPUSH" in what else 0.3
        ctx.eq(what + " reply", v, None)
        ctx.check(tmo - 0.05 <= el <= tmo + 1.0, "%s returned after %.2f s" % (what, el))
    ctx.eq("nothing created by timed-out pops", r.exists("bt:1", "bt:2"), 0)
    ctx.eq("blocked_clients back to 0", ctx.info_int("blocked_clients"), 0)
    ctx.eq("connection usable after timeouts", r.ping(), True)


@case("3e", "blocking: a blocked client disconnects", timeout=60)
def t_block_disconnect(ctx):
    r = ctx.client()
    r.ping()
    base_b = ctx.info_int("blocked_clients")
    base_c = ctx.info_int("connected_clients")
    for how in ("close", "rst"):
        for what, args, keys in (("BLPOP", ["BLPOP", "bc:%s" % how, "bc:%s2" % how, "0"],
                                  ["bc:%s" % how, "bc:%s2" % how]),
                                 ("BLMOVE", ["BLMOVE", "bm:%s" % how, "bm:%sd" % how, "LEFT", "RIGHT", "0"],
                                  ["bm:%s" % how])):
            c = resp.Connection(ctx.port)
            c.send_command(*args)
            if not ctx.wait_blocked(base_b + 1):
                c.close()
                continue
            if how == "rst":
                rst_close(c.sock)
            else:
                c.close()
            ok = ctx.wait_until(lambda: ctx.info_int("blocked_clients") == base_b and
                                ctx.info_int("connected_clients") == base_c, 3.0, 0.02)
            ctx.check(ok, "after a client blocked in %s was closed (%s): blocked_clients %d "
                          "(want %d), connected_clients %d (want %d)"
                      % (what, how, ctx.info_int("blocked_clients"), base_b,
                         ctx.info_int("connected_clients"), base_c))
            for k in keys:
                ctx.eq("RPUSH %s after its waiter left" % k, r.rpush(k, "kept"), 1)
            time.sleep(0.05)
            for k in keys:
                ctx.eq("%s keeps its element (not handed to the closed client)" % k,
                       r.lrange(k, 0, -1), ["kept"])
            if what == "BLMOVE":
                ctx.eq("BLMOVE destination not created", r.exists("bm:%sd" % how), 0)
    ctx.eq("PING after", r.ping(), True)
    # a waiter still works after all that
    job = ctx.spawn(ctx.client().blpop, "bc:last", 5)
    if ctx.wait_blocked(base_b + 1):
        r.rpush("bc:last", "z")
        done, val, err = job.result(3)
        ctx.eq("BLPOP after the disconnects", val if done else "no reply", ("bc:last", "z"))


# ======================================================================== 4: transactions

@case("4a", "MULTI/EXEC via redis-py pipelines", timeout=30)
def t_multi(ctx):
    r = ctx.client()
    with r.pipeline(transaction=True) as p:
        p.set("t:a", "1").incr("t:a").rpush("t:l", "x", "y").mget("t:a", "t:b")
        p.sadd("t:s", "m").hset("t:h", "f", "v").get("t:a").mset({"t:m%d" % i: i for i in range(12)})
        res = p.execute()
    ctx.eq("EXEC results", res, [True, 2, 2, ["2", None], 1, 1, "2", True])
    ctx.eq("MSET inside EXEC applied", r.mget(["t:m%d" % i for i in range(12)]), [str(i) for i in range(12)])
    with r.pipeline(transaction=True) as p:
        p.set("t:str", "x").lpush("t:str", "y").incr("t:n")
        res = p.execute(raise_on_error=False)
    ctx.check(len(res) == 3 and res[0] is True and isinstance(res[1], ResponseError)
              and "WRONGTYPE" in str(res[1]) and res[2] == 1,
              "EXEC with a run-time error in the middle: %r" % (res,))
    ctx.eq("the other commands of that EXEC ran", r.mget("t:str", "t:n"), ["x", "1"])
    c = ctx.raw()
    steps = [(("MULTI",), b"+OK\r\n"), (("SET", "t:q", "1"), b"+QUEUED\r\n"),
             (("NOSUCHCMD", "x"), None), (("EXEC",), b"-EXECABORT Transaction discarded because of previous errors.\r\n"),
             (("GET", "t:q"), b"$-1\r\n"),
             (("MULTI",), b"+OK\r\n"), (("SET", "t:q"), b"-ERR wrong number of arguments for 'set' command\r\n"),
             (("MULTI",), b"-ERR MULTI calls can not be nested\r\n"),
             (("EXEC",), b"-EXECABORT Transaction discarded because of previous errors.\r\n"),
             (("EXEC",), b"-ERR EXEC without MULTI\r\n"), (("DISCARD",), b"-ERR DISCARD without MULTI\r\n"),
             (("MULTI",), b"+OK\r\n"), (("SET", "t:d", "1"), b"+QUEUED\r\n"), (("DISCARD",), b"+OK\r\n"),
             (("GET", "t:d"), b"$-1\r\n"),
             (("MULTI",), b"+OK\r\n"), (("EXEC",), b"*0\r\n")]
    for args, want in steps:
        rep = c.command(*args)
        if want is None:
            ok = isinstance(rep, resp.Reply) and rep.raw.startswith(b"-ERR unknown command")
        else:
            ok = isinstance(rep, resp.Reply) and rep.raw == want
        ctx.check(ok, "raw %s: got %s, want %s" % (" ".join(args), reply_text(rep),
                                                    resp.escape(want) if want else "-ERR unknown command..."))


@case("4b", "WATCH invalidated by other clients", timeout=30)
def t_watch(ctx):
    r = ctx.client()
    other = ctx.client()
    keys = ["w:%d" % i for i in range(8)]

    def attempt(setup, modify, watch=keys, label=""):
        r.flushall()
        setup()
        with r.pipeline() as p:
            p.watch(*watch)
            p.mget(watch)
            modify()
            p.multi()
            p.set("w:result", "committed")
            p.incr("w:0")
            try:
                p.execute()
                return "committed"
            except WatchError:
                return "WatchError"

    def setup_strings():
        r.mset({k: "1" for k in keys})
    cases = [
        ("SET w:5", setup_strings, lambda: other.set("w:5", "x"), "WatchError"),
        ("DEL w:7", setup_strings, lambda: other.delete("w:7"), "WatchError"),
        ("INCR w:2", setup_strings, lambda: other.incr("w:2"), "WatchError"),
        ("EXPIRE w:3", setup_strings, lambda: other.expire("w:3", 100), "WatchError"),
        ("MSET over several keys", setup_strings, lambda: other.mset({"w:4": "a", "zz": "b"}), "WatchError"),
        ("RENAME onto w:6", lambda: (setup_strings(), r.set("w:src", "s")),
         lambda: other.rename("w:src", "w:6"), "WatchError"),
        ("SET of a missing watched key", lambda: r.set("w:0", "1"), lambda: other.set("w:1", "n"), "WatchError"),
        ("RPUSH to a watched list", lambda: (r.set("w:0", "1"), r.rpush("w:1", "a")),
         lambda: other.rpush("w:1", "b"), "WatchError"),
        ("HSET to a watched hash", lambda: (r.set("w:0", "1"), r.hset("w:1", "f", "v")),
         lambda: other.hset("w:1", "g", "v"), "WatchError"),
        ("SADD to a watched set", lambda: (r.set("w:0", "1"), r.sadd("w:1", "a")),
         lambda: other.sadd("w:1", "b"), "WatchError"),
        ("a write to an unwatched key", setup_strings, lambda: other.set("w:unwatched", "x"), "committed"),
        ("no write at all", setup_strings, lambda: None, "committed"),
        ("a read of a watched key", setup_strings, lambda: other.get("w:3"), "committed"),
    ]
    for label, setup, modify, want in cases:
        got = attempt(setup, modify, label=label)
        ctx.eq("transaction after WATCH w:0..w:7 and another client's %s" % label, got, want)
        res = r.get("w:result")
        ctx.eq("w:result after %s" % label, res, "committed" if want == "committed" else None)
    # the same client's own write also invalidates; UNWATCH undoes the watch
    r.flushall()
    c = ctx.raw()
    script = [(("WATCH", "w:own"), b"+OK\r\n"), (("SET", "w:own", "2"), b"+OK\r\n"), (("MULTI",), b"+OK\r\n"),
              (("SET", "w:r", "1"), b"+QUEUED\r\n"), (("EXEC",), b"*-1\r\n"),
              (("WATCH", "w:own"), b"+OK\r\n"), (("UNWATCH",), b"+OK\r\n")]
    for args, want in script:
        rep = c.command(*args)
        ctx.check(isinstance(rep, resp.Reply) and rep.raw == want,
                  "raw %s: got %s, want %s" % (" ".join(args), reply_text(rep), resp.escape(want)))
    other.set("w:own", "3")
    for args, want in ((("MULTI",), b"+OK\r\n"), (("SET", "w:r", "1"), b"+QUEUED\r\n"),
                       (("EXEC",), b"*1\r\n+OK\r\n")):
        rep = c.command(*args)
        ctx.check(isinstance(rep, resp.Reply) and rep.raw == want,
                  "raw %s after UNWATCH and another client's write: got %s, want %s"
                  % (" ".join(args), reply_text(rep), resp.escape(want)))
    # raw: another client's write gives a null EXEC
    for args, want in ((("WATCH", "w:x", "w:y"), b"+OK\r\n"),):
        c.command(*args)
    other.set("w:y", "1")
    c.command("MULTI")
    c.command("GET", "w:x")
    rep = c.command("EXEC")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"*-1\r\n",
              "raw EXEC after WATCH w:x w:y and another client's SET w:y: %s" % reply_text(rep))


@case("4c", "WATCH/MULTI retry loop, 8 threads x 50", timeout=90)
def t_watch_counter(ctx):
    clients = [ctx.client() for _ in range(8)]
    deadline = time.monotonic() + 60

    def worker(r):
        retries = 0
        for _ in range(50):
            while True:
                if time.monotonic() > deadline:
                    raise RuntimeError("not done within 60 s")
                with r.pipeline() as p:
                    try:
                        p.watch("ctr", "ctr:log")
                        v = int(p.get("ctr") or 0)
                        p.multi()
                        p.set("ctr", v + 1)
                        p.rpush("ctr:log", v + 1)
                        p.execute()
                        break
                    except WatchError:
                        retries += 1
        return retries
    jobs = [ctx.spawn(worker, r) for r in clients]
    total_retries = 0
    for jb in jobs:
        done, val, err = jb.result(max(1, deadline - time.monotonic() + 5))
        if not done or err:
            ctx.fail("worker: %s" % (err or "did not finish"))
        else:
            total_retries += val
    r = clients[0]
    ctx.eq("counter after 8 x 50 WATCH/MULTI increments", r.get("ctr"), "400")
    log = r.lrange("ctr:log", 0, -1)
    ctx.check(log == [str(i) for i in range(1, 401)],
              "ctr:log should be 1..400 in order; has %d entries, first problem at %s"
              % (len(log), next((i for i, x in enumerate(log) if x != str(i + 1)), len(log))))
    ctx.note("%d WatchError retries" % total_retries)


# ======================================================================== 5: atomicity

@case("5", "atomicity of MSET / EXEC / RENAME under concurrency", timeout=60)
def t_atomicity(ctx):
    group = ["g:k%d" % i for i in range(1, 9)]
    pairs = [("rn:a%d" % j, "rn:b%d" % j) for j in range(4)]
    setup = ctx.client()
    setup.mset({k: "init" for k in group})
    for a, _ in pairs:
        setup.set(a, "payload")
    stop = threading.Event()
    lock = threading.Lock()
    stats = collections.Counter()
    violations = []
    values_seen = set()

    def violation(msg):
        with lock:
            stats["violations"] += 1
            if len(violations) < 5:
                violations.append(msg)

    def mset_writer(r, t):
        i = 0
        while not stop.is_set():
            r.mset({k: "m%d-%d" % (t, i) for k in group})
            i += 1
        with lock:
            stats["mset"] += i

    def exec_writer(r):
        i = 0
        while not stop.is_set():
            with r.pipeline(transaction=True) as p:
                for k in group:
                    p.set(k, "x-%d" % i)
                p.execute()
            i += 1
        with lock:
            stats["exec"] += i

    def rename_writer(r):
        where = {a: a for a, _ in pairs}
        i = 0
        while not stop.is_set():
            for a, b in pairs:
                cur = where[a]
                nxt = b if cur == a else a
                r.rename(cur, nxt)
                where[a] = nxt
            i += 1
        with lock:
            stats["rename"] += i * len(pairs)

    def mget_reader(r):
        n = 0
        while not stop.is_set():
            vals = r.mget(group)
            n += 1
            if len(set(vals)) != 1 or vals[0] is None:
                violation("MGET %s saw %s" % (" ".join(group), vals))
            else:
                with lock:
                    values_seen.add(vals[0])
        with lock:
            stats["mget checks"] += n

    def exec_reader(r):
        n = 0
        while not stop.is_set():
            with r.pipeline(transaction=True) as p:
                for k in group:
                    p.get(k)
                vals = p.execute()
            n += 1
            if len(set(vals)) != 1 or vals[0] is None:
                violation("MULTI GET*8 EXEC saw %s" % vals)
        with lock:
            stats["exec checks"] += n

    def rename_reader(r):
        n = 0
        while not stop.is_set():
            for a, b in pairs:
                e = r.exists(a, b)
                if e != 1:
                    violation("EXISTS %s %s = %r during RENAMEs (want 1)" % (a, b, e))
                vals = r.mget(a, b)
                if sorted(v is None for v in vals) != [False, True] or "payload" not in vals:
                    violation("MGET %s %s = %r during RENAMEs (want exactly one 'payload')" % (a, b, vals))
                n += 2
        with lock:
            stats["rename checks"] += n

    jobs = [ctx.spawn(mset_writer, ctx.client(), 0), ctx.spawn(mset_writer, ctx.client(), 1),
            ctx.spawn(exec_writer, ctx.client()), ctx.spawn(rename_writer, ctx.client()),
            ctx.spawn(mget_reader, ctx.client()), ctx.spawn(mget_reader, ctx.client()),
            ctx.spawn(exec_reader, ctx.client()), ctx.spawn(rename_reader, ctx.client())]
    time.sleep(3.0)
    stop.set()
    for jb in jobs:
        done, _, err = jb.result(10)
        if not done or err:
            ctx.fail("worker thread: %s" % (("%s: %s" % (type(err).__name__, err)) if err else "did not stop"))
    checks = stats["mget checks"] + stats["exec checks"] + stats["rename checks"]
    ctx.check(not violations, lambda: "%d atomicity violations in %d checks, e.g.:\n        %s"
              % (stats["violations"], checks, "\n        ".join(violations)))
    ctx.check(len(values_seen) >= 10, "readers saw only %d distinct group values: writers did not "
              "really interleave (stats %s)" % (len(values_seen), dict(stats)))
    final = setup.mget(group)
    ctx.check(len(set(final)) == 1, "group values differ at the end: %s" % final)
    ctx.note("%d checks (%d MGET, %d EXEC, %d rename-pair); %d MSET, %d EXEC, %d RENAME writes"
             % (checks, stats["mget checks"], stats["exec checks"], stats["rename checks"],
                stats["mset"], stats["exec"], stats["rename"]))


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


# ======================================================================== 10: CLIENT

CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                 "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp",
                 "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]


def _client_lines(text):
    """CLIENT LIST's text as a list of (field names in order, {field: value})."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if text.startswith("txt:"):
        text = text[4:]
    out = []
    for line in text.split("\n"):
        if not line:
            continue
        pairs = [p.split("=", 1) for p in line.split(" ")]
        out.append(([k for k, _ in pairs], {k: v for k, v in pairs}))
    return out


def _client_list_raw(c, *args):
    rep = c.command("CLIENT", "LIST", *args, timeout=5)
    if not isinstance(rep, resp.Reply) or rep.type not in "$=" or rep.value is None:
        raise AssertionError("CLIENT LIST %s: %s" % (" ".join(args), reply_text(rep)))
    return _client_lines(rep.value)


def _sock_addr(c):
    host, port = c.sock.getsockname()[:2]
    return "%s:%d" % (host, port)


@case("10a", "CLIENT LIST / INFO: every client on every loop, with its fields", timeout=60)
def t_client_list(ctx):
    ctl = ctx.raw()
    me = ctl.command("CLIENT", "ID").value
    # Plain clients with a database and a name each (more than the loops: all of them hold
    # some), a subscriber, a client inside MULTI and one blocked in BLPOP.
    plain = {}
    for i in range(8):
        c = ctx.raw()
        c.command("SELECT", str(i % 3))
        c.command("CLIENT", "SETNAME", "cl%d" % i)
        plain[c.command("CLIENT", "ID").value] = (c, i)
    sub = ctx.raw()
    sid = sub.command("CLIENT", "ID").value
    sub.send_command("SUBSCRIBE", "cl:ch1", "cl:ch2")
    sub.read_reply(3)
    sub.read_reply(3)
    sub.send_command("PSUBSCRIBE", "cl:p*")
    sub.read_reply(3)
    mul = ctx.raw()
    mid = mul.command("CLIENT", "ID").value
    for args in (("MULTI",), ("SET", "cl:a", "1"), ("INCR", "cl:b")):
        mul.command(*args)
    blk = ctx.raw()
    bid = blk.command("CLIENT", "ID").value
    base_b = ctx.info_int("blocked_clients")
    blk.send_command("BLPOP", "cl:none", "10")
    ctx.wait_blocked(base_b + 1)

    lines = _client_list_raw(ctl)
    by_id = {}
    for names, f in lines:
        ctx.check(names == CLIENT_FIELDS, "CLIENT LIST fields %r, want Redis 7.0's %r" % (names, CLIENT_FIELDS))
        by_id[int(f.get("id", "-1"))] = f
    want = set(plain) | {me, sid, mid, bid}
    ctx.check(want <= set(by_id), "CLIENT LIST lacks clients %s" % sorted(want - set(by_id)))
    laddr = "%s:%d" % (HOST, ctx.port)
    for cid, (c, i) in plain.items():
        f = by_id.get(cid)
        if not f:
            continue
        got = {k: f.get(k) for k in ("addr", "laddr", "name", "db", "flags", "sub", "psub", "multi",
                                     "cmd", "user", "resp")}
        ctx.eq("client %d's fields" % cid, got,
               {"addr": _sock_addr(c), "laddr": laddr, "name": "cl%d" % i, "db": str(i % 3),
                "flags": "N", "sub": "0", "psub": "0", "multi": "-1", "cmd": "client|id",
                "user": "default", "resp": "2"})
    f = by_id.get(me, {})
    ctx.eq("the caller's own line", {k: f.get(k) for k in ("cmd", "argv-mem", "idle")},
           {"cmd": "client|list", "argv-mem": "10", "idle": "0"})
    f = by_id.get(sid, {})
    ctx.eq("the subscriber's line", {k: f.get(k) for k in ("flags", "sub", "psub", "cmd")},
           {"flags": "P", "sub": "2", "psub": "1", "cmd": "psubscribe"})
    f = by_id.get(mid, {})
    ctx.eq("the MULTI client's line", {k: f.get(k) for k in ("flags", "multi", "cmd")},
           {"flags": "x", "multi": "2", "cmd": "incr"})
    f = by_id.get(bid, {})
    ctx.eq("the blocked client's line", {k: f.get(k) for k in ("flags", "cmd", "argv-mem")},
           {"flags": "b", "cmd": "blpop", "argv-mem": "14"})
    ctx.eq("INFO clients_in_timeout_table with one BLPOP of 10 s", ctx.info_int("clients_in_timeout_table"), 1)

    # TYPE and ID filters; CLIENT INFO.
    got = _client_list_raw(ctl, "TYPE", "pubsub")
    ctx.eq("CLIENT LIST TYPE pubsub", [int(f["id"]) for _, f in got], [sid])
    normal = [int(f["id"]) for _, f in _client_list_raw(ctl, "TYPE", "normal")]
    ctx.check(want - {sid} <= set(normal) and sid not in normal,
              "CLIENT LIST TYPE normal: %s" % normal)
    some = [bid, me, bid, 999999]
    got = _client_list_raw(ctl, "ID", *map(str, some))
    ctx.eq("CLIENT LIST ID b me b 999999 (in that order, repeats kept)", [int(f["id"]) for _, f in got],
           [bid, me, bid])
    rep = ctl.command("CLIENT", "INFO")
    info = _client_lines(rep.value) if isinstance(rep, resp.Reply) and rep.value else []
    ctx.check(len(info) == 1 and info[0][0] == CLIENT_FIELDS and info[0][1].get("id") == str(me)
              and info[0][1].get("cmd") == "client|info",
              "CLIENT INFO: %s" % reply_text(rep))
    ctx.check(rep.raw.endswith(b"\n\r\n"), "CLIENT INFO does not end its line with \\n: %s" % reply_text(rep))
    r3 = ctx.raw()
    r3.command("HELLO", "3")
    rep = r3.command("CLIENT", "INFO")
    ctx.check(isinstance(rep, resp.Reply) and rep.type == "=" and rep.value.startswith(b"txt:id="),
              "CLIENT INFO in RESP3 is not a verbatim string: %s" % reply_text(rep))

    # redis-py's parsers, and what they see of the other commands' names.
    r = ctx.client(db=2, client_name="pyclient")
    r.config_get("maxclients")
    mine = r.client_info()
    ctx.eq("redis-py CLIENT INFO", {k: mine.get(k) for k in ("name", "db", "cmd")},
           {"name": "pyclient", "db": 2, "cmd": "client|info"})
    pid = int(mine.get("id", -1))
    r.ping()
    r.config_get("maxclients")
    rows = [row for row in r.client_list(_type="normal") if int(row["id"]) != pid]
    ctx.check(any(row.get("name") == "cl3" for row in rows), "redis-py CLIENT LIST TYPE normal misses cl3")
    c = ctx.raw()
    cid = c.command("CLIENT", "ID").value
    for args, want_cmd in ((("CONFIG", "GET", "maxclients"), "config|get"), (("COMMAND", "COUNT"), "command|count"),
                           (("NOSUCH",), "NULL"), (("CLIENT", "NOSUCH"), "NULL"), (("GET", "k"), "get"),
                           (("PING",), "ping")):
        c.command(*args)
        got = _client_list_raw(ctl, "ID", str(cid))
        ctx.eq("cmd= after %s" % " ".join(args), got[0][1].get("cmd") if got else None, want_cmd)

    # WATCH of a key another client writes: flag d. NO-EVICT: flag e.
    w = ctx.raw()
    wid = w.command("CLIENT", "ID").value
    w.command("WATCH", "cl:w")
    ctl.command("SET", "cl:w", "x")
    w.command("CLIENT", "NO-EVICT", "ON")
    got = _client_list_raw(ctl, "ID", str(wid))
    ctx.eq("flags after a touched WATCH and NO-EVICT ON", got[0][1].get("flags") if got else None, "de")

    # INFO's clients section has Redis 7.0's fields, in its order.
    rep = ctl.command("INFO", "clients")
    names = [l.split(":", 1)[0] for l in rep.value.decode().splitlines() if ":" in l]
    ctx.eq("INFO clients fields", names,
           ["connected_clients", "cluster_connections", "maxclients", "client_recent_max_input_buffer",
            "client_recent_max_output_buffer", "blocked_clients", "tracking_clients",
            "clients_in_timeout_table"])

    # A client that leaves is no longer listed; the blocked one is released for the next case.
    gone = next(iter(plain))
    plain[gone][0].close()
    ok = ctx.wait_until(lambda: gone not in [int(f["id"]) for _, f in _client_list_raw(ctl)], 3.0, 0.05)
    ctx.check(ok, "client %d still in CLIENT LIST after it closed" % gone)
    ctl.command("RPUSH", "cl:none", "x")
    blk.read_reply(3)
    ctx.wait_blocked(base_b)


@case("10b", "CLIENT KILL: ID of clients on other loops, the address form, a blocked client, itself", timeout=60)
def t_client_kill(ctx):
    ctl = ctx.raw()
    base_c = ctx.info_int("connected_clients")
    victims = [ctx.raw() for _ in range(6)]
    ids = [v.command("CLIENT", "ID").value for v in victims]
    for v, vid in zip(victims[:4], ids[:4]):
        rep = ctl.command("CLIENT", "KILL", "ID", str(vid))
        ctx.check(isinstance(rep, resp.Reply) and rep.raw == b":1\r\n",
                  "CLIENT KILL ID %d: %s" % (vid, reply_text(rep)))
        after = v.read_reply(2.0)
        ctx.check(after is resp.EOF, "the client killed by id %d: %s, want the connection closed"
                  % (vid, reply_text(after)))
    rep = ctl.command("CLIENT", "KILL", "ID", str(ids[0]))
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b":0\r\n", "CLIENT KILL ID of a killed client: %s" % reply_text(rep))
    got = _client_list_raw(ctl, "ID", *map(str, ids[:4]))
    ctx.eq("the killed clients in CLIENT LIST", got, [])
    # The old form: one address.
    addr = _sock_addr(victims[4])
    rep = ctl.command("CLIENT", "KILL", addr)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n", "CLIENT KILL %s: %s" % (addr, reply_text(rep)))
    ctx.check(victims[4].read_reply(2.0) is resp.EOF, "the client killed by address stayed open")
    rep = ctl.command("CLIENT", "KILL", addr)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"-ERR No such client\r\n",
              "CLIENT KILL of that address again: %s" % reply_text(rep))
    # redis-py's filter form, ADDR and LADDR together.
    r = ctx.client()
    laddr = "%s:%d" % (HOST, ctx.port)
    ctx.eq("redis-py client_kill_filter(addr, laddr)", r.client_kill_filter(addr=_sock_addr(victims[5]), laddr=laddr), 1)
    ctx.check(victims[5].read_reply(2.0) is resp.EOF, "the client killed by ADDR/LADDR stayed open")
    # A blocked client: closed, not served afterwards.
    base_b = ctx.info_int("blocked_clients")
    blk = ctx.raw()
    blkid = blk.command("CLIENT", "ID").value
    blk.send_command("BLPOP", "kill:l", "0")
    if ctx.wait_blocked(base_b + 1):
        ctx.eq("CLIENT KILL ID of a blocked client", r.client_kill_filter(_id=blkid), 1)
        ctx.check(blk.read_reply(2.0) is resp.EOF, "the blocked client killed stayed open")
        ctx.wait_blocked(base_b)
        ctx.eq("RPUSH after its waiter was killed", r.rpush("kill:l", "v"), 1)
        time.sleep(0.05)
        ctx.eq("the element stays", r.lrange("kill:l", 0, -1), ["v"])
    # Killing itself: the reply, then the close.
    me = ctx.raw()
    myid = me.command("CLIENT", "ID").value
    rep = me.command("CLIENT", "KILL", "ID", str(myid))
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b":0\r\n", "CLIENT KILL ID of itself (SKIPME yes): %s" % reply_text(rep))
    rep = me.command("CLIENT", "KILL", "ID", str(myid), "SKIPME", "no")
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b":1\r\n", "CLIENT KILL ID of itself SKIPME no: %s" % reply_text(rep))
    ctx.check(me.read_reply(2.0) is resp.EOF, "a client that killed itself stayed open")
    ok = ctx.wait_until(lambda: ctx.info_int("connected_clients") <= base_c + 1, 3.0, 0.05)
    ctx.check(ok, "connected_clients %d after the kills, want at most %d"
              % (ctx.info_int("connected_clients"), base_c + 1))
    ctx.check(ctx.server.ping_ok(2.0), "no PONG after the kills")


@case("10c", "CLIENT UNBLOCK of a BLPOP on another loop: TIMEOUT and ERROR", timeout=60)
def t_client_unblock(ctx):
    ctl = ctx.client()
    base = ctx.info_int("blocked_clients")
    for mode in ("TIMEOUT", "ERROR"):
        for n in range(4):              # several clients, so that some are on other loops
            w = ctx.client()
            wid = w.client_id()
            job = ctx.spawn(w.blpop, ["ub:%s:%d" % (mode, n), "ub:other"], 5)
            if not ctx.wait_blocked(base + 1):
                job.result(6)
                continue
            ctx.eq("INFO clients_in_timeout_table while blocked", ctx.info_int("clients_in_timeout_table"), 1)
            ctx.eq("CLIENT UNBLOCK %d %s" % (wid, mode), ctl.client_unblock(wid, error=(mode == "ERROR")), True)
            done, val, err = job.result(3)
            if mode == "TIMEOUT":
                ctx.check(done and err is None and val is None,
                          "BLPOP unblocked with TIMEOUT: %s" % short(err or (val if done else "no reply in 3 s")))
            else:
                ctx.check(done and isinstance(err, ResponseError) and
                          "UNBLOCKED client unblocked via CLIENT UNBLOCK" in str(err),
                          "BLPOP unblocked with ERROR: %s" % short(err or (val if done else "no reply in 3 s")))
            ctx.check(job.elapsed() < 2.0, "the unblocked BLPOP returned after %.2f s" % job.elapsed())
            ctx.wait_blocked(base)
            ctx.eq("INFO clients_in_timeout_table after", ctx.info_int("clients_in_timeout_table"), 0)
            ctx.eq("CLIENT UNBLOCK of a client no longer blocked", ctl.client_unblock(wid), False)
            ctx.eq("the unblocked client is still usable", w.ping(), True)
            ctx.eq("RPUSH after the unblock (nobody takes it)", ctl.rpush("ub:other", "x"), 1)
            ctl.delete("ub:other")
    # RESP3: the timeout reply is RESP3's null; BLMOVE too.
    c = ctx.raw()
    c.command("HELLO", "3")
    cid = c.command("CLIENT", "ID").value
    for args in (("BLPOP", "ub:r3", "0"), ("BLMOVE", "ub:r3", "ub:r3d", "LEFT", "RIGHT", "0")):
        c.send_command(*args)
        if not ctx.wait_blocked(base + 1):
            continue
        ctx.eq("CLIENT UNBLOCK (RESP3 client in %s)" % args[0], ctl.client_unblock(cid), True)
        rep = c.read_reply(3)
        ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"_\r\n",
                  "%s unblocked, RESP3: %s" % (args[0], reply_text(rep)))
        ctx.wait_blocked(base)
    ctx.eq("CLIENT UNBLOCK of a client that is not blocked", ctl.client_unblock(ctl.client_id()), False)
    ctx.eq("nothing created", ctl.exists("ub:r3", "ub:r3d"), 0)


@case("10d", "CLIENT PAUSE WRITE / ALL and UNPAUSE across loops", timeout=60)
def t_client_pause(ctx):
    ctl = ctx.client()
    writers = [ctx.client() for _ in range(4)]
    reader = ctx.client()
    ctl.set("pz", "0")
    # WRITE for 300 ms: SETs from other clients wait about that long, a GET goes at once.
    ctx.eq("CLIENT PAUSE 300 WRITE", ctl.client_pause(300, all=False), True)
    jobs = [ctx.spawn(w.set, "pz:%d" % i, "1") for i, w in enumerate(writers)]
    t0 = time.monotonic()
    v = reader.get("pz")
    took = time.monotonic() - t0
    ctx.eq("GET during PAUSE WRITE", v, "0")
    ctx.check(took < 0.15, "GET during PAUSE WRITE took %.3f s" % took)
    ctx.eq("EXISTS during PAUSE WRITE (the SETs wait)", reader.exists(*["pz:%d" % i for i in range(4)]), 0)
    for i, jb in enumerate(jobs):
        done, val, err = jb.result(3)
        el = jb.elapsed()
        ctx.check(done and val is True and 0.2 <= el <= 1.0,
                  "SET pz:%d during PAUSE 300 WRITE: %s after %.2f s (want about 0.3 s)"
                  % (i, short(err or val), el))
    ctx.eq("the SETs ran", reader.exists(*["pz:%d" % i for i in range(4)]), 4)
    # UNPAUSE releases the waiting writes at once.
    ctl.client_pause(5000, all=False)
    jobs = [ctx.spawn(w.incr, "pn") for w in writers]
    time.sleep(0.2)
    ctx.check(not any(jb.done.is_set() for jb in jobs), "an INCR ran during PAUSE WRITE")
    ctx.check(ctl.client_unpause() in (True, "OK"), "CLIENT UNPAUSE did not reply OK")
    for jb in jobs:
        done, val, err = jb.result(2)
        ctx.check(done and err is None and jb.elapsed() < 1.5,
                  "INCR after UNPAUSE: %s after %.2f s" % (short(err or val), jb.elapsed()))
    ctx.eq("pn after the released INCRs", reader.get("pn"), "4")
    # ALL: reads wait too; a waiting client is shown blocked.
    watcher = ctx.raw()
    ctx.eq("CLIENT PAUSE 400 (ALL)", ctl.client_pause(400), True)
    t0 = time.monotonic()
    watcher.send_command("GET", "pz")
    rep = watcher.read_reply(3)
    el = time.monotonic() - t0
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"$1\r\n0\r\n" and 0.3 <= el <= 1.2,
              "GET during PAUSE 400 ALL: %s after %.2f s" % (reply_text(rep), el))
    ctl.client_pause(400, all=False)
    held = ctx.raw()
    hid = held.command("CLIENT", "ID").value
    held.send_command("SET", "pz", "held")
    time.sleep(0.1)
    got = _client_list_raw(watcher, "ID", str(hid))
    ctx.eq("a client held by the pause in CLIENT LIST", {k: got[0][1].get(k) for k in ("flags", "cmd")} if got else None,
           {"flags": "b", "cmd": "set"})
    if not ARGS.reference:              # redis-server 7.0.15 crashes on this one
        ctx.eq("CLIENT UNBLOCK does not release a paused client", ctl.client_unblock(hid), False)
    ctl.client_unpause()
    rep = held.read_reply(2)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n", "the held SET after UNPAUSE: %s" % reply_text(rep))
    ctx.eq("GET pz", reader.get("pz"), "held")


@case("10e", "CLIENT REPLY OFF/SKIP over a pipeline spanning loops", timeout=30)
def t_client_reply(ctx):
    c = ctx.raw()
    keys = ["rp:%d" % i for i in range(40)]
    payload = cmd("CLIENT", "REPLY", "OFF")
    for i, k in enumerate(keys):
        payload += cmd("SET", k, str(i)) + cmd("GET", k) + cmd("NOSUCH", k)
    payload += cmd("CLIENT", "REPLY", "ON") + cmd("MGET", *keys[:3])
    c.send_raw(payload)
    rep = c.read_reply(3)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n", "first reply after REPLY OFF ... ON: %s" % reply_text(rep))
    rep = c.read_reply(3)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"*3\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n",
              "MGET after REPLY ON: %s" % reply_text(rep))
    extra = c.read_reply(0.3)
    ctx.check(extra is resp.TIMEOUT, "a reply sent while REPLY OFF: %s" % reply_text(extra))
    payload = b""
    for k in keys:
        payload += cmd("CLIENT", "REPLY", "SKIP") + cmd("INCR", k) + cmd("GET", k)
    c.send_raw(payload)
    got = [c.read_reply(3) for _ in keys]
    want = [b"$%d\r\n%d\r\n" % (len(str(i + 1)), i + 1) for i in range(len(keys))]
    ctx.eq("GETs after SKIP + INCR (only the GETs answer)", [g.raw if isinstance(g, resp.Reply) else g for g in got], want)
    extra = c.read_reply(0.3)
    ctx.check(extra is resp.TIMEOUT, "a skipped reply was sent: %s" % reply_text(extra))
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


# ======================================================================== runner

def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corio-bin", help="path of corio-redis")
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--reference", action="store_true", help="test redis-server instead")
    ap.add_argument("--redis-server", default="/usr/bin/redis-server")
    ap.add_argument("--only", default="", help="comma-separated case ids or prefixes")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="whole run, seconds")
    ARGS = ap.parse_args()
    if ARGS.list:
        for c in CASES:
            print("%-3s %s (limit %ds)" % (c.cid, c.title, c.timeout))
        return 0
    if not ARGS.reference and not ARGS.corio_bin:
        ap.error("--corio-bin PATH is required (or --reference)")
    if ARGS.corio_bin:
        ARGS.corio_bin = os.path.abspath(ARGS.corio_bin)
    wanted = [w.strip() for w in ARGS.only.split(",") if w.strip()]
    cases = [c for c in CASES if not wanted or any(c.cid.startswith(w) for w in wanted)]
    workdir = tempfile.mkdtemp(prefix="redis-clients-")
    results = {"passed": 0, "failed": 0}
    finished = threading.Event()

    def final_line():
        print("redis-clients: %d passed, %d failed" % (results["passed"], results["failed"]), flush=True)

    def on_signal(signum, _frame):
        print("interrupted by signal %d" % signum, flush=True)
        stop_all_servers()
        results["failed"] += 1
        final_line()
        os._exit(1)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def overall_watchdog():
        if not finished.wait(ARGS.timeout):
            print("whole run exceeded --timeout %.0fs; stopping" % ARGS.timeout, flush=True)
            stop_all_servers()
            results["failed"] += 1
            final_line()
            os._exit(1)
    threading.Thread(target=overall_watchdog, daemon=True).start()

    target = "redis-server (reference)" if ARGS.reference else "corio-redis --loops %d" % ARGS.loops
    print("testing %s; logs in %s" % (target, workdir), flush=True)
    server = None
    try:
        for c in cases:
            problem = None
            if server is None or not server.alive():
                try:
                    server = Server("main", [], workdir).start()
                except (RuntimeError, OSError) as e:
                    results["failed"] += 1
                    print("FAIL %s %s\n    - cannot start the server: %s" % (c.cid, c.title, e), flush=True)
                    server = None
                    continue
            try:
                fc = resp.Connection(server.port)
                rep = fc.command("FLUSHALL", timeout=10)
                fc.close()
                if not (isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n"):
                    problem = "FLUSHALL before the case: %s" % reply_text(rep)
            except OSError as e:
                problem = "cannot connect before the case: %s" % e
            ctx = Ctx(server, workdir)
            t0 = time.monotonic()
            if problem:
                ctx.fail(problem)
            else:
                def body():
                    try:
                        c.fn(ctx)
                    except Exception as e:
                        tb = traceback.extract_tb(e.__traceback__)
                        where = next((f"line {f.lineno}" for f in reversed(tb)
                                      if f.filename == os.path.abspath(__file__) or
                                      f.filename.endswith("clients_test.py")), "?")
                        ctx.fail("unexpected %s at %s: %s" % (type(e).__name__, where, short(str(e), 400)))
                th = threading.Thread(target=body, daemon=True)
                th.start()
                th.join(c.timeout)
                if th.is_alive():
                    ctx.fail("case did not finish within its %ds limit" % c.timeout)
            ctx.cleanup()
            restart = False
            if not server.alive():
                ctx.fail("the server process exited (status %s) during the case; log tail:\n%s"
                         % (server.proc.returncode, server.log_tail()))
                restart = True
            elif not server.ping_ok(3.0):
                ctx.fail("after the case the server does not answer PING on a fresh connection")
                restart = True
            elif th_alive(ctx, c):
                restart = True
            dt = time.monotonic() - t0
            if ctx.failures:
                results["failed"] += 1
                print("FAIL %s %s (%.1fs)" % (c.cid, c.title, dt), flush=True)
                for f in ctx.failures:
                    print("    - " + f.replace("\n", "\n      "), flush=True)
            else:
                results["passed"] += 1
                print("PASS %s %s (%.1fs)%s" % (c.cid, c.title, dt,
                                               ("  [" + "; ".join(ctx.notes) + "]") if ctx.notes else ""),
                      flush=True)
            if ctx.failures and ctx.notes:
                print("    note: " + "; ".join(ctx.notes), flush=True)
            if restart:
                server.stop()
                server = None
    finally:
        finished.set()
        stop_all_servers()
        shutil.rmtree(workdir, ignore_errors=True) if results["failed"] == 0 else None
    if results["failed"]:
        print("server logs kept in %s" % workdir)
    final_line()
    return 1 if results["failed"] else 0


def th_alive(ctx, c):
    return any("did not finish within" in f for f in ctx.failures)


if __name__ == "__main__":
    sys.exit(main())
