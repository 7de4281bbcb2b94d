"""Real-client cases: CLIENT LIST/INFO/KILL/UNBLOCK/PAUSE/REPLY across loops (case 10)."""

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
    ok = ctx.wait_until(lambda: ctx.info_int("connected_clients") <= base_c + 1, 10.0, 0.05)
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
    if not support.ARGS.reference:              # redis-server 7.0.15 crashes on this one
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


# ======================================================================== 10f: MONITOR

MONITOR_LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def _monitor_lines(mon, want, seconds=5.0):
    """Up to `want` feed lines from a monitor connection (simple strings), within `seconds`."""
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        rep = mon.read_reply(max(0.05, deadline - time.time()))
        if rep is resp.TIMEOUT or rep is None:
            break
        if isinstance(rep, resp.Reply) and rep.type == "+":
            got.append(rep.raw.rstrip(b"\r\n"))
    return got


@case("10f", "MONITOR sees every command of clients on every loop, once, in Redis's format",
      timeout=60)
def t_monitor(ctx):
    mon = ctx.raw()
    ctx.eq("MONITOR", mon.command("MONITOR").raw, b"+OK\r\n")
    clients = [ctx.raw() for _ in range(6)]       # more than the loops: some share one
    sent = []
    for i, c in enumerate(clients):
        for args in (("SET", "mon:%d" % i, "v\"\n\x01%d" % i), ("GET", "mon:%d" % i),
                     ("AUTH", "secret-%d" % i), ("CONFIG", "GET", "port"),
                     ("SELECT", "2"), ("INCR", "mon:n"), ("SELECT", "0")):
            c.command(*args)
            sent.append((i, args))
    # Admin commands (CONFIG) are not shown, as in Redis.
    expected = [(i, a) for i, a in sent if a[0] != "CONFIG"]
    lines = _monitor_lines(mon, len(expected))
    extra = _monitor_lines(mon, 1, 0.3)
    ctx.eq("feed lines", len(lines), len(expected))
    ctx.check(not extra, lambda: "more feed lines than commands: %r" % extra)
    parsed = []
    for line in lines:
        m = MONITOR_LINE.match(line)
        ctx.check(m is not None, lambda: "feed line format: %r" % line)
        if m:
            parsed.append((int(m.group(3)), m.group(4), m.group(5)))

    def quoted(args):
        out = []
        for a in args:
            s = a.encode() if isinstance(a, str) else a
            q = b'"'
            for ch in s:
                c = bytes([ch])
                q += {b"\\": b"\\\\", b'"': b'\\"', b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t",
                      b"\a": b"\\a", b"\b": b"\\b"}.get(
                          c, c if 0x20 <= ch < 0x7f else b"\\x%02x" % ch)
            out.append(q + b'"')
        return b" ".join(out)
    # Per client, its lines in the order it sent them; across clients any interleaving.
    addrs = {i: ("%s:%d" % c.sock.getsockname()[:2]).encode() for i, c in enumerate(clients)}
    for i in range(len(clients)):
        mine = [(db, text) for db, addr, text in parsed if addr == addrs[i]]
        want = []
        db = 0
        for j, a in expected:
            if j != i:
                continue
            if a[0] == "SELECT":
                db = int(a[1])
            shown = ("AUTH", "(redacted)") if a[0] == "AUTH" else a
            want.append((db, quoted(shown)))
        ctx.eq("client %d's feed (db, arguments)" % i, mine, want)
    # A monitor can still PING, not touch keys; RESET ends the feed.
    ctx.eq("PING from the monitor", mon.command("PING").raw, b"+PONG\r\n")
    own = _monitor_lines(mon, 1)
    ctx.check(len(own) == 1 and own[0].endswith(b'"PING"'),
              lambda: "the monitor's own PING in its feed: %r" % own)
    rep = mon.command("GET", "mon:0")
    ctx.check(isinstance(rep, resp.Reply) and rep.is_error() and b"keyspace" in rep.raw,
              lambda: "GET from a monitor: %s" % reply_text(rep))
    ctx.eq("RESET", mon.command("RESET").raw, b"+RESET\r\n")
    clients[0].command("SET", "mon:after", "1")
    ctx.check(not _monitor_lines(mon, 1, 0.3), "a feed line after RESET")
