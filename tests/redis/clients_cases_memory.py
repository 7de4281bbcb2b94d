"""Real-client cases: maxmemory and eviction (case 13). Each case starts its own server with a
small maxmemory and one policy, fills it past the limit through redis-py pipelines, and checks
what Redis promises: used_memory stays at or under maxmemory (within a tolerance for the
allocator's slack), evicted_keys counts, and the policy's choice shows (recently or often used
keys survive, keys without a TTL survive the volatile policies, the nearest TTL goes first);
noeviction refuses writes with Redis's OOM error and serves reads and deletes."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients_support import *  # noqa: E402,F401,F403

LIMIT_MB = 24
VALUE = "v" * 1000  # about 1.1 KB per key with its node: 24 MB holds some 20k keys


def _limited(ctx, label, policy, *extra):
    return ctx.start_server(label, ["--maxmemory", "%dmb" % LIMIT_MB, "--maxmemory-policy", policy,
                                    "--maxmemory-samples", "10"] + list(extra))


def _fill(r, prefix, count, ttl=None, between=None):
    """Writes count keys (prefix:i) in pipelines; `between(i)` runs every 1000 keys."""
    p = r.pipeline(transaction=False)
    for i in range(count):
        if ttl:
            p.set("%s:%d" % (prefix, i), VALUE, ex=ttl(i))
        else:
            p.set("%s:%d" % (prefix, i), VALUE)
        if i % 500 == 499:
            p.execute()
            if between:
                between(i)
    p.execute()


def _memory_ok(ctx, r, what):
    mem = r.info("memory")
    used, limit = int(mem["used_memory"]), int(mem["maxmemory"])
    # Redis lets used_memory pass maxmemory by what one command adds; allow 5%.
    ctx.check(used <= limit * 1.05, "%s: used_memory %d over maxmemory %d" % (what, used, limit))
    evicted = int(r.info("stats")["evicted_keys"])
    ctx.check(evicted > 0, "%s: evicted_keys is 0 after writing past maxmemory" % what)
    return evicted


def _present(r, keys):
    return sum(1 for v in r.mget(keys) if v is not None)


@case("13a", "allkeys-lru: memory stays under maxmemory; recently used keys survive", timeout=120)
def t_allkeys_lru(ctx):
    srv = _limited(ctx, "lru", "allkeys-lru")
    r = ctx.client(srv.port)
    hot = ["hot:%d" % i for i in range(200)]
    for k in hot:
        r.set(k, VALUE)
    _fill(r, "old", 15000)
    # Idle times count in seconds (as Redis's LRU clock): let everything age, use the hot
    # keys again, then write past the limit. The old keys are the idlest and go first.
    time.sleep(2.2)
    r.mget(hot)
    _fill(r, "new", 10000)
    _memory_ok(ctx, r, "allkeys-lru")
    survived = _present(r, hot)
    new = _present(r, ["new:%d" % i for i in range(10000)])
    ctx.check(survived >= 190, "allkeys-lru: only %d of 200 recently used keys survived" % survived)
    ctx.check(new >= 9500, "allkeys-lru: only %d of the 10000 newest keys survived" % new)
    ctx.note("hot survived %d/200, newest %d/10000" % (survived, new))


@case("13b", "allkeys-lfu: often used keys survive", timeout=120)
def t_allkeys_lfu(ctx):
    srv = _limited(ctx, "lfu", "allkeys-lfu")
    r = ctx.client(srv.port)
    hot = ["hot:%d" % i for i in range(200)]
    for k in hot:
        r.set(k, VALUE)
    for _ in range(30):
        r.mget(hot)
    _fill(r, "cold", 60000)
    _memory_ok(ctx, r, "allkeys-lfu")
    survived = _present(r, hot)
    ctx.check(survived >= 180, "allkeys-lfu: only %d of 200 often used keys survived" % survived)
    freq = r.object("freq", hot[0])
    ctx.check(freq is not None and int(freq) > 5, "OBJECT FREQ of a hot key: %s" % freq)
    ctx.note("hot survived %d/200, OBJECT FREQ %s" % (survived, freq))


@case("13c", "allkeys-random: memory stays under maxmemory", timeout=120)
def t_allkeys_random(ctx):
    srv = _limited(ctx, "random", "allkeys-random")
    r = ctx.client(srv.port)
    _fill(r, "k", 60000)
    _memory_ok(ctx, r, "allkeys-random")


@case("13d", "volatile-lru, -lfu, -random: only keys with a TTL are evicted", timeout=240)
def t_volatile(ctx):
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random"):
        srv = _limited(ctx, policy, policy)
        r = ctx.client(srv.port)
        _fill(r, "keep", 3000)
        _fill(r, "ttl", 60000, ttl=lambda i: 100000)
        _memory_ok(ctx, r, policy)
        kept = _present(r, ["keep:%d" % i for i in range(3000)])
        ctx.eq("%s: keys without a TTL left" % policy, kept, 3000)
        srv.stop()


@case("13e", "volatile-ttl: the nearest expiries go first; no TTLs left gives OOM", timeout=120)
def t_volatile_ttl(ctx):
    srv = _limited(ctx, "ttl", "volatile-ttl")
    r = ctx.client(srv.port)
    # TTLs grow with i: the early keys expire soonest and go first.
    _fill(r, "t", 60000, ttl=lambda i: 10000 + i)
    _memory_ok(ctx, r, "volatile-ttl")
    early = _present(r, ["t:%d" % i for i in range(0, 10000, 10)])
    late = _present(r, ["t:%d" % i for i in range(50000, 60000, 10)])
    ctx.check(early < late, "volatile-ttl: early-expiring keys %d/1000 vs late ones %d/1000"
              % (early, late))
    ctx.note("early %d/1000, late %d/1000 survived" % (early, late))
    # Keys without a TTL cannot be evicted: once only they fill memory, writes fail.
    r.flushall()
    ctx.raises("SET past maxmemory with nothing evictable",
               lambda: _fill(r, "plain", 60000), "OOM command not allowed")


def _set_until_oom(r, prefix, limit=100000):
    """SETs one key at a time until one is refused; the refusal's text, or None."""
    for i in range(limit):
        try:
            r.set("%s:%d" % (prefix, i), VALUE)
        except ResponseError as e:
            return str(e)
    return None


@case("13f", "noeviction: writes get OOM, reads and DEL are served, MULTI is refused", timeout=120)
def t_noeviction(ctx):
    srv = _limited(ctx, "noeviction", "noeviction")
    r = ctx.client(srv.port)
    ctx.eq("the refusal once full", _set_until_oom(r, "k"),
           "OOM command not allowed when used memory > 'maxmemory'.")
    ctx.check(_set_until_oom(r, "more", 20) is not None, "no OOM for further writes when full")
    ctx.eq("GET of a stored key", r.get("k:0"), VALUE)
    ctx.eq("evicted_keys", r.info("stats")["evicted_keys"], 0)
    raw = ctx.raw(srv.port)
    ctx.eq("MULTI", raw.command("MULTI").raw, b"+OK\r\n")
    queued = [raw.command("SET", "m:%d" % i, VALUE).raw for i in range(20)]
    ctx.check(any(q.startswith(b"-OOM") for q in queued), "no SET refused inside MULTI: %r" % queued[:3])
    ctx.check(raw.command("EXEC").raw.startswith(b"-EXECABORT"), "EXEC after a refused SET")
    # Deleting frees memory: writes work again.
    keys = r.keys("k:*")
    for i in range(0, len(keys), 1000):
        r.delete(*keys[i:i + 1000])
    ctx.check(r.set("after-delete", "x"), "SET after DEL freed memory")
