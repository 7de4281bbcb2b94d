"""Real-client cases: pub/sub across connections and blocking pops woken from other loops
(cases 2, 3)."""

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
