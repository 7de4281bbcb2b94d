#!/usr/bin/python3
"""Persistence tests for corio-redis against Debian's redis-server: RDB files both ways (a
dump.rdb written by one loads into the other with the same keys, values, types and TTLs;
redis-check-rdb accepts corio's), BGSAVE's point in time while writes go on, DUMP/RESTORE
across the two servers, SHUTDOWN SAVE/NOSAVE and the save at SIGTERM, the `save` schedule,
stop-writes-on-bgsave-error, and refusal of a bad file at start-up.

Usage: persist_test.py --corio-bin PATH [--only P1,P3] [--loops 4] [--keys 100000]
Every server runs on a free 127.0.0.1 port with its own directory under a temporary one,
and is stopped by its PID on every way out (tests/redis/servers.py). Each case prints
"PASS id title" or "FAIL id title: why"; the last line is "persist: N passed, M failed".
Needs python3-redis and redis-tools (redis-check-rdb).
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import servers  # noqa: E402

import redis  # noqa: E402

ARGS = None
CASES = []


def case(cid, title):
    def wrap(fn):
        CASES.append((cid, title, fn))
        return fn
    return wrap


class Dirs:
    """A fresh directory per server of a case, under the run's temporary one."""

    def __init__(self, root, cid):
        self.root = os.path.join(root, cid)
        os.makedirs(self.root)

    def new(self, name):
        d = os.path.join(self.root, name)
        os.makedirs(d)
        return d


def corio(workdir, data_dir, *extra):
    argv = lambda port: [ARGS.corio_bin, "--port", str(port), "--bind", servers.HOST,
                         "--loops", str(ARGS.loops), "--dir", data_dir] + list(extra)
    return servers.Server("corio-redis", argv, workdir=workdir).start()


def reference(workdir, data_dir, *extra):
    argv = lambda port: ["/usr/bin/redis-server", "--port", str(port), "--bind", servers.HOST,
                         "--save", "", "--appendonly", "no", "--dir", data_dir] + list(extra)
    return servers.Server("redis-server", argv, workdir=workdir).start()


def client(srv, db=0):
    return redis.Redis(host=servers.HOST, port=srv.port, db=db, socket_timeout=60)


def check(cond, why):
    if not cond:
        raise AssertionError(why() if callable(why) else why)


# ------------------------------------------------------------------------ the dataset

DATABASES = (0, 1, 7, 15)


def populate(srv, seed=7):
    """Every type and encoding corio-redis holds, TTLs, binary and big values, in several
    databases."""
    rnd = random.Random(seed)
    for db in DATABASES:
        r = client(srv, db)
        p = r.pipeline(transaction=False)
        p.set("empty", b"")
        p.set("int", "12345")
        p.set("negative", "-7")
        p.set("int64", "9223372036854775807")
        p.set("not-int", "0123")
        p.set("compressible", "abc" * 500)
        p.set("random-1mb", rnd.randbytes(1 << 20))
        p.set(b"bin\x00key\xff", b"\x00\x01\x02value\xfe")
        p.set("k" * 1000, "long key")
        p.set("ttl-string", "soon", ex=5000)
        p.rpush("list-small", "a", "b", "1", "-2", "")
        p.rpush("list-big", *["element-%d" % i for i in range(10000)])
        p.rpush("list-plain", "x" * 20000, "small", "y" * 9000)
        p.rpush("list-ttl", "a")
        p.pexpireat("list-ttl", int(time.time() * 1000) + 7_000_000)
        p.sadd("set-ints", 1, 2, 3, -5, 100000)
        p.sadd("set-strings", "a", "b", "c")
        p.sadd("set-big", *["member-%d" % i for i in range(5000)])
        p.sadd("set-bigints", *range(1000))
        p.hset("hash-small", mapping={"f1": "v1", "f2": "2", "": "empty-field"})
        p.hset("hash-big", mapping={"field-%d" % i: "value-%d" % i for i in range(1000)})
        p.hset("hash-long-value", mapping={"f": "z" * 100000})
        p.hset("hash-ttl", "f", "v")
        p.expire("hash-ttl", 6000)
        for i in range(200):
            p.set("db%d:key:%d" % (db, i), "v%d" % i)
        p.execute()


def content(srv):
    """{db: {key: (type, value, has_ttl)}} and the PTTLs, read with plain commands."""
    out, ttls = {}, {}
    for db in range(16):
        r = client(srv, db)
        keys = list(r.scan_iter(count=1000))
        if not keys:
            continue
        data = {}
        for k in keys:
            t = r.type(k).decode()
            if t == "string":
                v = r.get(k)
            elif t == "list":
                v = tuple(r.lrange(k, 0, -1))
            elif t == "set":
                v = tuple(sorted(r.smembers(k)))
            elif t == "hash":
                v = tuple(sorted(r.hgetall(k).items()))
            else:
                v = None
            pttl = r.pttl(k)
            data[k] = (t, v, pttl > 0)
            ttls[(db, k)] = pttl
        out[db] = data
    return out, ttls


def same_content(a, b, what):
    (ca, ta), (cb, tb) = a, b
    check(set(ca) == set(cb), lambda: "%s: databases %s vs %s" % (what, sorted(ca), sorted(cb)))
    for db in ca:
        ka, kb = set(ca[db]), set(cb[db])
        check(ka == kb, lambda: "%s: db %d keys differ: only first %s, only second %s" %
              (what, db, sorted(ka - kb)[:5], sorted(kb - ka)[:5]))
        for k in ca[db]:
            check(ca[db][k] == cb[db][k], lambda: "%s: db %d key %r differs" % (what, db, k))
            if ta[(db, k)] > 0:
                check(abs(ta[(db, k)] - tb[(db, k)]) < 60_000,
                      lambda: "%s: db %d key %r pttl %d vs %d" % (what, db, k, ta[(db, k)],
                                                                 tb[(db, k)]))


def wait_for_bgsave(r, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if r.info("persistence")["rdb_bgsave_in_progress"] == 0:
            return r.info("persistence")
        time.sleep(0.05)
    raise AssertionError("BGSAVE still running after %ds" % timeout)


# ------------------------------------------------------------------------ cases

@case("P1", "redis-server's dump.rdb loads into corio-redis (every type, TTLs, 4 databases)")
def p_from_redis(work, dirs):
    src, dst = dirs.new("redis"), dirs.new("corio")
    ref = reference(work, src)
    populate(ref)
    expected = content(ref)
    check(client(ref).save(), "redis-server SAVE failed")
    ref.stop()
    shutil.copy(os.path.join(src, "dump.rdb"), dst)
    srv = corio(work, dst, "--save", "")
    try:
        same_content(expected, content(srv), "redis-server -> corio-redis")
        info = client(srv).info("persistence")
        total = sum(len(v) for v in expected[0].values())
        check(info["rdb_last_load_keys_loaded"] == total,
              lambda: "rdb_last_load_keys_loaded %s, %d keys" % (
                  info["rdb_last_load_keys_loaded"], total))
    finally:
        srv.stop()


@case("P2", "corio-redis's dump.rdb passes redis-check-rdb and loads into redis-server")
def p_to_redis(work, dirs):
    src = dirs.new("corio")
    srv = corio(work, src, "--save", "")
    populate(srv)
    expected = content(srv)
    check(client(srv).save(), "SAVE failed")
    srv.stop()
    path = os.path.join(src, "dump.rdb")
    chk = subprocess.run(["redis-check-rdb", path], capture_output=True, timeout=60)
    text = chk.stdout.decode("utf-8", "replace")
    check(chk.returncode == 0 and "RDB looks OK" in text,
          lambda: "redis-check-rdb: status %d\n%s" % (chk.returncode, text[-1500:]))
    ref = reference(work, src)
    try:
        same_content(expected, content(ref), "corio-redis -> redis-server")
    finally:
        ref.stop()
    # And back: corio-redis loads its own file.
    again = corio(work, src, "--save", "")
    try:
        same_content(expected, content(again), "corio-redis -> corio-redis")
    finally:
        again.stop()


@case("P3", "BGSAVE is a point in time: writes after its reply are not in the file")
def p_point_in_time(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "")
    r = client(srv)
    n = ARGS.keys
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("key:%d" % i, "old")
        if i % 5000 == 4999:
            p.execute()
    p.rpush("list", *range(1000))
    p.hset("hash", mapping={"f%d" % i: "old" for i in range(1000)})
    p.execute()
    pairs_done = [0]
    stop = threading.Event()

    def pairs():
        # MSETs that span shards: the file must hold both keys of one or neither.
        w = client(srv)
        i = 0
        while not stop.is_set():
            i += 1
            w.mset({"pair:a": i, "pair:b": i, "pair:c": i})
            pairs_done[0] = i

    t = threading.Thread(target=pairs, daemon=True)
    t.start()
    time.sleep(0.2)
    check(r.bgsave(), "BGSAVE refused")
    # Everything from here on is after the point in time.
    order = list(range(n))
    random.Random(3).shuffle(order)
    p = r.pipeline(transaction=False)
    for j, i in enumerate(order):
        if i % 7 == 0:
            p.delete("key:%d" % i)
        else:
            p.set("key:%d" % i, "new")
        if j % 1000 == 999:
            p.set("after:%d" % j, "x")
            p.execute()
    p.rpush("list", "new")
    p.hset("hash", "f1", "new")
    p.execute()
    info = wait_for_bgsave(r)
    stop.set()
    t.join(10)
    check(info["rdb_last_bgsave_status"] == "ok", lambda: "bgsave status %s" % info)
    srv.stop()
    ref = reference(work, d)
    try:
        c = client(ref)
        check(c.dbsize() == n + 5, lambda: "dbsize %d, %d expected" % (c.dbsize(), n + 5))
        values = c.mget(["key:%d" % i for i in range(n)])
        bad = [i for i, v in enumerate(values) if v != b"old"]
        check(not bad, lambda: "%d keys not as at BGSAVE, e.g. key:%d = %r" % (
            len(bad), bad[0], values[bad[0]]))
        check(not list(c.scan_iter("after:*")), "keys made after BGSAVE are in the file")
        check(c.llen("list") == 1000 and c.hget("hash", "f1") == b"old", "list/hash changed")
        a, b, cc = c.mget("pair:a", "pair:b", "pair:c")
        check(a == b == cc, lambda: "a cross-shard MSET is half in the file: %r %r %r" % (a, b, cc))
    finally:
        ref.stop()


@case("P4", "DUMP payloads RESTORE across the servers, both ways")
def p_dump_restore(work, dirs):
    ref = reference(work, dirs.new("redis"))
    srv = corio(work, dirs.new("corio"), "--save", "")
    try:
        populate(ref)
        populate(srv)
        expected = content(ref)
        rr, cr = client(ref), client(srv)
        keys = list(rr.scan_iter())
        for k in keys:
            payload = rr.dump(k)
            cr.restore(k, rr.pttl(k) if rr.pttl(k) > 0 else 0, payload, replace=True)
            back = cr.dump(k)
            rr.restore(k, 0, back, replace=True)
        got = content(srv)
        same_content(({0: expected[0][0]}, expected[1]), ({0: got[0][0]}, got[1]),
                     "redis DUMP -> corio RESTORE")
        after = content(ref)
        for k in keys:
            check(after[0][0][k][:2] == expected[0][0][k][:2],
                  lambda: "corio DUMP -> redis RESTORE changed %r" % k)
        # A payload with a flipped byte is refused, as Redis refuses it.
        bad = bytearray(cr.dump("int"))
        bad[1] ^= 0x40
        for c in (rr, cr):
            try:
                c.restore("x", 0, bytes(bad))
                raise AssertionError("a corrupt payload was accepted")
            except redis.ResponseError as e:
                check("checksum" in str(e), lambda: "error: %s" % e)
    finally:
        ref.stop()
        srv.stop()


@case("P5", "SHUTDOWN NOSAVE / SAVE, and the save at SIGTERM with a schedule")
def p_shutdown(work, dirs):
    d = dirs.new("corio")
    path = os.path.join(d, "dump.rdb")
    srv = corio(work, d, "--save", "")
    client(srv).set("a", "1")
    try:
        client(srv).shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    srv.proc.wait(10)
    check(not os.path.exists(path), "SHUTDOWN NOSAVE wrote a file")
    srv = corio(work, d, "--save", "")
    client(srv).set("b", "2")
    try:
        client(srv).shutdown(save=True)
    except redis.ConnectionError:
        pass
    srv.proc.wait(10)
    check(os.path.exists(path), "SHUTDOWN SAVE wrote no file")
    srv = corio(work, d, "--save", "3600 1")
    r = client(srv)
    check(r.get("b") == b"2" and r.get("a") is None, "SHUTDOWN SAVE's file has other keys")
    r.set("c", "3")
    os.kill(srv.proc.pid, signal.SIGTERM)
    srv.proc.wait(10)
    srv = corio(work, d, "--save", "")
    try:
        check(client(srv).get("c") == b"3", "the save at SIGTERM is missing a write")
    finally:
        srv.stop()


@case("P6", "the save schedule saves after enough changes, LASTSAVE and INFO follow")
def p_schedule(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "1 3")
    try:
        r = client(srv)
        before = r.lastsave()
        r.set("x", "1")
        time.sleep(2.5)
        check(r.lastsave() == before, "saved after 1 change (3 needed)")
        r.mset({"y": 2, "z": 3})
        deadline = time.monotonic() + 10
        while r.lastsave() == before and time.monotonic() < deadline:
            time.sleep(0.1)
        check(r.lastsave() != before, "no save within 10 s of 3 changes")
        info = r.info("persistence")
        check(info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] >= 1,
              lambda: "after the save: %s" % info)
    finally:
        srv.stop()


@case("P7", "a failed save refuses writes (MISCONF) until a save succeeds")
def p_misconf(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "3600 1")
    try:
        r = client(srv)
        r.set("k", "v")
        os.rmdir(d)
        try:
            r.bgsave()
        except redis.ResponseError:
            pass  # corio-redis finds it at once; Redis in its child
        wait_for_bgsave(r)
        check(r.info("persistence")["rdb_last_bgsave_status"] == "err", "the save did not fail")
        try:
            r.set("k", "w")
            raise AssertionError("a write was accepted after a failed save")
        except redis.ResponseError as e:
            check(str(e).startswith("MISCONF"), lambda: "error: %s" % e)
        check(r.get("k") == b"v", "reads must still work")
        os.makedirs(d)
        r.bgsave()
        wait_for_bgsave(r)
        check(r.set("k", "w"), "writes still refused after a good save")
    finally:
        srv.stop()


@case("P8", "a corrupt or unsupported file stops the start-up with a clear message")
def p_bad_file(work, dirs):
    src = dirs.new("redis")
    ref = reference(work, src)
    client(ref).zadd("zset", {"a": 1})
    client(ref).save()
    ref.stop()
    good = dirs.new("good")
    srv = corio(work, good, "--save", "")
    populate(srv)
    client(srv).save()
    srv.stop()
    data = open(os.path.join(good, "dump.rdb"), "rb").read()
    for name, blob, words in (("truncated", data[: len(data) // 2], "RDB"),
                              ("checksum", data[:-1] + bytes([data[-1] ^ 1]), "checksum"),
                              ("zset", open(os.path.join(src, "dump.rdb"), "rb").read(),
                               "sorted set")):
        d = dirs.new(name)
        with open(os.path.join(d, "dump.rdb"), "wb") as f:
            f.write(blob)
        p = subprocess.run([ARGS.corio_bin, "--port", str(servers.free_port()), "--bind",
                            servers.HOST, "--dir", d, "--save", ""], capture_output=True,
                           timeout=60)
        err = (p.stdout + p.stderr).decode("utf-8", "replace")
        check(p.returncode != 0, lambda: "%s: corio-redis started anyway" % name)
        check(not any(m in err for m in SANITIZER_MARKS), lambda: "%s: %s" % (name, err[-800:]))
        check(words in err, lambda: "%s: the message does not say %r: %s" % (name, words,
                                                                          err[-500:]))


# ------------------------------------------------------------------------ append-only file

def aof_dir(d):
    return os.path.join(d, "appendonlydir")


def churn(srv):
    """Writes of every kind the log must get right: relative TTLs, random SPOP, keyspace-wide
    FLUSHDB/SWAPDB, cross-shard MSET/RENAME/SMOVE, a served blocked pop, INCRBYFLOAT."""
    r = client(srv)
    r.set("rel", "x", ex=5000)
    r.expire("list-small", 6000)
    r.persist("ttl-string")
    r.spop("set-big", 10)
    r.incrbyfloat("float", "1.25")
    r.mset({"m:a": 1, "m:b": 2, "m:c": 3, "m:d": 4})
    r.rename("m:a", "m:renamed")
    r.smove("set-strings", "set-moved", "a")
    r.lmove("list-small", "list-moved", "LEFT", "RIGHT")
    r.delete("db0:key:1", "db0:key:2", "db0:key:3")
    client(srv, 7).flushdb()
    # SWAPDB serves a client blocked on a list the swap brings: the log must keep that pop.
    client(srv, 1).rpush("sw", "first", "second")
    swapped = []
    waiter = threading.Thread(target=lambda: swapped.append(client(srv, 3).blpop("sw", 10)))
    waiter.start()
    time.sleep(0.3)
    client(srv, 1).swapdb(1, 3)
    waiter.join(10)
    check(swapped and swapped[0] == (b"sw", b"first"), lambda: "BLPOP after SWAPDB got %r" % swapped)
    done = []
    t = threading.Thread(target=lambda: done.append(client(srv).blpop("bl", 10)))
    t.start()
    time.sleep(0.3)
    r.rpush("bl", "served", "left")
    t.join(10)
    check(done and done[0] == (b"bl", b"served"), lambda: "BLPOP got %r" % done)


@case("A1", "appendonly yes: every type and kind of write survives a restart, also on 1 loop")
def a_restart(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "", "--appendonly", "yes")
    populate(srv)
    churn(srv)
    expected = content(srv)
    srv.stop()  # SIGTERM: a graceful stop
    check(os.path.exists(os.path.join(aof_dir(d), "appendonly.aof.manifest")), "no manifest")
    again = corio(work, d, "--save", "", "--appendonly", "yes")
    same_content(expected, content(again), "restart from the AOF")
    again.stop()
    one = servers.Server("corio-1-loop", lambda port: [
        ARGS.corio_bin, "--port", str(port), "--bind", servers.HOST, "--loops", "1", "--dir", d,
        "--save", "", "--appendonly", "yes"], workdir=work).start()
    try:
        same_content(expected, content(one), "restart from the AOF on another loop count")
    finally:
        one.stop()


def acked_writer(srv, stop, acked):
    """Writes as fast as one connection can, noting each write the server acknowledged."""
    r = client(srv)
    i = 0
    try:
        while not stop.is_set():
            i += 1
            r.set("w:%d" % i, i)
            r.rpush("log", i)
            acked.append(i)
    except (redis.ConnectionError, redis.TimeoutError):
        pass


@case("A2", "appendfsync always: every acknowledged write survives kill -9 (rounds)")
def a_crash(work, dirs):
    d = dirs.new("corio")
    rnd = random.Random(11)
    for rnd_i in range(ARGS.crash_rounds):
        srv = corio(work, d, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
        r = client(srv)
        before = r.llen("log")
        stop, acked = threading.Event(), []
        writers = [threading.Thread(target=acked_writer, args=(srv, stop, acked)) for _ in range(2)]
        # Each writer has its own counter range: keys tell the rounds apart too.
        for w in writers:
            w.start()
        time.sleep(rnd.uniform(0.2, 1.0))
        if rnd_i % 3 == 2:
            r.bgsave()  # a snapshot under way changes nothing for the log
        elif rnd_i % 3 == 1:
            r.bgrewriteaof()  # nor a rewrite: the kill may come before or after it ends
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(10)
        stop.set()
        for w in writers:
            w.join(10)
        srv = corio(work, d, "--save", "", "--appendonly", "yes", "--appendfsync", "always")
        r = client(srv)
        check(r.llen("log") >= before + len(acked),
              lambda: "round %d: %d pushes acknowledged, the log grew by %d" % (
                  rnd_i, len(acked), r.llen("log") - before))
        srv.stop()


@case("A3", "a truncated AOF tail is cut back and logged (aof-load-truncated yes), else refused")
def a_truncated(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "", "--appendonly", "yes", "--loops", "1")
    client(srv).set("kept", "1")
    srv.stop()
    path = os.path.join(aof_dir(d), "appendonly.aof.1.incr.aof")
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$2\r\nv")
    p = subprocess.run([ARGS.corio_bin, "--port", str(servers.free_port()), "--bind", servers.HOST,
                        "--dir", d, "--save", "", "--appendonly", "yes", "--aof-load-truncated",
                        "no", "--loops", "1"], capture_output=True, timeout=60)
    check(p.returncode != 0 and b"Unexpected end of file" in p.stdout + p.stderr,
          lambda: "aof-load-truncated no: %r" % (p.stdout + p.stderr)[-400:])
    size = os.path.getsize(path)
    srv = corio(work, d, "--save", "", "--appendonly", "yes", "--loops", "1")
    try:
        r = client(srv)
        check(r.get("kept") == b"1" and r.get("lost") is None, "the whole commands only")
        check(os.path.getsize(path) < size, "the truncated tail is still in the file")
        with open(srv.log_path, "rb") as f:
            check(b"short read while loading the AOF" in f.read(), "no warning logged")
        r.set("after", "2")
    finally:
        srv.stop()
    srv = corio(work, d, "--save", "", "--appendonly", "yes", "--loops", "1")
    try:
        check(client(srv).get("after") == b"2", "a write after the cut is lost")
    finally:
        srv.stop()


@case("A4", "redis-server's append-only directory loads into corio-redis, and back (1 loop)")
def a_from_redis(work, dirs):
    src = dirs.new("redis")
    ref = servers.Server("redis-aof", lambda port: [
        "/usr/bin/redis-server", "--port", str(port), "--bind", servers.HOST, "--save", "",
        "--appendonly", "yes", "--dir", src], workdir=work).start()
    populate(ref)
    client(ref).set("rel", "x", ex=5000)
    client(ref).spop("set-big", 10)
    expected = content(ref)
    ref.stop()
    srv = corio(work, src, "--save", "", "--appendonly", "yes", "--loops", "1")
    try:
        same_content(expected, content(srv), "redis-server AOF -> corio-redis")
        client(srv).set("from-corio", "1")
        expected = content(srv)
    finally:
        srv.stop()
    ref = servers.Server("redis-aof", lambda port: [
        "/usr/bin/redis-server", "--port", str(port), "--bind", servers.HOST, "--save", "",
        "--appendonly", "yes", "--dir", src], workdir=work).start()
    try:
        same_content(expected, content(ref), "corio-redis AOF (1 loop) -> redis-server")
    finally:
        ref.stop()


@case("A6", "appendfsync everysec: a kill -9 loses at most about the last second of writes")
def a_everysec(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
    stop, acked = threading.Event(), []

    def writer():
        r = client(srv)
        i = 0
        try:
            while not stop.is_set():
                i += 1
                r.rpush("log", i)
                acked.append((i, time.monotonic()))
        except (redis.ConnectionError, redis.TimeoutError):
            pass

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(3)
    killed = time.monotonic()
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    t.join(10)
    srv = corio(work, d, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec")
    try:
        kept = client(srv).llen("log")
        # Redis's promise: the writes of the last second or so may be gone, no more (2 s here:
        # a second between fsyncs, and the machine is shared).
        old = [i for i, at in acked if at < killed - 2.0]
        check(old and kept >= old[-1], lambda: "kept %d pushes; %d were acknowledged more "
              "than 2 s before the kill" % (kept, old[-1] if old else 0))
    finally:
        srv.stop()


@case("A7", "CONFIG SET appendonly yes on a running server, then off; appendfsync at once")
def a_config_set(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "")
    r = client(srv)
    populate(srv)
    check(r.config_set("appendonly", "yes"), "CONFIG SET appendonly yes")
    deadline = time.monotonic() + 30
    while r.info("persistence")["aof_enabled"] != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    check(r.info("persistence")["aof_enabled"] == 1, "appendonly did not come on")
    check(r.config_set("appendfsync", "always"), "CONFIG SET appendfsync always")
    r.set("after-on", "1")
    expected = content(srv)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    srv = corio(work, d, "--save", "", "--appendonly", "yes")
    try:
        r = client(srv)
        same_content(expected, content(srv), "the AOF CONFIG SET started")
        check(r.config_set("appendonly", "no"), "CONFIG SET appendonly no")
        deadline = time.monotonic() + 10
        while r.info("persistence")["aof_enabled"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        check(r.info("persistence")["aof_enabled"] == 0, "appendonly did not go off")
        r.set("after-off", "1")  # served without a log
    finally:
        srv.stop()


def wait_for_rewrite(r, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0:
            return info
        time.sleep(0.05)
    raise AssertionError("BGREWRITEAOF still running after %ds" % timeout)


@case("A5", "BGREWRITEAOF compacts without fork while writes go on; the automatic rewrite")
def a_rewrite(work, dirs):
    d = dirs.new("corio")
    srv = corio(work, d, "--save", "", "--appendonly", "yes")
    r = client(srv)
    p = r.pipeline(transaction=False)
    for round_ in range(50):
        for i in range(200):
            p.set("k:%d" % i, "v%d" % round_)
        p.execute()
    r.rpush("list", *range(5000))
    files = lambda: sorted(os.listdir(aof_dir(d)))
    incr_before = sum(os.path.getsize(os.path.join(aof_dir(d), f)) for f in files() if ".incr" in f)
    stop, acked = threading.Event(), []
    writer = threading.Thread(target=acked_writer, args=(srv, stop, acked))
    writer.start()
    check(r.bgrewriteaof() in (True, b"Background append only file rewriting started"),
          "BGREWRITEAOF refused")
    info = wait_for_rewrite(r)
    stop.set()
    writer.join(10)
    check(info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == 1,
          lambda: "after the rewrite: %s" % info)
    names = files()
    check(not any(f.startswith("appendonly.aof.1.") for f in names),
          lambda: "the old files are still there: %s" % names)
    check(any(f.endswith(".2.base.rdb") for f in names), lambda: "no new base: %s" % names)
    incr_after = sum(os.path.getsize(os.path.join(aof_dir(d), f)) for f in names if ".incr" in f)
    check(incr_after < incr_before, lambda: "incremental files %d bytes before, %d after" % (
        incr_before, incr_after))
    expected = content(srv)
    srv.stop()
    srv = corio(work, d, "--save", "", "--appendonly", "yes")
    try:
        same_content(expected, content(srv), "restart after BGREWRITEAOF")
        check(client(srv).llen("log") >= len(acked), "writes made during the rewrite are lost")
    finally:
        srv.stop()
    # The automatic rewrite: past auto-aof-rewrite-min-size and 100% growth.
    d2 = dirs.new("auto")
    srv = corio(work, d2, "--save", "", "--appendonly", "yes", "--auto-aof-rewrite-min-size", "1mb")
    try:
        r = client(srv)
        for i in range(40):
            r.set("big:%d" % (i % 4), "x" * 100000)
        deadline = time.monotonic() + 10
        while r.info("persistence")["aof_rewrites"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        check(r.info("persistence")["aof_rewrites"] >= 1, "no automatic rewrite past 4 MB")
    finally:
        srv.stop()


# ------------------------------------------------------------------------ runner

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def log_sizes(root):
    return {f: os.path.getsize(os.path.join(root, f)) for f in os.listdir(root) if f.endswith(".log")}


def sanitizer_reports(root, before):
    """Lines of sanitizer reports the servers logged since `before` (log_sizes)."""
    found = []
    for f, size in log_sizes(root).items():
        with open(os.path.join(root, f), "rb") as log:
            log.seek(before.get(f, 0))
            text = log.read().decode("utf-8", "replace")
        found += [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKS)]
    return found


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corio-bin", required=True)
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--keys", type=int, default=100000, help="keys in case P3")
    ap.add_argument("--crash-rounds", type=int, default=6, help="kill -9 rounds in case A2")
    ap.add_argument("--only", default="")
    ARGS = ap.parse_args()
    ARGS.corio_bin = os.path.abspath(ARGS.corio_bin)
    wanted = [w for w in ARGS.only.split(",") if w]
    root = tempfile.mkdtemp(prefix="redis-persist-")
    passed = failed = 0
    try:
        for cid, title, fn in CASES:
            if wanted and not any(cid.startswith(w) for w in wanted):
                continue
            sizes = log_sizes(root)
            try:
                fn(root, Dirs(root, cid))
                servers.stop_all_servers()
                reports = sanitizer_reports(root, sizes)
                if reports:
                    raise AssertionError("sanitizer reports in the server log:\n" +
                                         "\n".join(reports[:10]))
                print("PASS %s %s" % (cid, title), flush=True)
                passed += 1
            except Exception as e:  # noqa: BLE001 - a case's failure of any kind
                detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
                print("FAIL %s %s: %s" % (cid, title, detail), flush=True)
                failed += 1
            finally:
                servers.stop_all_servers()
    finally:
        servers.stop_all_servers()
        shutil.rmtree(root, ignore_errors=True)
    print("persist: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
