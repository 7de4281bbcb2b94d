#!/usr/bin/python3
"""Differential test: the same commands go to Debian's redis-server (the reference) and to
corio-redis (the candidate); their replies must match byte for byte, except where a
sequence says otherwise with one of the modifiers below.

Usage:
  run_diff.py --corio-bin PATH [--families strings,keys,...] [--seed N]
              [--random-commands N] [--random-batches N] [--random-protocols 2,3]
  run_diff.py --reference-only ...     two redis-servers, to check the harness itself
  run_diff.py --list                   the families
Useful besides: --sequence FILE (run that file only; repeatable), --trace (print every
step with the reference's reply), --candidate-arg ARG (repeatable; appended to the
candidate's command line, e.g. --candidate-arg=--databases --candidate-arg=4),
--reply-timeout S (default 3), --timeout S (whole run, default 600), --max-mismatches N
(per test case; default 1, since later steps usually fail because of the first).

Servers: the reference is "/usr/bin/redis-server --port P --bind 127.0.0.1 --save ''
--appendonly no ..." (see redis_argv), the candidate "PATH --port Q --bind 127.0.0.1 --save ''",
each on a free loopback port; the run starts once both answer PING. Both are stopped by
PID on every way out (normal end, error, Ctrl-C, SIGTERM, the --timeout); if the runner
itself is killed, a small watchdog process stops them. Only 127.0.0.1 is ever contacted.

Each file tests/redis/sequences/FAMILY.txt is one test case, and so is each random batch
(random_sequences.py, one per seed and protocol). Every test case gets fresh connections.
The last line printed is "redis-diff: N passed, M failed"; the exit status is 1 if any
failed (2 for a usage error).

Sequence format (one step a line; blank lines and lines starting with '#' are skipped):
  SET k "a b\\x00"     a command, split the way redis-cli splits a line: "..." with the
                      escapes \\n \\r \\t \\b \\a \\\\ \\" \\xHH, '...' with \\' only. It is sent
                      as a RESP array of bulk strings and one reply is read and compared.
                      An unquoted argument <<N*TEXT>> stands for TEXT repeated N times.
  @conn NAME          further steps use connection NAME (made on first use; the first
                      one is "default"). A connection the server closed is made anew by
                      the next step that sends on it.
  @close              the client closes the current connection.
  @raw BYTES          sends bytes as they are, with the escapes \\r \\n \\t \\0 \\\\ \\xHH and
                      <<N*TEXT>> (trailing blanks are dropped: write them as \\x20); then
                      reads one reply.
  @read               reads one more reply (pub/sub messages, unblocked commands).
  @silence MS         both servers must send nothing on this connection for MS ms.
  @sleep MS           waits (once, after both servers ran the previous step).
  @scan CMD ARGS...   a whole SCAN/SSCAN/HSCAN/ZSCAN cursor loop (the cursor is the first
                      argument of SCAN, the second of the others, starting from what is
                      written there); the set of elements (field-value pairs for HSCAN and
                      ZSCAN) seen over the loop is compared, or the first non-scan reply.
  @hello V [ARGS]     HELLO V ARGS: the reply type, the set of field names and the values
                      of proto, mode and role are compared, not server/version/id/modules.
  @resp3              the same as "@hello 3".
  @pipeline N         the next N steps (commands or @raw, on this connection) are sent in
                      one write, then their replies are read and compared one by one.
Modifiers go in front of a command, @raw or @read on the same line, or alone on a line to
apply to the next step; they may be stacked:
  @unordered          the elements of an array/set/map/push reply compare as a multiset
  @pairs              like @unordered, for flat field-value replies (HGETALL, HRANDFIELD
                      WITHVALUES): the pairs compare as a multiset
  @ignore             only the reply type is compared
  @len                only the type and the number of elements (or bytes) are compared
  @approx N           integers may differ by N (TTL, PTTL, EXPIRETIME...), anywhere
                      inside the reply
  @vary F1,F2         the values of the fields named F1, F2... compare by type only,
                      anywhere inside the reply (a map's key, or a bulk string in a flat
                      field-value array): ACL LOG's age-seconds and client-info
  @replies N          the step reads N replies instead of one
  @noreply            the step reads nothing (e.g. a blocking command, or the first half
                      of a split request)
  @close-expected     after its replies the server must close the connection
A reply that never comes, or an unread reply left on a connection at the end of a test
case, fails the case even in the reference: it means the sequence is wrong.

Documented exceptions (what is not compared byte for byte): the fields of HELLO named
above; replies marked with a modifier; the order of replies where Redis leaves it
unspecified (sequences avoid UNSUBSCRIBE with no channel when several are subscribed).
"""

import argparse
import ctypes
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # keep the source tree clean

import resp  # noqa: E402
import random_sequences  # noqa: E402

SEQ_DIR = os.path.join(HERE, "sequences")
REDIS_BIN = "/usr/bin/redis-server"

# The argument a modifier takes: 0 none, 1 a number, 2 a comma-separated list of names.
MODIFIERS = {"unordered": 0, "pairs": 0, "ignore": 0, "len": 0, "approx": 1,
             "replies": 1, "noreply": 0, "close-expected": 0, "vary": 2}
DIRECTIVES = {"conn", "close", "raw", "read", "silence", "sleep", "scan", "hello",
              "resp3", "pipeline"}
REPLY_MODS = {"unordered", "pairs", "ignore", "len", "approx", "replies", "noreply",
              "close-expected", "vary"}
MAX_SLEEP_MS = 10000


class SequenceError(Exception):
    pass


class RunTimeout(BaseException):
    pass


class Terminated(BaseException):
    pass


# ---------------------------------------------------------------- sequence parsing

_REPEAT_RE = re.compile(r"<<(\d+)\*(.*?)>>")
_ESC = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}


def split_args(line):
    """Splits a line like redis-cli (sdssplitargs): returns a list of bytes."""
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        cur = []
        quoted = False
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    raise SequenceError("unbalanced quotes")
                c = line[i]
                if (c == "\\" and i + 3 < n and line[i + 1] == "x"
                        and re.match(r"[0-9a-fA-F]{2}", line[i + 2:i + 4])):
                    cur.append(bytes([int(line[i + 2:i + 4], 16)]))
                    i += 4
                    continue
                if c == "\\" and i + 1 < n:
                    cur.append(_ESC.get(line[i + 1], line[i + 1]).encode())
                    i += 2
                    continue
                if c == '"':
                    if i + 1 < n and not line[i + 1].isspace():
                        raise SequenceError("closing quote must be followed by a space")
                    i += 1
                    break
                cur.append(c.encode())
                i += 1
            elif insq:
                if i >= n:
                    raise SequenceError("unbalanced quotes")
                c = line[i]
                if c == "\\" and i + 1 < n and line[i + 1] == "'":
                    cur.append(b"'")
                    i += 2
                    continue
                if c == "'":
                    if i + 1 < n and not line[i + 1].isspace():
                        raise SequenceError("closing quote must be followed by a space")
                    i += 1
                    break
                cur.append(c.encode())
                i += 1
            else:
                if i >= n or line[i].isspace():
                    break
                c = line[i]
                if c == '"':
                    inq = quoted = True
                elif c == "'":
                    insq = quoted = True
                else:
                    cur.append(c.encode())
                i += 1
        arg = b"".join(cur)
        if not quoted:
            m = re.fullmatch(rb"<<(\d+)\*(.*)>>", arg)
            if m:
                arg = m.group(2) * int(m.group(1))
        args.append(arg)


def unescape_raw(text):
    text = _REPEAT_RE.sub(lambda m: m.group(2) * int(m.group(1)), text)
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            d = text[i + 1]
            if d == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
            m = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}.get(d)
            if m is None:
                raise SequenceError("unknown escape \\%s in @raw" % d)
            out += m
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


class Step:
    def __init__(self, kind, source, lineno, text, mods, **kw):
        self.kind = kind            # cmd raw read silence sleep conn close scan hello pipeline
        self.source = source
        self.lineno = lineno
        self.text = text
        self.mods = mods
        self.args = kw.get("args")          # list of bytes (cmd, scan, hello)
        self.data = kw.get("data")          # bytes (raw)
        self.value = kw.get("value")        # int (sleep, silence, pipeline) / str (conn)
        self.children = []                  # pipeline

    def where(self):
        return "%s:%d" % (self.source, self.lineno)

    def payload(self):
        if self.kind == "cmd":
            return resp.encode_command(self.args)
        return self.data


def parse_sequence(text, source):
    steps = []
    pending = {}
    pipe = None
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        mods = dict(pending)
        pending = {}
        rest = s
        try:
            while rest.startswith("@"):
                m = re.match(r"@([\w-]+)\s*(.*)\Z", rest, re.S)
                if not m:
                    raise SequenceError("bad directive")
                name = m.group(1).lower()
                if name not in MODIFIERS:
                    break
                rest = m.group(2)
                if MODIFIERS[name] == 2:
                    m2 = re.match(r"([\w-]+(?:,[\w-]+)*)\s*(.*)\Z", rest, re.S)
                    if not m2:
                        raise SequenceError("@%s needs field names" % name)
                    mods[name] = frozenset(f.encode() for f in m2.group(1).split(","))
                    rest = m2.group(2)
                elif MODIFIERS[name]:
                    m2 = re.match(r"(-?\d+)\s*(.*)\Z", rest, re.S)
                    if not m2:
                        raise SequenceError("@%s needs a number" % name)
                    mods[name] = int(m2.group(1))
                    rest = m2.group(2)
                else:
                    mods[name] = True
            if not rest:
                pending = mods
                continue
            step = _parse_step(rest, source, lineno, s, mods)
        except SequenceError as e:
            raise SequenceError("%s:%d: %s: %s" % (source, lineno, e, s)) from None
        if pipe is not None:
            if step.kind not in ("cmd", "raw"):
                raise SequenceError("%s:%d: only commands and @raw may be pipelined" %
                                    (source, lineno))
            pipe.children.append(step)
            if len(pipe.children) == pipe.value:
                pipe = None
            continue
        if step.kind == "pipeline":
            pipe = step
        steps.append(step)
    if pending:
        raise SequenceError("%s: modifiers at the end apply to no step" % source)
    if pipe is not None:
        raise SequenceError("%s:%d: @pipeline %d has only %d steps" %
                            (source, pipe.lineno, pipe.value, len(pipe.children)))
    return steps


def _parse_step(rest, source, lineno, text, mods):
    if not rest.startswith("@"):
        args = split_args(rest)
        return Step("cmd", source, lineno, text, mods, args=args)
    m = re.match(r"@([\w-]+)(?:\s(.*))?\Z", rest, re.S)
    if not m or m.group(1).lower() not in DIRECTIVES:
        raise SequenceError("unknown directive")
    name = m.group(1).lower()
    arg = (m.group(2) or "").strip()
    allowed = {"raw": REPLY_MODS, "read": REPLY_MODS - {"noreply"},
               "hello": {"close-expected"}}.get(name, set())
    bad = set(mods) - allowed
    if bad:
        raise SequenceError("@%s takes no modifier %s" % (name, ", ".join(sorted(bad))))

    def number():
        if not re.fullmatch(r"\d+", arg):
            raise SequenceError("@%s needs a number" % name)
        return int(arg)

    if name == "raw":
        data = unescape_raw((m.group(2) or "").rstrip())
        if not data:
            raise SequenceError("@raw needs bytes")
        return Step("raw", source, lineno, text, mods, data=data)
    if name == "conn":
        if not re.fullmatch(r"[\w.-]+", arg):
            raise SequenceError("@conn needs a name")
        return Step("conn", source, lineno, text, mods, value=arg)
    if name in ("sleep", "silence"):
        v = number()
        if v > MAX_SLEEP_MS:
            raise SequenceError("at most %d ms" % MAX_SLEEP_MS)
        return Step(name, source, lineno, text, mods, value=v)
    if name == "pipeline":
        v = number()
        if v < 1:
            raise SequenceError("@pipeline needs at least one step")
        return Step("pipeline", source, lineno, text, mods, value=v)
    if name in ("close", "read"):
        if arg:
            raise SequenceError("@%s takes no argument" % name)
        return Step(name, source, lineno, text, mods)
    if name == "scan":
        args = split_args(arg)
        cmd = args[0].upper() if args else b""
        if cmd not in (b"SCAN", b"SSCAN", b"HSCAN", b"ZSCAN") or \
                len(args) < (2 if cmd == b"SCAN" else 3):
            raise SequenceError("@scan needs SCAN cursor... or xSCAN key cursor...")
        return Step("scan", source, lineno, text, mods, args=args)
    if name == "hello":
        return Step("hello", source, lineno, text, mods, args=[b"HELLO"] + split_args(arg))
    if name == "resp3":
        return Step("hello", source, lineno, text, mods, args=[b"HELLO", b"3"])
    raise SequenceError("unknown directive")


# ---------------------------------------------------------------- servers

def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # Where the program keeps it (redis-server does not), the server gets SIGKILL if this
    # runner dies without stopping it (Linux PR_SET_PDEATHSIG). The watchdog below covers
    # the rest.
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))
    except Exception:
        pass


def _start_time(pid):
    """The process's start time (field 22 of /proc/PID/stat), to tell it from a later
    process that got the same PID."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return "?"


# A small separate process that stops the servers if this runner dies without doing it
# itself (SIGKILL, a crash): it reads "pid PID STARTTIME" lines from a pipe; "done" means
# the runner stopped everything; end of file without "done" means the runner is gone, and
# it stops each registered PID that still is the same process (same start time).
WATCHDOG = r"""
import os, signal, sys, time
def start_time(pid):
    try:
        data = open("/proc/%d/stat" % pid, "rb").read()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None
pids = {}
for line in sys.stdin:
    w = line.split()
    if w == ["done"]:
        sys.exit(0)
    if len(w) == 3 and w[0] == "pid":
        pids[int(w[1])] = w[2]
for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0)):
    live = [p for p, t in pids.items() if start_time(p) == t]
    for p in live:
        try:
            os.kill(p, sig)
        except OSError:
            pass
    end = time.monotonic() + wait
    while live and time.monotonic() < end:
        time.sleep(0.1)
        live = [p for p in live if start_time(p) == pids[p]]
"""


class Watchdog:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", WATCHDOG], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)

    def register(self, pid):
        try:
            self.proc.stdin.write(b"pid %d %s\n" % (pid, _start_time(pid).encode()))
            self.proc.stdin.flush()
        except OSError:
            pass

    def finish(self):
        try:
            self.proc.stdin.write(b"done\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class Server:
    def __init__(self, label, argv_for_port, workdir, watchdog=None):
        self.label = label
        self.watchdog = watchdog
        self.argv_for_port = argv_for_port
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, re.sub(r"\W", "_", label) + ".log")

    def start(self, ready_timeout=10.0):
        last = ""
        for _ in range(3):           # another process may take the port in between
            self.port = _free_port()
            argv = self.argv_for_port(self.port)
            self.argv = argv
            log = open(self.log_path, "ab")
            log.write(("== %s\n" % " ".join(shlex.quote(a) for a in argv)).encode())
            log.flush()
            try:
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=self.workdir,
                                             start_new_session=True,
                                             preexec_fn=_die_with_parent)
            except OSError as e:
                raise RuntimeError("cannot start %s: %s" % (self.label, e)) from None
            finally:
                log.close()
            if self.watchdog:
                self.watchdog.register(self.proc.pid)
            ok, last = self._wait_ready(ready_timeout)
            if ok:
                return
            self.stop()
        raise RuntimeError("%s did not answer PING: %s\n%s" % (self.label, last, self.log_tail()))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, "exited with status %s" % self.proc.returncode
            try:
                c = resp.Connection(self.port, connect_timeout=0.5)
                try:
                    r = c.command("PING", timeout=1.0)
                finally:
                    c.close()
                if isinstance(r, resp.Reply) and r.raw == b"+PONG\r\n":
                    return True, ""
                last = "PING got %r" % (r,)
            except OSError as e:
                last = str(e)
            time.sleep(0.05)
        return False, "timed out (%s)" % last

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                p.terminate()                    # by PID
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
            except ProcessLookupError:
                pass

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join("    | " + l for l in data[-lines:])
        except OSError:
            return ""


def redis_argv(extra):
    def argv(port):
        return [REDIS_BIN, "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--databases", "16", "--io-threads", "1", "--loglevel", "warning",
                "--logfile", "", "--always-show-logo", "no", "--set-proc-title", "no",
                "--protected-mode", "yes", "--latency-tracking", "no"] + list(extra)
    return argv


def corio_argv(binary, extra):
    def argv(port):
        # No save schedule, as the reference: nothing is written to the directory.
        return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""] + list(extra)
    return argv


# ---------------------------------------------------------------- execution

class Bad:
    """A reply that could not be parsed as RESP."""

    def __init__(self, err):
        self.err = str(err)
        self.raw = err.raw

    def __repr__(self):
        return "unparseable reply (%s): %s" % (self.err, resp.escape(self.raw, 300))


class ScanResult:
    def __init__(self, elements=None, reply=None, note=""):
        self.elements = elements      # frozenset of raw elements (or raw pair tuples)
        self.reply = reply            # the reply that ended the loop when not a scan reply
        self.note = note

    def key(self):
        if self.elements is not None:
            return ("set", self.elements)
        return ("reply", _raw_of(self.reply), self.note)

    def __repr__(self):
        if self.elements is not None:
            items = sorted(self.elements)
            shown = ", ".join(_show_scan_item(i) for i in items[:40])
            more = " ...(%d in all)" % len(items) if len(items) > 40 else ""
            return "{%s}%s" % (shown, more)
        return "%s %s" % (self.note, _show(self.reply))


def _show_scan_item(i):
    if isinstance(i, tuple):
        return "(" + " ".join(resp.escape(x) for x in i) + ")"
    return resp.escape(i)


def _raw_of(r):
    if isinstance(r, (resp.Reply, Bad)):
        return r.raw
    return repr(r)


def _show(r, limit=2000):
    if isinstance(r, resp.Reply):
        return resp.escape(r.raw, limit)
    if r is resp.EOF:
        return "<connection closed>"
    if r is resp.TIMEOUT:
        return "<no reply in time>"
    return repr(r)


NO_CONN = "<no such connection>"


class Side:
    """One server with the named connections of the running test case."""

    def __init__(self, server, reply_timeout):
        self.server = server
        self.reply_timeout = reply_timeout
        self.conns = {}
        self.current = "default"

    def conn(self, for_send=True):
        c = self.conns.get(self.current)
        if c is None or (for_send and c.eof):
            if c is not None:
                c.close()
            c = resp.Connection(self.server.port, connect_timeout=self.reply_timeout)
            self.conns[self.current] = c
        return c

    def read(self, c, timeout=None):
        try:
            return c.read_reply(self.reply_timeout if timeout is None else timeout)
        except resp.ProtocolError as e:
            c.close()
            return Bad(e)

    def close_all(self):
        for c in self.conns.values():
            c.close()
        self.conns = {}
        self.current = "default"

    def leftovers(self):
        """Connections with bytes nobody read: {name: raw}."""
        out = {}
        for name, c in self.conns.items():
            if c.eof:
                continue
            try:
                c.sock.setblocking(False)
                while True:
                    chunk = c.sock.recv(1 << 16)
                    if not chunk:
                        break
                    c.buf += chunk
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass
            if c.buf:
                out[name] = bytes(c.buf)
        return out


def _read_replies(side, c, step):
    n = step.mods.get("replies", 1)
    res = []
    if step.mods.get("noreply"):
        return res
    for _ in range(n):
        r = side.read(c)
        res.append(r)
        if not isinstance(r, resp.Reply):
            break
    if step.mods.get("close-expected") and (not res or isinstance(res[-1], resp.Reply)):
        r = side.read(c)
        res.append(r if not isinstance(r, resp.Reply) else ("extra reply", r))
    return res


def execute(side, step):
    """Runs a step on one side; returns a list of results to compare, or None."""
    k = step.kind
    if k == "conn":
        side.current = step.value
        return None
    if k == "close":
        c = side.conns.pop(side.current, None)
        if c is not None:
            c.close()
        return None
    if k in ("cmd", "raw"):
        c = side.conn()
        c.send_raw(step.payload())
        return _read_replies(side, c, step)
    if k == "pipeline":
        c = side.conn()
        c.send_raw(b"".join(ch.payload() for ch in step.children))
        return [_read_replies(side, c, ch) for ch in step.children]
    if k == "read":
        c = side.conns.get(side.current)
        if c is None:
            return [NO_CONN]
        return _read_replies(side, c, step)
    if k == "silence":
        c = side.conns.get(side.current)
        if c is None:
            return [NO_CONN]
        return [side.read(c, step.value / 1000.0)]
    if k == "hello":
        c = side.conn()
        c.send_command(*step.args)
        return _read_replies(side, c, step)
    if k == "scan":
        return [_scan(side, step)]
    raise AssertionError(k)


def _scan(side, step):
    args = list(step.args)
    cmd = args[0].upper()
    idx = 1 if cmd == b"SCAN" else 2
    pairs = cmd in (b"HSCAN", b"ZSCAN")
    seen = set()
    c = side.conn()
    for _ in range(10000):
        c.send_command(*args)
        r = side.read(c)
        if not isinstance(r, resp.Reply):
            return ScanResult(reply=r, note="loop broken by")
        v = r.value
        if r.type != "*" or not v or len(v) != 2 or v[0].type != "$" or \
                v[1].type not in "*~" or v[1].value is None:
            return ScanResult(reply=r, note="non-scan reply")
        elems = [e.raw for e in v[1].value]
        if pairs:
            if len(elems) % 2:
                return ScanResult(reply=r, note="odd number of elements in")
            elems = [(elems[i], elems[i + 1]) for i in range(0, len(elems), 2)]
        seen.update(elems)
        args[idx] = v[0].value
        if v[0].value == b"0":
            return ScanResult(elements=frozenset(seen))
    return ScanResult(reply=r, note="cursor loop did not end")


# ---------------------------------------------------------------- comparison

def _pairs_of(reply):
    if reply.type == "%":
        return [(k.raw, v.raw) for k, v in reply.value]
    els = reply.elements()
    if els and all(e.type in "*~" and e.value is not None and len(e.value) == 2 for e in els):
        return [(e.value[0].raw, e.value[1].raw) for e in els]
    if len(els) % 2:
        return None
    return [(els[i].raw, els[i + 1].raw) for i in range(0, len(els), 2)]


def _approx_equal(a, b, tol):
    if a.type != b.type:
        return False
    if a.type == ":":
        return abs(a.value - b.value) <= tol
    if a.type in "*~>" and a.value is not None and b.value is not None:
        return len(a.value) == len(b.value) and all(
            _approx_equal(x, y, tol) for x, y in zip(a.value, b.value))
    if a.type == "%":
        return len(a.value) == len(b.value) and all(
            _approx_equal(k1, k2, tol) and _approx_equal(v1, v2, tol)
            for (k1, v1), (k2, v2) in zip(a.value, b.value))
    return a.raw == b.raw


def _vary_equal(a, b, names):
    """Equal, but for the values of the fields in `names` (compared by type only)."""
    if a.type != b.type:
        return False
    if a.type == "%":
        if len(a.value) != len(b.value):
            return False
        for (k1, v1), (k2, v2) in zip(a.value, b.value):
            if k1.raw != k2.raw:
                return False
            if not (v1.type == v2.type if k1.value in names else _vary_equal(v1, v2, names)):
                return False
        return True
    if a.type in "*~>" and a.value is not None and b.value is not None:
        if len(a.value) != len(b.value):
            return False
        field = False  # the element before was the name of a field that varies
        for x, y in zip(a.value, b.value):
            if not (x.type == y.type if field else _vary_equal(x, y, names)):
                return False
            field = not field and x.type == "$" and x.value in names
        return True
    return a.raw == b.raw


def _header(r):
    return r.raw[:r.raw.index(b"\r\n") + 2] if b"\r\n" in r.raw else r.raw


def reply_equal(a, b, mods):
    if not isinstance(a, resp.Reply) or not isinstance(b, resp.Reply):
        if isinstance(a, tuple) and isinstance(b, tuple):
            return reply_equal(a[1], b[1], {}) and a[0] == b[0]
        if isinstance(a, Bad) or isinstance(b, Bad):
            return False
        return a is b or (isinstance(a, str) and a == b)
    if mods.get("ignore"):
        return a.type == b.type
    if mods.get("len"):
        if a.type != b.type:
            return False
        if a.is_aggregate():
            return (a.value is None) == (b.value is None) and \
                len(a.elements()) == len(b.elements())
        if isinstance(a.value, bytes) and isinstance(b.value, bytes):
            return len(a.value) == len(b.value)
        return a.raw == b.raw
    if "approx" in mods:
        return _approx_equal(a, b, mods["approx"])
    if "vary" in mods:
        return _vary_equal(a, b, mods["vary"])
    if (mods.get("unordered") or mods.get("pairs")) and a.is_aggregate() and \
            a.type == b.type and a.value is not None and b.value is not None:
        if mods.get("pairs") or a.type == "%":
            pa, pb = _pairs_of(a), _pairs_of(b)
            if pa is None or pb is None:
                return a.raw == b.raw
            return _header(a) == _header(b) and sorted(pa) == sorted(pb)
        return _header(a) == _header(b) and \
            sorted(e.raw for e in a.value) == sorted(e.raw for e in b.value)
    return a.raw == b.raw


def hello_equal(a, b):
    if not isinstance(a, resp.Reply) or not isinstance(b, resp.Reply):
        return reply_equal(a, b, {})
    if a.type != b.type:
        return False
    if a.type not in "*%":
        return a.raw == b.raw
    pa, pb = _pairs_of(a), _pairs_of(b)
    if pa is None or pb is None:
        return False
    da, db = dict(pa), dict(pb)
    if set(da) != set(db):
        return False
    return all(da.get(f) == db.get(f) for f in
               (b"$5\r\nproto\r\n", b"$4\r\nmode\r\n", b"$4\r\nrole\r\n"))


def _result_problem(ref, cand, step, sub=None):
    """None when the two results of one step agree, else a message."""
    s = sub or step
    if s.kind == "scan":
        if ref[0].key() == cand[0].key():
            return None
        if ref[0].elements is None and ref[0].note == "loop broken by":
            return "the reference did not finish the scan loop: the sequence is wrong"
        return "scan results differ"
    if len(ref) != len(cand):
        return "different number of replies"
    for i, (x, y) in enumerate(zip(ref, cand)):
        if x is resp.TIMEOUT and s.kind != "silence":
            return "the reference (redis-server) sent no reply in time: the sequence is wrong"
        if isinstance(x, Bad):
            return "the reference's reply could not be parsed: the harness is wrong"
        if isinstance(x, tuple):
            return "the reference did not close the connection: the sequence is wrong"
        if x == NO_CONN:
            return "no such connection here: the sequence is wrong"
        if s.kind == "hello" and i == 0:
            ok = hello_equal(x, y)
        else:
            ok = reply_equal(x, y, s.mods)
        if not ok:
            return "reply %d differs" % (i + 1) if len(ref) > 1 else "replies differ"
    return None


def _format_results(res, limit=2000):
    if not res:
        return "(nothing read)"
    if len(res) == 1:
        return _show(res[0], limit)
    return "\n".join("    [%d] %s" % (i + 1, _show(r, limit) if not isinstance(r, tuple)
                                       else "%s %s" % (r[0], _show(r[1], limit)))
                     for i, r in enumerate(res)).lstrip()


def compare(step, ref, cand):
    """Returns a list of (substep, message, ref results, candidate results)."""
    if step.kind == "pipeline":
        out = []
        for ch, r, c in zip(step.children, ref, cand):
            p = _result_problem(r, c, step, ch)
            if p:
                out.append((ch, p, r, c))
        return out
    p = _result_problem(ref, cand, step)
    return [(step, p, ref, cand)] if p else []


# ---------------------------------------------------------------- test cases

class Runner:
    def __init__(self, ref, cand, args):
        self.ref = ref
        self.cand = cand
        self.args = args
        self.ref_label = ref.label
        self.cand_label = cand.label

    def run_case(self, name, steps, repro=None):
        a = Side(self.ref, self.args.reply_timeout)
        b = Side(self.cand, self.args.reply_timeout)
        mismatches = 0
        history = []
        try:
            for step in steps:
                if step.kind == "sleep":
                    time.sleep(step.value / 1000.0)
                    continue
                try:
                    ra = execute(a, step)
                except OSError as e:
                    return self._fail(name, step, "the reference refused: %s" % e, history,
                                      repro)
                try:
                    rb = execute(b, step)
                except OSError as e:
                    rb = ["<%s: %s>" % (type(e).__name__, e)]
                if self.args.trace and ra is not None:
                    print("  %s %s\n      -> %s" % (step.where(), step.text,
                                                    _format_trace(step, ra)))
                history.append(step)
                if ra is None:
                    continue
                problems = compare(step, ra, rb)
                for sub, msg, r1, r2 in problems:
                    mismatches += 1
                    self._report(name, sub, msg, r1, r2, a.current, history, repro)
                    if mismatches >= self.args.max_mismatches:
                        print("FAIL %s" % name)
                        return False
            # Nothing may be left unread at the end.
            time.sleep(0.05)
            la, lb = a.leftovers(), b.leftovers()
            if la:
                print("FAIL %s: unread replies left by the reference (the sequence is wrong):"
                      % name)
                for k, v in la.items():
                    print("  [conn %s] %s" % (k, resp.escape(v, 500)))
                return False
            if lb:
                print("FAIL %s: %s sent replies the reference did not:" % (name, self.cand_label))
                for k, v in lb.items():
                    print("  [conn %s] %s" % (k, resp.escape(v, 500)))
                return False
        finally:
            a.close_all()
            b.close_all()
            time.sleep(0.02)        # let the servers drop the connections (pub/sub state)
        if mismatches:
            print("FAIL %s" % name)
            return False
        print("PASS %s (%d steps)" % (name, len(steps)))
        return True

    def _fail(self, name, step, msg, history, repro):
        print("FAIL %s\n  %s %s: %s" % (name, step.where(), step.text, msg))
        if repro:
            print("  reproduce: %s" % repro)
        return False

    def _report(self, name, step, msg, r1, r2, conn, history, repro):
        where = step.where() if step.source == name else "%s, %s" % (name, step.where())
        print("MISMATCH at %s [conn %s]: %s" % (where, conn, msg))
        for h in history[-6:-1]:
            print("    before: %s:%d %s" % (h.source, h.lineno, h.text))
        print("  step: %s" % step.text)
        if step.mods:
            print("  modifiers: %s" % ", ".join(
                k if v is True else "%s %s" % (k, v) for k, v in sorted(step.mods.items())))
        if step.kind in ("cmd", "raw"):
            print("  sent: %s" % resp.escape(step.payload(), 500))
        print("  %s: %s" % (self.ref_label, _format_results(r1)))
        print("  %s: %s" % (self.cand_label, _format_results(r2)))
        if not self.cand.alive():
            print("  %s is not running any more (status %s):\n%s" % (
                self.cand_label, self.cand.proc.returncode, self.cand.log_tail()))
        if repro:
            print("  reproduce: %s" % repro)


def _format_trace(step, res):
    if step.kind == "pipeline":
        return " | ".join(_format_results(r, 300) for r in res)
    return _format_results(res, 300)


def sequence_families():
    return sorted(f[:-4] for f in os.listdir(SEQ_DIR) if f.endswith(".txt"))


SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                   b"WARNING: ThreadSanitizer")


def sanitizer_report(log_path, context=30):
    """The first sanitizer report in a server's log (some lines of it), or ""."""
    try:
        with open(log_path, "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    for i, line in enumerate(lines):
        if any(m in line for m in SANITIZER_MARKS):
            return b"\n".join(lines[i:i + context]).decode("utf-8", "replace")
    return ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corio-bin", help="the corio-redis binary")
    ap.add_argument("--reference-only", action="store_true",
                    help="compare redis-server with a second redis-server")
    ap.add_argument("--families", help="comma-separated families (default: all)")
    ap.add_argument("--sequence", action="append", default=[],
                    help="run this sequence file (instead of the families' files)")
    ap.add_argument("--seed", type=int, default=1, help="first random seed (default 1)")
    ap.add_argument("--random-commands", type=int, default=2000,
                    help="commands per random batch (default 2000; 0: none)")
    ap.add_argument("--random-batches", type=int, default=2,
                    help="random seeds, from --seed on (default 2)")
    ap.add_argument("--random-protocols", default="2,3",
                    help="protocols each random seed runs on (default 2,3)")
    ap.add_argument("--candidate-arg", action="append", default=[],
                    help="extra argument for the candidate server (repeatable)")
    ap.add_argument("--reply-timeout", type=float, default=3.0)
    ap.add_argument("--timeout", type=float, default=600.0, help="whole run, seconds")
    ap.add_argument("--max-mismatches", type=int, default=1)
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the families")

    def usage_error(message):
        ap.print_usage(sys.stderr)
        print("run_diff.py: error: %s" % message, file=sys.stderr)
        print("redis-diff: 0 passed, 1 failed")
        sys.exit(2)

    ap.error = usage_error
    args = ap.parse_args(argv)

    seq_fams = sequence_families()
    rnd_fams = list(random_sequences.FAMILIES)
    if args.list:
        print("sequence files: %s" % ", ".join(seq_fams))
        print("random families: %s" % ", ".join(rnd_fams))
        return 0
    if not args.reference_only and not args.corio_bin:
        ap.error("--corio-bin PATH or --reference-only is required")
    if args.corio_bin and not os.access(args.corio_bin, os.X_OK):
        ap.error("not an executable: %s" % args.corio_bin)
    if not os.access(REDIS_BIN, os.X_OK):
        ap.error("%s is missing: bash scripts/install-deps.sh installs it" % REDIS_BIN)
    known = set(seq_fams) | set(rnd_fams)
    fams = known if not args.families else {f.strip() for f in args.families.split(",") if f.strip()}
    unknown = fams - known
    if unknown:
        ap.error("unknown families %s (known: %s)" % (", ".join(sorted(unknown)),
                                                       ", ".join(sorted(known))))
    try:
        protocols = [int(p) for p in args.random_protocols.split(",") if p.strip()]
        assert all(p in (2, 3) for p in protocols)
    except (ValueError, AssertionError):
        ap.error("--random-protocols takes 2, 3 or 2,3")

    # The test cases, parsed before any server starts.
    cases = []
    try:
        files = args.sequence or [os.path.join(SEQ_DIR, f + ".txt") for f in seq_fams
                                  if f in fams]
        for path in files:
            with open(path, encoding="utf-8") as f:
                rel = os.path.relpath(path, os.path.dirname(os.path.dirname(HERE)))
                if rel.startswith(".."):
                    rel = os.path.abspath(path)
                cases.append((rel, parse_sequence(f.read(), rel), None))
        rf = [f for f in rnd_fams if f in fams]
        if not args.sequence and rf and args.random_commands > 0:
            for seed in range(args.seed, args.seed + args.random_batches):
                for proto in protocols:
                    text = random_sequences.generate(seed, args.random_commands, rf,
                                                     resp3=(proto == 3))
                    name = "random seed=%d resp%d" % (seed, proto)
                    src = "random(seed=%d,resp%d)" % (seed, proto)
                    repro = ("python3 tests/redis/random_sequences.py --seed %d --commands %d "
                             "--families %s%s > /tmp/r.txt; python3 tests/redis/run_diff.py "
                             "... --sequence /tmp/r.txt" % (
                                 seed, args.random_commands, ",".join(rf),
                                 " --resp3" if proto == 3 else ""))
                    cases.append((name, parse_sequence(text, src), repro))
    except (SequenceError, OSError) as e:
        print("run_diff: %s" % e)
        print("redis-diff: 0 passed, 1 failed")
        return 1

    passed = failed = 0
    servers = []
    workdir = tempfile.mkdtemp(prefix="redis-diff-")

    def on_alarm(signum, frame):
        raise RunTimeout()

    def on_term(signum, frame):
        raise Terminated()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even where it was ignored
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    status = 0
    watchdog = None
    try:
        watchdog = Watchdog()
        ref = Server("redis-server", redis_argv([]), workdir, watchdog)
        servers.append(ref)
        if args.reference_only:
            cand = Server("redis-server#2", redis_argv(args.candidate_arg), workdir, watchdog)
        else:
            cand = Server("corio-redis", corio_argv(os.path.abspath(args.corio_bin),
                                                    args.candidate_arg),
                          workdir, watchdog)
        servers.append(cand)
        ref.start()
        cand.start()
        for role, srv in (("reference", ref), ("candidate", cand)):
            print("%s: %s (port %d, pid %d)" % (
                role, " ".join(shlex.quote(a) for a in srv.argv), srv.port, srv.proc.pid))
        sys.stdout.flush()
        runner = Runner(ref, cand, args)
        for name, steps, repro in cases:
            if not cand.alive():
                print("FAIL %s: %s is not running (status %s)" % (
                    name, cand.label, cand.proc.returncode))
                failed += 1
                continue
            if not ref.alive():
                raise RuntimeError("redis-server exited:\n" + ref.log_tail())
            try:
                ok = runner.run_case(name, steps, repro)
            except (OSError, RuntimeError) as e:
                print("FAIL %s: %s" % (name, e))
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
    except RunTimeout:
        print("run_diff: the whole run took longer than %gs; stopped" % args.timeout)
        failed += 1
    except (KeyboardInterrupt, Terminated):
        print("run_diff: interrupted")
        failed += 1
        status = 130
    except RuntimeError as e:
        print("run_diff: %s" % e)
        failed += 1
    except Exception:
        print("run_diff: internal error:\n%s" % traceback.format_exc())
        failed += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not skip this
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in servers:
            s.stop()
        if watchdog:
            watchdog.finish()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # A sanitizer build reports memory errors and leaks on its way out (after SIGTERM): they
    # fail the run like a mismatch would.
    for s in servers:
        report = sanitizer_report(s.log_path)
        if report:
            print("FAIL %s: sanitizer report in its log:\n%s" % (s.label, report))
            failed += 1
    if failed:
        print("server logs are in %s" % workdir)
    else:
        for s in servers:
            try:
                os.remove(s.log_path)
            except OSError:
                pass
        try:
            os.rmdir(workdir)
        except OSError:
            pass
    print("redis-diff: %d passed, %d failed" % (passed, failed))
    return status or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
