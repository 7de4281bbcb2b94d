"""Real-client cases: client limits (case 12): maxclients and its fit to RLIMIT_NOFILE,
client-output-buffer-limit for subscribers (hard, soft) and normal clients, timeout,
client-query-buffer-limit and tcp-keepalive. Each case starts its own server with the
limits it tests, so the main server keeps its defaults."""

import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients_support as support  # noqa: E402
import resp  # noqa: E402
from clients_support import *  # noqa: E402,F401,F403

import redis  # noqa: E402


def _raw(rep):
    return rep.raw if isinstance(rep, resp.Reply) else rep


def _log_has(server, text):
    try:
        with open(server.log_path, "rb") as f:
            return text in f.read().decode("utf-8", "replace")
    except OSError:
        return False


def _stat(ctx, server, field):
    """An INFO stats field of `server` (None if it has no such field: Redis 7.0 lacks the
    *_limit_disconnections counters, which 7.2 added)."""
    c = resp.Connection(server.port)
    try:
        v = ctx.info("stats", conn=c).get(field)
    finally:
        c.close()
    return None if v is None else int(v)


def _closed(sock, timeout):
    """Reads (and drops) whatever `sock` gets until the server closes it; the bytes read, or
    None if it is still open after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    got = 0
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, min(0.5, deadline - time.monotonic())))
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            continue
        except OSError:  # reset: closed with bytes unread
            return got
        if not chunk:
            return got
        got += len(chunk)
    return None


def _slow_subscriber(port, channel):
    """A raw subscriber with a small receive buffer that reads its SUBSCRIBE reply, then
    nothing more."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((HOST, port))
    s.sendall(cmd("SUBSCRIBE", channel))
    want = len(cmd("subscribe", channel, 1)) - 2  # *3 $9 subscribe $n ch :1
    got = b""
    while not got.endswith(b":1\r\n"):
        got += s.recv(want)
    return s


class _Pinger:
    """PINGs on its own connection every 5 ms until stopped; keeps each round trip."""

    def __init__(self, port):
        self.lat, self.problems = [], []
        self.stop = threading.Event()
        self.conn = resp.Connection(port)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            rep = self.conn.command("PING", timeout=2.0)
            self.lat.append(time.monotonic() - t0)
            if not (isinstance(rep, resp.Reply) and rep.raw == b"+PONG\r\n"):
                self.problems.append(reply_text(rep))
                return
            time.sleep(0.005)

    def finish(self):
        self.stop.set()
        self.thread.join(5)
        self.conn.close()
        lat = sorted(self.lat)
        return lat, (lat[int(len(lat) * 0.99) - 1] if len(lat) >= 100 else None)


# ======================================================================== 12: limits

@case("12a", "maxclients N: the N+1-th connection gets Redis's error, rejected_connections", timeout=60)
def t_maxclients(ctx):
    srv = ctx.start_server("maxclients", ["--maxclients", "4"])
    conns = []
    for i in range(4):
        c = resp.Connection(srv.port)
        conns.append(c)
        ctx.eq("PING on admitted connection %d" % (i + 1), c.command("PING").raw, b"+PONG\r\n")
    info = ctx.info("clients", conn=conns[0])
    ctx.eq("INFO clients maxclients", info.get("maxclients"), "4")
    ctx.eq("INFO clients connected_clients", info.get("connected_clients"), "4")
    over = resp.Connection(srv.port)
    rep = over.read_reply(3.0)
    ctx.eq("what the 5th connection reads", getattr(rep, "raw", rep),
           b"-ERR max number of clients reached\r\n")
    ctx.eq("then", over.read_reply(3.0), resp.EOF)
    over.close()
    ctx.eq("rejected_connections", int(ctx.info("stats", conn=conns[0]).get("rejected_connections", -1)), 1)
    ctx.eq("connected_clients with one refused", ctx.info("clients", conn=conns[0]).get("connected_clients"), "4")
    # One leaves: there is room again. Lowering maxclients keeps who is in, refuses more.
    conns.pop().close()
    ok = ctx.wait_until(lambda: ctx.info("clients", conn=conns[0]).get("connected_clients") == "3", 5)
    ctx.check(ok, "connected_clients did not drop to 3 after a client left")
    again = resp.Connection(srv.port)
    ctx.eq("PING after a client left", _raw(again.command("PING")), b"+PONG\r\n")
    conns.append(again)
    ctx.eq("CONFIG SET maxclients 2", _raw(conns[0].command("CONFIG", "SET", "maxclients", "2")), b"+OK\r\n")
    ctx.eq("PING of a client over the new maxclients", _raw(conns[3].command("PING")), b"+PONG\r\n")
    late = resp.Connection(srv.port)
    rep = late.read_reply(3.0)
    ctx.check(isinstance(rep, resp.Reply) and rep.raw == b"-ERR max number of clients reached\r\n",
              "a new client over a lowered maxclients: %s" % reply_text(rep))
    late.close()
    ctx.eq("rejected_connections", int(ctx.info("stats", conn=conns[0]).get("rejected_connections", -1)), 2)
    for c in conns:
        c.close()


def _fit_expected(wanted, soft, hard):
    """Redis's RLIMIT_NOFILE fit: wanted + 32 descriptors, else 16 fewer at a time until the
    kernel takes one (at most the hard limit, unless this process may raise that)."""
    bound = hard
    probe = subprocess.run(
        [sys.executable, "-c", "import resource as r; s, h = r.getrlimit(r.RLIMIT_NOFILE); "
         "r.setrlimit(r.RLIMIT_NOFILE, (h + 16, h + 16))"], capture_output=True)
    if probe.returncode == 0:
        with open("/proc/sys/fs/nr_open") as f:
            bound = int(f.read())
    fds = wanted + 32
    while fds > soft and fds > bound:
        fds -= 16
    return max(fds, soft) - 32


@case("12b", "maxclients fitted to RLIMIT_NOFILE at start-up; CONFIG SET beyond it refused", timeout=60)
def t_maxclients_rlimit(ctx):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 1 << 20:
        ctx.note("hard RLIMIT_NOFILE unlimited here: skipped")
        return
    wanted = hard + 1000   # more than the hard limit allows (unless root may raise it)
    start_soft = min(soft, 512)
    expected = _fit_expected(wanted, start_soft, hard)
    srv = Server("maxclients-rlimit", ["--maxclients", str(wanted)], ctx.workdir)
    real_argv = srv.argv
    # The server starts with a soft limit of 512 and raises it itself.
    srv.argv = lambda port: ["/bin/sh", "-c", 'ulimit -Sn %d && exec "$0" "$@"' % start_soft] + real_argv(port)
    ctx.extra_servers.append(srv)
    srv.start()
    c = resp.Connection(srv.port)
    ctx.eq("INFO clients maxclients", ctx.info("clients", conn=c).get("maxclients"), str(expected))
    ctx.eq("CONFIG GET maxclients", c.command("CONFIG", "GET", "maxclients").to_python(),
           [b"maxclients", str(expected).encode()])
    with open("/proc/%d/limits" % srv.proc.pid) as f:
        line = next(l for l in f if l.startswith("Max open files"))
    ctx.eq("the server's soft RLIMIT_NOFILE", int(line.split()[3]), expected + 32)
    rep = c.command("CONFIG", "SET", "maxclients", str(wanted))
    ctx.eq("CONFIG SET maxclients past the limit", getattr(rep, "raw", rep), (
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system "
        "is not able to handle the specified number of clients, try with %d\r\n" % expected).encode())
    ctx.eq("maxclients after the refusal", c.command("CONFIG", "GET", "maxclients").to_python()[1],
           str(expected).encode())
    ctx.eq("CONFIG SET maxclients within it", _raw(c.command("CONFIG", "SET", "maxclients", "100")),
           b"+OK\r\n")
    c.close()


def _publish_until_gone(pub, channel, payload, limit_s, pause=0.0):
    """PUBLISHes until the channel has no subscriber left (PUBLISH says 0); returns
    (messages published to a subscriber, seconds taken) or (n, None) on time out."""
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < limit_s:
        if pub.publish(channel, payload) == 0:
            return n, time.monotonic() - t0
        n += 1
        if pause:
            time.sleep(pause)
    return n, None


@case("12c", "a subscriber that stops reading is closed at the pubsub hard limit; others stay fast", timeout=90)
def t_pubsub_hard(ctx):
    srv = ctx.start_server("obuf-pubsub", ["--client-output-buffer-limit", "pubsub", "1mb", "256kb", "2"])
    before = _stat(ctx, srv, "client_output_buffer_limit_disconnections")
    sub = _slow_subscriber(srv.port, "big")
    pub = ctx.client(port=srv.port)
    pinger = _Pinger(srv.port)
    time.sleep(0.2)
    payload = "m" * (64 * 1024)
    n, took = _publish_until_gone(pub, "big", payload, 20.0)
    time.sleep(0.3)
    lat, p99 = pinger.finish()
    ctx.check(took is not None, "the subscriber was still subscribed after %d messages of 64 KB" % n)
    # Past 1 MB of replies it goes, so about 16 messages plus what the sockets hold.
    ctx.check(n < 200, "%d messages of 64 KB reached the subscriber before it was closed" % n)
    got = _closed(sub, 5.0)
    ctx.check(got is not None, "the subscriber's socket was not closed")
    sub.close()
    ctx.check(not pinger.problems, "PING meanwhile: %s" % pinger.problems[:3])
    while len(lat) < 200 and len(pinger.lat) < 200:   # not enough samples yet: go on alone
        more = _Pinger(srv.port)
        time.sleep(1.0)
        extra, _ = more.finish()
        lat = sorted(lat + extra)
        p99 = lat[int(len(lat) * 0.99) - 1]
    ctx.check(p99 is not None and p99 < 0.05, "PING p99 %.1f ms over %d pings meanwhile" % (
        (p99 or -1) * 1000, len(lat)))
    ctx.check(ctx.wait_until(lambda: _log_has(srv, "scheduled to be closed ASAP for overcoming of output "
                                                   "buffer limits"), 3.0),
              "no 'scheduled to be closed ASAP for overcoming of output buffer limits' line in the log")
    after = _stat(ctx, srv, "client_output_buffer_limit_disconnections")
    if before is not None:
        ctx.eq("client_output_buffer_limit_disconnections", after - before, 1)
    c = resp.Connection(srv.port)
    ctx.eq("PUBSUB NUMSUB big afterwards", c.command("PUBSUB", "NUMSUB", "big").to_python(), [b"big", 0])
    c.close()
    ctx.note("%d messages of 64 KB published in %.2f s; PING p99 %.1f ms, max %.1f ms over %d" % (
        n, took or -1, (p99 or -1) * 1000, max(lat) * 1000 if lat else -1, len(lat)))


@case("12d", "the pubsub soft limit closes a subscriber over it for longer than its seconds", timeout=60)
def t_pubsub_soft(ctx):
    srv = ctx.start_server("obuf-soft", ["--client-output-buffer-limit", "pubsub", "0", "256kb", "2"])
    sub = _slow_subscriber(srv.port, "soft")
    pub = ctx.client(port=srv.port)
    # Over 256 KB at once (the socket buffers hold some; 2 MB is well over), then a message
    # now and then: the client is closed 2-3 s after it first went over, not at once.
    for _ in range(160):   # 10 MB: the kernel's socket buffers hold a few of them
        pub.publish("soft", "s" * (64 * 1024))
    t_over = time.monotonic()
    ctx.eq("subscribers right after going over the soft limit", pub.pubsub_numsub("soft"), [("soft", 1)])
    n, took = _publish_until_gone(pub, "soft", "tick", 10.0, pause=0.1)
    gone = time.monotonic() - t_over
    ctx.check(took is not None, "still subscribed %.1f s after going over the soft limit" % gone)
    ctx.check(1.5 <= gone <= 4.5, "closed %.2f s after going over a soft limit of 2 s" % gone)
    got = _closed(sub, 5.0)
    ctx.check(got is not None, "the subscriber's socket was not closed")
    sub.close()
    ctx.note("closed %.2f s after going over the soft limit" % gone)

    # A subscriber that reads keeps up: never over for long, never closed.
    reader = ctx.client(port=srv.port).pubsub()
    reader.subscribe("fast")
    reader.get_message(timeout=2)
    got_all = [0]
    stop = threading.Event()

    def read():
        while not stop.is_set():
            m = reader.get_message(timeout=0.1)
            if m and m["type"] == "message":
                got_all[0] += 1
    rj = ctx.spawn(read)
    sent = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.5:
        ctx.eq("PUBLISH to a reading subscriber", pub.publish("fast", "f" * 4096), 1)
        sent += 1
        time.sleep(0.002)
    ctx.wait_until(lambda: got_all[0] == sent, 5.0)
    stop.set()
    rj.result(5)
    ctx.eq("messages a reading subscriber got", got_all[0], sent)


@case("12e", "normal class with a hard limit: a client pipelining big GETs without reading is closed", timeout=60)
def t_normal_limit(ctx):
    srv = ctx.start_server("obuf-normal", ["--client-output-buffer-limit", "normal", "4mb", "0", "0"])
    r = ctx.client(port=srv.port)
    big = "b" * (100 * 1024)
    r.set("big", big)
    ctx.eq("20 pipelined GETs of 100 KB from a client that reads them", len([v for v in (
        lambda p: [p.get("big") for _ in range(20)] and p.execute())(r.pipeline(transaction=False))
        if v == big]), 20)
    before = _stat(ctx, srv, "client_output_buffer_limit_disconnections")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((HOST, srv.port))
    s.settimeout(5)
    try:
        s.sendall(cmd("GET", "big") * 400 + cmd("SET", "after", "1"))   # 40 MB of replies
    except OSError:
        pass
    got = _closed(s, 10.0)
    ctx.check(got is not None, "the client was not closed")
    ctx.check(got is None or got < 16 * 1024 * 1024, "it read %s bytes before the close" % got)
    s.close()
    ctx.eq("a command after the limit was passed did not run", r.get("after"), None)
    ctx.check(ctx.wait_until(lambda: _log_has(srv, "for overcoming of output buffer limits"), 3.0),
              "no output buffer limit line in the log")
    after = _stat(ctx, srv, "client_output_buffer_limit_disconnections")
    if before is not None:
        ctx.eq("client_output_buffer_limit_disconnections", after - before, 1)
    ctx.eq("GET big from another client afterwards", r.get("big") == big, True)


@case("12f", "timeout closes idle clients, not subscribers, MONITOR or blocked ones", timeout=60)
def t_timeout(ctx):
    srv = ctx.start_server("timeout", ["--timeout", "1"])

    def conn(*cmds):
        c = resp.Connection(srv.port)
        for args in cmds:
            rep = c.command(*args)
            ctx.check(isinstance(rep, resp.Reply) and not rep.is_error(),
                      "%s: %s" % (" ".join(args), reply_text(rep)))
        return c
    idle = conn(("PING",))
    in_multi = conn(("MULTI",))
    sub2 = conn(("SUBSCRIBE", "ch"))
    sub3 = conn(("HELLO", "3"), ("SUBSCRIBE", "ch"))
    mon = conn(("MONITOR",))
    blocked = resp.Connection(srv.port)
    blocked.send_command("BLPOP", "tq", "0")
    busy = resp.Connection(srv.port)
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:   # a client that keeps talking is never idle
        ctx.eq("PING of a busy client", _raw(busy.command("PING")), b"+PONG\r\n")
        time.sleep(0.3)
    ctx.eq("an idle client, 3.5 s later", idle.read_reply(2.0), resp.EOF)
    ctx.eq("an idle client in MULTI, 3.5 s later", in_multi.read_reply(2.0), resp.EOF)
    ctx.eq("a RESP2 subscriber's PING", sub2.command("PING").to_python(), [b"pong", b""])
    ctx.eq("a RESP3 subscriber's PING", _raw(sub3.command("PING")), b"+PONG\r\n")
    c = resp.Connection(srv.port)
    ctx.eq("LPUSH tq x", c.command("LPUSH", "tq", "x").to_python(), 1)
    ctx.eq("the blocked client's BLPOP", blocked.read_reply(2.0).to_python(), [b"tq", b"x"])
    seen = []   # the busy client's PINGs, the BLPOP, then the LPUSH
    while len(seen) < 50 and not (seen and isinstance(seen[-1], resp.Reply) and b'"LPUSH"' in seen[-1].raw):
        seen.append(mon.read_reply(2.0))
        if not isinstance(seen[-1], resp.Reply):
            break
    ctx.check(seen and isinstance(seen[-1], resp.Reply) and b'"LPUSH"' in seen[-1].raw,
              "MONITOR after 3.5 s: %s" % [reply_text(x) for x in seen[-3:]])
    ctx.eq("CONFIG GET timeout", c.command("CONFIG", "GET", "timeout").to_python(), [b"timeout", b"1"])
    ctx.eq("CONFIG SET timeout 0", _raw(c.command("CONFIG", "SET", "timeout", "0")), b"+OK\r\n")
    late = conn(("PING",))
    time.sleep(2.5)
    ctx.eq("an idle client with timeout 0", _raw(late.command("PING")), b"+PONG\r\n")
    for x in (sub2, sub3, mon, blocked, busy, c, late, idle, in_multi):
        x.close()


@case("12g", "client-query-buffer-limit: a request longer than it closes the client, no reply", timeout=60)
def t_query_limit(ctx):
    srv = ctx.start_server("qbuf", ["--client-query-buffer-limit", "1mb"])
    r = ctx.client(port=srv.port)
    ctx.eq("SET of 900 KB under a 1 MB limit", r.set("k", "v" * (900 * 1024)), True)
    # 2 MB of small pipelined commands are fine: each is read and run.
    c = resp.Connection(srv.port)
    c.send_raw(cmd("INCR", "n") * 60000)
    last = None
    for _ in range(60000):
        last = c.read_reply(10.0)
        if not isinstance(last, resp.Reply):
            break
    ctx.eq("the last of 60000 pipelined INCRs", _raw(last), b":60000\r\n")
    c.close()
    before = _stat(ctx, srv, "client_query_buffer_limit_disconnections")
    s = raw_socket(srv.port)
    value = b"x" * (2 * 1024 * 1024)
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % len(value) + value + b"\r\n")
    except OSError:
        pass
    got = _closed(s, 5.0)
    ctx.eq("what a client sending a 2 MB argument reads before the close", got, 0)
    s.close()
    ctx.eq("the 2 MB SET did not happen", r.exists("big"), 0)
    ctx.check(ctx.wait_until(lambda: _log_has(srv, "Closing client that reached max query buffer length"), 3.0),
              "no 'Closing client that reached max query buffer length' line in the log")
    after = _stat(ctx, srv, "client_query_buffer_limit_disconnections")
    if before is not None:
        ctx.eq("client_query_buffer_limit_disconnections", after - before, 1)


def _keepalive_seconds(server_port, client_port):
    """The keepalive timer of the server's end of a connection, from /proc/net/tcp (and
    tcp6): seconds to its next probe, or None if no keepalive timer runs. While a
    retransmission timer shows instead (a reply not yet acknowledged), it looks again."""
    for _ in range(40):
        kind, when = None, 0
        for path in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(path) as f:
                    lines = f.readlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if (int(local.rsplit(":", 1)[1], 16) == server_port and
                        int(remote.rsplit(":", 1)[1], 16) == client_port):
                    k, w = fields[5].split(":")
                    kind, when = int(k, 16), int(w, 16)
        if kind == 1:
            time.sleep(0.05)
            continue
        return when / 100.0 if kind == 2 else None
    return None


@case("12h", "tcp-keepalive: SO_KEEPALIVE with its idle time on accepted sockets; CONFIG SET for new ones", timeout=60)
def t_keepalive(ctx):
    srv = ctx.start_server("keepalive", [])
    c = resp.Connection(srv.port)
    ctx.eq("CONFIG GET tcp-keepalive", c.command("CONFIG", "GET", "tcp-keepalive").to_python(),
           [b"tcp-keepalive", b"300"])
    secs = _keepalive_seconds(srv.port, c.sock.getsockname()[1])
    ctx.check(secs is not None and 250 < secs <= 300, "keepalive timer with the default 300: %s" % secs)
    ctx.eq("CONFIG SET tcp-keepalive 7", _raw(c.command("CONFIG", "SET", "tcp-keepalive", "7")), b"+OK\r\n")
    d = resp.Connection(srv.port)
    ctx.eq("PING", _raw(d.command("PING")), b"+PONG\r\n")
    secs = _keepalive_seconds(srv.port, d.sock.getsockname()[1])
    ctx.check(secs is not None and 0 < secs <= 7, "keepalive timer after CONFIG SET tcp-keepalive 7: %s" % secs)
    old = _keepalive_seconds(srv.port, c.sock.getsockname()[1])
    ctx.check(old is not None and old > 7, "the older connection keeps its 300 s: %s" % old)
    ctx.eq("CONFIG SET tcp-keepalive 0", _raw(c.command("CONFIG", "SET", "tcp-keepalive", "0")), b"+OK\r\n")
    e = resp.Connection(srv.port)
    ctx.eq("PING", _raw(e.command("PING")), b"+PONG\r\n")
    ctx.eq("keepalive timer with tcp-keepalive 0", _keepalive_seconds(srv.port, e.sock.getsockname()[1]), None)
    for x in (c, d, e):
        x.close()
