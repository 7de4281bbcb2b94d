#!/usr/bin/python3
"""Seeded, reproducible random command sequences for run_diff.py, written in its sequence
format (see the top of run_diff.py).

    random_sequences.py --seed 7 --commands 2000 --families strings,lists [--resp3]

prints one sequence; run_diff.py --sequence FILE replays it. generate() is what run_diff.py
calls. The same seed, count and families always give the same text.

About 20 keys are shared by every family, so types collide and the WRONGTYPE paths run
(each family mostly uses a few keys of its own, see HOME, so most commands still meet
their own type).
Only deterministic comparisons are made:
  - relative expiries are long (>= 1000 s) and read back with @approx (TTL, PTTL,
    EXPIRETIME); GT/LT only ever compare with absolute far-future times, since two
    relative times set within the same millisecond would make GT/LT depend on timing;
  - a short expiry (a few ms) is always followed by a sleep and an EXISTS, so the key is
    gone on both servers before anything else looks at it;
  - replies whose order Redis leaves unspecified are marked @unordered/@pairs, random
    picks are @ignore'd or @len'd, SPOP/SRANDMEMBER/HRANDFIELD otherwise only ask for
    more than the whole collection (which is then deterministic as a multiset);
  - blocking commands only use tiny timeouts (nothing ever unblocks them);
  - a SET with a past EXAT/PXAT is followed by an EXISTS of the key: Redis stores such a
    key already expired, and DBSIZE counts it until it is touched or actively expired.
"""

import argparse
import random
import re
import sys

KEYS = ["k%d" % i for i in range(18)] + ["key:a", "key:b"]
VALUES = ["", "0", "1", "-1", "7", "10", "42", "100", "-100", "9223372036854775807",
          "-9223372036854775808", "9223372036854775808", "3.5", "-0.25", "1e3", "abc",
          "hello world", "\x00\xff\x01", "x" * 40, " 1", "01", "+5", "0x10", "inf", "nan"]
SMALL = ["a", "b", "c", "d", "e", "1", "2", "3", "10", "-5", "abc", "", "x y"]
FIELDS = ["f0", "f1", "f2", "f3", "f4", "1", "", "x y"]
INTS = ["0", "1", "-1", "2", "3", "5", "-3", "10", "-10", "100", "abc", "1.5", "",
        "9223372036854775807", "-9223372036854775808", "99999999999999999999"]
INCRS = ["1", "-1", "0", "5", "-7", "100", "9223372036854775807", "-9223372036854775808",
         "abc", "1.5", "", " 1", "9223372036854775808"]
FLOATS = ["1", "-1", "0.5", "-0.25", "1.1", "3e2", "-1e-3", "1e308", "abc", "inf", "+inf",
          "nan", "", "10.50", "0x10", "5.0e3", "-0"]
ABS_S = ["4102444800", "4102448400", "4133980800", "1000", "-5"]        # EXPIREAT
ABS_MS = ["4102444800000", "4102444800123", "4133980800000", "1000000"]  # PEXPIREAT
PAST = {"1000", "1000000"}     # the absolute times above that are in the past
REL_S = ["1000", "2000", "5000", "100000"]
REL_MS = ["1000000", "2000000", "5000000"]
PATTERNS = ["*", "k1*", "k?", "k[0-4]", "k[^1]*", "key:*", "*a*", "nomatch*", "k\\*",
            "[k]1?", "k1[0-9]"]
TYPES = ["string", "list", "hash", "set", "zset", "none"]

_PLAIN = re.compile(r"[A-Za-z0-9_.:*?\[\]^!+=/-]+\Z")


def quote(arg):
    if _PLAIN.match(arg) and not arg.startswith("<<"):
        return arg
    out = []
    for ch in arg:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= o < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % o)
    return '"' + "".join(out) + '"'


def line(*args, mods=""):
    return (mods + " " if mods else "") + " ".join(quote(str(a)) for a in args)


# Each family mostly uses its own few keys (neighbours overlap by one key, and one time in
# ten any key is taken), so most commands meet their own type and WRONGTYPE still runs.
HOME = {
    "strings": KEYS[0:6],
    "bits": KEYS[3:8],
    "keys": KEYS,
    "lists": KEYS[7:12],
    "hashes": KEYS[11:16],
    "sets": KEYS[15:20],
}


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.home = KEYS

    def key(self):
        if self.r.random() < 0.9:
            return self.r.choice(self.home)
        return self.r.choice(KEYS)

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    # ----- expiry helpers shared by families
    def short_expiry(self, k, setter):
        return [setter, "@sleep 20", line("EXISTS", k)]


# Each generator returns a list of sequence lines.

def gen_strings(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    if c < 12:
        return [line("GET", k)]
    if c < 26:
        args = ["SET", k, g.pick(VALUES)]
        opts = []
        if g.chance(0.3):
            opts += [g.pick(["EX", "PX", "EXAT", "PXAT"])]
            opts += [{"EX": g.pick(REL_S + ["0", "-1", "abc"]),
                      "PX": g.pick(REL_MS + ["0"]),
                      "EXAT": g.pick(ABS_S),
                      "PXAT": g.pick(ABS_MS)}[opts[-1]]]
        if g.chance(0.2):
            opts.append(g.pick(["NX", "XX"]))
        if g.chance(0.1):
            opts.append("KEEPTTL")
        if g.chance(0.15):
            opts.append("GET")
        r.shuffle(opts) if g.chance(0.1) else None
        out = [line(*(args + opts))]
        if any(o in PAST for o in opts):
            # SET with a past EXAT/PXAT stores a key that is already expired: DBSIZE counts
            # it until something touches it or the (timing-dependent) active expiry
            # reclaims it, so touch it at once.
            out.append(line("EXISTS", k))
        return out
    if c < 28:
        return g.short_expiry(k, line("SET", k, g.pick(VALUES), "PX", r.choice(["1", "3"])))
    if c < 31:
        return [line("SETNX", k, g.pick(VALUES))]
    if c < 33:
        return [line("SETEX", k, g.pick(REL_S + ["0", "-1", "x"]), g.pick(VALUES))]
    if c < 35:
        return [line("PSETEX", k, g.pick(REL_MS + ["0", "-5"]), g.pick(VALUES))]
    if c < 37:
        return [line("GETSET", k, g.pick(VALUES))]
    if c < 39:
        return [line("GETDEL", k)]
    if c < 42:
        opt = g.pick([[], ["PERSIST"], ["EX", g.pick(REL_S)], ["PX", g.pick(REL_MS)],
                      ["EXAT", g.pick(ABS_S)], ["PXAT", g.pick(ABS_MS)], ["EX", "0"],
                      ["EX", "10", "PX", "10"], ["FOO"]])
        return [line("GETEX", k, *opt)]
    if c < 45:
        return [line("MGET", *g.keys(1, 5))]
    if c < 48:
        kv = []
        for kk in g.keys(1, 3):
            kv += [kk, g.pick(VALUES)]
        if g.chance(0.05):
            kv.append("odd")
        return [line(g.pick(["MSET", "MSETNX"]), *kv)]
    if c < 52:
        return [line("APPEND", k, g.pick(VALUES))]
    if c < 54:
        return [line("STRLEN", k)]
    if c < 62:
        op = g.pick(["INCR", "DECR", "INCRBY", "DECRBY"])
        if op in ("INCR", "DECR"):
            return [line(op, k)]
        return [line(op, k, g.pick(INCRS))]
    if c < 67:
        return [line("INCRBYFLOAT", k, g.pick(FLOATS))]
    if c < 73:
        return [line(g.pick(["GETRANGE", "SUBSTR"]), k, g.pick(INTS[:10]), g.pick(INTS[:10]))]
    if c < 79:
        return [line("SETRANGE", k, g.pick(["0", "1", "3", "10", "20", "-1", "abc",
                                            "536870912"]), g.pick(VALUES))]
    if c < 84:
        k2 = g.key()
        opt = g.pick([[], ["LEN"], ["IDX"], ["IDX", "MINMATCHLEN", "2"],
                      ["IDX", "WITHMATCHLEN"], ["LEN", "IDX"], ["MINMATCHLEN", "x"]])
        return [line("LCS", k, k2, *opt)]
    if c < 90:
        return [line("SET", k, g.pick(VALUES))]
    return [line(g.pick(["INCR", "DECR", "GET", "STRLEN"]), k)]


def gen_bits(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    off = g.pick(["0", "1", "7", "8", "15", "31", "63", "100", "-1", "abc", "4294967296"])
    if c < 25:
        return [line("SETBIT", k, off, g.pick(["0", "1", "1", "2", "x"]))]
    if c < 40:
        return [line("GETBIT", k, off)]
    if c < 55:
        opt = g.pick([[], ["0", "-1"], ["1", "2"], ["-2", "-1"], ["0", "5", "BIT"],
                      ["0", "12", "BYTE"], ["0"], ["a", "b"], ["0", "1", "FOO"]])
        return [line("BITCOUNT", k, *opt)]
    if c < 68:
        opt = g.pick([[], ["0"], ["1"], ["0", "-1"], ["2", "9", "BIT"], ["-1", "-1", "BYTE"],
                      ["x"]])
        return [line("BITPOS", k, g.pick(["0", "1", "2"]), *opt)]
    if c < 80:
        op = g.pick(["AND", "OR", "XOR", "NOT", "FOO"])
        srcs = g.keys(1, 1 if op == "NOT" and g.chance(0.8) else 3)
        return [line("BITOP", op, g.key(), *srcs)]
    sub = []
    for _ in range(r.randint(1, 3)):
        t = g.pick(["u1", "u4", "u8", "i8", "i16", "u16", "i32", "i64", "u63", "u64", "x8"])
        o = g.pick(["0", "3", "8", "#1", "#0", "-1", "17"])
        which = r.randrange(4)
        if which == 0:
            sub += ["GET", t, o]
        elif which == 1:
            sub += ["SET", t, o, g.pick(INTS[:10])]
        elif which == 2:
            sub += ["INCRBY", t, o, g.pick(["1", "-1", "100", "-200", "1000000"])]
        else:
            sub += ["OVERFLOW", g.pick(["WRAP", "SAT", "FAIL", "BAD"])]
    if c < 95:
        return [line("BITFIELD", k, *sub)]
    return [line("BITFIELD_RO", k, "GET", g.pick(["u8", "i16", "u4"]), g.pick(["0", "#1"]))]


def gen_keys(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    if c < 8:
        return [line(g.pick(["DEL", "UNLINK"]), *g.keys(1, 3))]
    if c < 14:
        ks = g.keys(1, 4)
        if g.chance(0.5):
            ks.append(ks[0])
        return [line("EXISTS", *ks)]
    if c < 20:
        return [line("TYPE", k)]
    if c < 27:
        cmd = g.pick(["EXPIRE", "PEXPIRE"])
        t = g.pick(REL_S if cmd == "EXPIRE" else REL_MS)
        if g.chance(0.1):
            t = g.pick(["0", "-1", "abc", "9223372036854775807"])
        opt = g.pick([[], [], ["NX"], ["XX"], ["NX", "XX"], ["GT", "LT"], ["FOO"]])
        return [line(cmd, k, t, *opt)]
    if c < 32:
        cmd = g.pick(["EXPIREAT", "PEXPIREAT"])
        t = g.pick(ABS_S if cmd == "EXPIREAT" else ABS_MS)
        opt = g.pick([[], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "GT"]])
        return [line(cmd, k, t, *opt)]
    if c < 34:
        return g.short_expiry(k, line("PEXPIRE", k, g.pick(["1", "2", "5"])))
    if c < 38:
        return [line("TTL", k, mods="@approx 1")]
    if c < 41:
        return [line("PTTL", k, mods="@approx 500")]
    if c < 43:
        return [line("EXPIRETIME", k, mods="@approx 1")]
    if c < 45:
        return [line("PEXPIRETIME", k, mods="@approx 500")]
    if c < 48:
        return [line("PERSIST", k)]
    if c < 53:
        return [line(g.pick(["RENAME", "RENAMENX"]), k, g.key())]
    if c < 58:
        opt = g.pick([[], ["REPLACE"], ["DB", "1"], ["DB", "1", "REPLACE"], ["DB", "99"]])
        return [line("COPY", k, g.key(), *opt)]
    if c < 61:
        return [line("MOVE", k, g.pick(["1", "1", "0", "16", "x"]))]
    if c < 64:
        return [line("TOUCH", *g.keys(1, 3))]
    if c < 66:
        return [line("RANDOMKEY", mods="@ignore")]
    if c < 72:
        return [line("KEYS", g.pick(PATTERNS), mods="@unordered")]
    if c < 77:
        opt = []
        if g.chance(0.5):
            opt += ["MATCH", g.pick(PATTERNS)]
        if g.chance(0.5):
            opt += ["COUNT", g.pick(["1", "3", "10", "1000"])]
        if g.chance(0.3):
            opt += ["TYPE", g.pick(TYPES)]
        return ["@scan " + line("SCAN", "0", *opt)]
    if c < 80:
        return [line("DBSIZE")]
    if c < 83:
        # Look at db 1 (where MOVE and COPY DB put keys), then come back.
        return [line("SELECT", "1"), line("KEYS", "*", mods="@unordered"),
                line(g.pick(["GET", "TYPE", "TTL"]), k, mods="@approx 1"), line("SELECT", "0")]
    return [line("SET", k, g.pick(VALUES))]


def gen_lists(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    if c < 16:
        return [line(g.pick(["LPUSH", "RPUSH"]), k, *[g.pick(SMALL) for _ in range(r.randint(1, 4))])]
    if c < 20:
        return [line(g.pick(["LPUSHX", "RPUSHX"]), k, g.pick(SMALL))]
    if c < 28:
        opt = g.pick([[], [], ["1"], ["2"], ["10"], ["0"], ["-1"], ["x"]])
        return [line(g.pick(["LPOP", "RPOP"]), k, *opt)]
    if c < 31:
        return [line("LLEN", k)]
    if c < 39:
        return [line("LRANGE", k, g.pick(INTS[:10]), g.pick(INTS[:10] + ["-100", "100"]))]
    if c < 43:
        return [line("LINDEX", k, g.pick(INTS[:10]))]
    if c < 47:
        return [line("LSET", k, g.pick(INTS[:10]), g.pick(SMALL))]
    if c < 51:
        return [line("LINSERT", k, g.pick(["BEFORE", "AFTER", "before", "MIDDLE"]),
                     g.pick(SMALL), g.pick(SMALL))]
    if c < 55:
        return [line("LREM", k, g.pick(["0", "1", "-1", "2", "-2", "x"]), g.pick(SMALL))]
    if c < 58:
        return [line("LTRIM", k, g.pick(INTS[:8]), g.pick(INTS[:8]))]
    if c < 64:
        opt = []
        for name, vals in (("RANK", ["1", "-1", "2", "-2", "0"]), ("COUNT", ["0", "1", "2", "-1"]),
                           ("MAXLEN", ["0", "2", "-1"])):
            if g.chance(0.35):
                opt += [name, g.pick(vals)]
        return [line("LPOS", k, g.pick(SMALL), *opt)]
    if c < 70:
        return [line("LMOVE", k, g.key(), g.pick(["LEFT", "RIGHT"]), g.pick(["LEFT", "RIGHT", "UP"]))]
    if c < 73:
        return [line("RPOPLPUSH", k, g.key())]
    if c < 79:
        ks = g.keys(1, 3)
        opt = g.pick([[], ["COUNT", "2"], ["COUNT", "10"], ["COUNT", "0"]])
        n = g.pick([str(len(ks))] * 5 + ["0", "5"])
        return [line("LMPOP", n, *ks, g.pick(["LEFT", "RIGHT"]), *opt)]
    if c < 81:
        cmd = g.pick(["BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP"])
        if cmd in ("BLPOP", "BRPOP"):
            return [line(cmd, *g.keys(1, 2), "0.01")]
        if cmd == "BLMOVE":
            return [line(cmd, k, g.key(), "LEFT", "RIGHT", "0.01")]
        if cmd == "BRPOPLPUSH":
            return [line(cmd, k, g.key(), "0.01")]
        return [line(cmd, "0.01", "1", k, "LEFT", "COUNT", "2")]
    return [line("RPUSH", k, g.pick(SMALL))]


def gen_hashes(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    if c < 18:
        fv = []
        for _ in range(r.randint(1, 3)):
            fv += [g.pick(FIELDS), g.pick(VALUES)]
        if g.chance(0.04):
            fv.append("odd")
        return [line(g.pick(["HSET", "HSET", "HMSET"]), k, *fv)]
    if c < 21:
        return [line("HSETNX", k, g.pick(FIELDS), g.pick(VALUES))]
    if c < 29:
        return [line("HGET", k, g.pick(FIELDS))]
    if c < 33:
        return [line("HMGET", k, *[g.pick(FIELDS) for _ in range(r.randint(1, 4))])]
    if c < 39:
        return [line("HDEL", k, *[g.pick(FIELDS) for _ in range(r.randint(1, 3))])]
    if c < 42:
        return [line("HLEN", k)]
    if c < 45:
        return [line("HSTRLEN", k, g.pick(FIELDS))]
    if c < 48:
        return [line("HEXISTS", k, g.pick(FIELDS))]
    if c < 53:
        return [line(g.pick(["HKEYS", "HVALS"]), k, mods="@unordered")]
    if c < 58:
        return [line("HGETALL", k, mods="@pairs")]
    if c < 66:
        return [line("HINCRBY", k, g.pick(FIELDS), g.pick(INCRS))]
    if c < 71:
        return [line("HINCRBYFLOAT", k, g.pick(FIELDS), g.pick(FLOATS))]
    if c < 79:
        v = r.randrange(5)
        if v == 0:
            return [line("HRANDFIELD", k, mods="@ignore")]
        if v == 1:
            return [line("HRANDFIELD", k, "100", mods="@unordered")]
        if v == 2:
            return [line("HRANDFIELD", k, "100", "WITHVALUES", mods="@pairs")]
        if v == 3:
            return [line("HRANDFIELD", k, g.pick(["-3", "-1", "0"]), mods="@len")]
        return [line("HRANDFIELD", k, g.pick(["x", "1", "-2"]), "WITHVALUES", mods="@len")]
    if c < 84:
        opt = []
        if g.chance(0.4):
            opt += ["MATCH", g.pick(["f*", "*", "1", "x*"])]
        if g.chance(0.4):
            opt += ["COUNT", g.pick(["1", "2", "100"])]
        return ["@scan " + line("HSCAN", k, "0", *opt)]
    return [line("HSET", k, g.pick(FIELDS), g.pick(VALUES))]


def gen_sets(g):
    r = g.r
    k = g.key()
    c = r.randrange(100)
    if c < 18:
        return [line("SADD", k, *[g.pick(SMALL) for _ in range(r.randint(1, 4))])]
    if c < 25:
        return [line("SREM", k, *[g.pick(SMALL) for _ in range(r.randint(1, 3))])]
    if c < 28:
        return [line("SCARD", k)]
    if c < 33:
        return [line("SISMEMBER", k, g.pick(SMALL))]
    if c < 36:
        return [line("SMISMEMBER", k, *[g.pick(SMALL) for _ in range(r.randint(1, 4))])]
    if c < 41:
        return [line("SMEMBERS", k, mods="@unordered")]
    if c < 45:
        v = r.randrange(3)
        if v == 0:
            return [line("SPOP", k, "1000", mods="@unordered")]
        if v == 1:
            return [line("SPOP", k, g.pick(["0", "-1", "x"]))]
        return [line("SPOP", k, "1", "2")]
    if c < 51:
        v = r.randrange(4)
        if v == 0:
            return [line("SRANDMEMBER", k, mods="@ignore")]
        if v == 1:
            return [line("SRANDMEMBER", k, "1000", mods="@unordered")]
        if v == 2:
            return [line("SRANDMEMBER", k, g.pick(["-5", "-1", "0"]), mods="@len")]
        return [line("SRANDMEMBER", k, "x")]
    if c < 56:
        return [line("SMOVE", k, g.key(), g.pick(SMALL))]
    if c < 66:
        return [line(g.pick(["SINTER", "SUNION", "SDIFF"]), *g.keys(1, 3), mods="@unordered")]
    if c < 72:
        ks = g.keys(1, 3)
        n = g.pick([str(len(ks))] * 4 + ["0", "9", "x"])
        opt = g.pick([[], ["LIMIT", "1"], ["LIMIT", "0"], ["LIMIT", "-1"]])
        return [line("SINTERCARD", n, *ks, *opt)]
    if c < 80:
        return [line(g.pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), g.key(), *g.keys(1, 3))]
    if c < 85:
        opt = []
        if g.chance(0.4):
            opt += ["MATCH", g.pick(["*", "a*", "1*", "?"])]
        if g.chance(0.4):
            opt += ["COUNT", g.pick(["1", "2", "100"])]
        return ["@scan " + line("SSCAN", k, "0", *opt)]
    return [line("SADD", k, g.pick(SMALL))]


FAMILIES = {
    "strings": gen_strings,
    "bits": gen_bits,
    "keys": gen_keys,
    "lists": gen_lists,
    "hashes": gen_hashes,
    "sets": gen_sets,
}


def generate(seed, count, families, resp3=False):
    """The sequence text: FLUSHALL, then about `count` commands from `families`."""
    fams = [f for f in FAMILIES if f in set(families)]
    if not fams:
        raise ValueError("no random families among %r" % (families,))
    g = Gen(random.Random("%d:%s" % (seed, ",".join(fams))))
    out = ["# random_sequences.py --seed %d --commands %d --families %s%s" % (
        seed, count, ",".join(fams), " --resp3" if resp3 else "")]
    if resp3:
        out.append("@resp3")
    out.append("FLUSHALL")
    n = 0
    while n < count:
        fam = g.pick(fams)
        g.home = HOME[fam]
        if g.chance(0.06):
            lines = [line("DEL", g.key())]       # keys change type now and then
        else:
            lines = FAMILIES[fam](g)
        out += lines
        n += sum(1 for l in lines if not l.startswith("@sleep"))
    # Finally what every key holds, in a form that does not depend on encodings.
    for k in KEYS:
        out.append(line("TYPE", k))
    out.append("@scan SCAN 0 COUNT 7")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", type=int, default=2000)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--resp3", action="store_true")
    a = ap.parse_args()
    sys.stdout.write(generate(a.seed, a.commands, a.families.split(","), a.resp3))


if __name__ == "__main__":
    main()
