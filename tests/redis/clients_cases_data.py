"""Real-client cases: redis-py over every data family, expiry, MULTI/EXEC and WATCH,
and atomicity under concurrency (cases 1, 4, 5)."""

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
