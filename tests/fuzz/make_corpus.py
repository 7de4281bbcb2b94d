#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) and dictionaries
(tests/fuzz/dict/<target>.dict); the RDB seeds come from redis-server, started here.

Usage: python3 tests/fuzz/make_corpus.py [--port 7797] [--redis-server PATH]
resp_parser_fuzz and command_fuzz get the literals below. rdb_load_fuzz gets RDB files and
DUMP payloads written by Debian's redis-server (7.0): one process per scenario on a spare
port, in its own temporary directory, stopped by its PID; and objects hand-built in the
encodings older versions wrote (ziplists, zipmaps, quicklists of ziplists) and in 7.2's
listpack sets, which 7.0 does not write. The corpora are committed: run this again when the
input formats change.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
DICTS = os.path.join(HERE, "dict")
REDIS_SRC = os.path.join(HERE, "..", "..", "samples", "redis", "src")


def write_corpus(target, items):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in items:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(items)} files, {sum(len(b) for _, b in items)} bytes")


def write_dict(target, words):
    os.makedirs(DICTS, exist_ok=True)
    with open(os.path.join(DICTS, target + ".dict"), "w") as f:
        f.write(f"# libFuzzer dictionary of {target} (written by make_corpus.py)\n")
        for w in words:
            esc = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else f"\\x{ord(c):02x}"
                          for c in w)
            f.write(f'"{esc}"\n')


# ---- resp_parser_fuzz: raw request bytes ----------------------------------------------

def multibulk(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


RESP_SEEDS = [
    ("set", multibulk("SET", "k", "hello")),
    ("get", multibulk("GET", "k")),
    ("pipelined", multibulk("SET", "a", "1") + multibulk("INCR", "a") + multibulk("GET", "a")),
    ("binary-bulk", multibulk("ECHO", b"a\r\nb\x00c")),
    ("empty-bulk", multibulk("ECHO", "")),
    ("many-args", multibulk("MSET", *[f"k{i}" for i in range(12)])),
    ("inline-ping", b"PING\r\n"),
    ("inline-lf", b"SET k v\n"),
    ("inline-quoted", b"SET  key \"a \\\"quoted\\\" \\x41\\n\" 'it\\'s'\r\n"),
    ("inline-escapes", b'ECHO "\\t\\r\\b\\a\\\\ \\xzz \\x4"\r\n'),
    ("inline-unbalanced", b'SET "a b\r\n'),
    ("inline-quote-glued", b'SET "a"b c\r\n'),
    ("inline-single-glued", b"SET 'a'b c\r\n"),
    ("inline-spaces", b"   \n"),
    ("empty-lines", b"\r\n\r\n\n"),
    ("mixed", b"PING\r\n" + multibulk("GET", "x") + b"ECHO hi\n"),
    ("count-zero", b"*0\r\n" + multibulk("PING")),
    ("count-minus-one", b"*-1\r\nPING\r\n"),
    ("count-leading-zero", b"*01\r\n$4\r\nPING\r\n"),
    ("count-plus", b"*+1\r\n$4\r\nPING\r\n"),
    ("count-huge", b"*3000000000\r\n"),
    ("count-int-max", b"*2147483647\r\n$1\r\na\r\n"),
    ("count-unauth", b"*11\r\n" + b"$1\r\na\r\n" * 11),
    ("not-dollar", b"*1\r\n+PING\r\n"),
    ("bulk-minus", b"*1\r\n$-1\r\n"),
    ("bulk-letters", b"*1\r\n$abc\r\n"),
    ("bulk-big-claim", b"*2\r\n$3\r\nSET\r\n$100000\r\nabc"),
    ("bulk-max", b"*1\r\n$536870912\r\n"),
    ("bulk-over-max", b"*1\r\n$536870913\r\n"),
    ("bulk-unauth", b"*1\r\n$16385\r\n" + b"x" * 100),
    ("bulk-huge-number", b"*1\r\n$99999999999999999999\r\n"),
    ("bulk-no-crlf-after", b"*1\r\n$3\r\nabcXY*1\r\n$4\r\nPING\r\n"),
    ("partial-header", b"*2\r"),
    ("partial-bulk", b"*2\r\n$3\r\nSE"),
    ("cr-only", b"*1\r\n$3\r"),
    ("long-inline", b"SET k " + b"v" * 3000 + b"\r\n"),
    ("long-count-string", b"*1\r\n$" + b"1" * 40 + b"\r\n"),
]

# ---- RDB encoding helpers (DUMP payloads here and for rdb_load_fuzz below) -------------

def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected, no final xor)."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | n >> 8, n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def rdb_str(s):
    s = s if isinstance(s, bytes) else s.encode()
    return rdb_len(len(s)) + s


def seal(body, version=9):
    body = body + version.to_bytes(2, "little")
    return body + crc64(body).to_bytes(8, "little")


# ---- command_fuzz: mode byte, then commands (0xfe) of fields (0xff) ---------------------

def cmd(*commands, mode=0):
    """cmd(["get", "str"], ["del", "str"], mode=1): the fields of each command."""
    def field(x):
        return x if isinstance(x, bytes) else str(x).encode()
    return bytes([mode]) + b"\xfe".join(b"\xff".join(field(x) for x in c) for c in commands)


COMMAND_SEEDS = [
    # strings
    ("get", cmd(["get", "str"])),
    ("get-expired", cmd(["get", "gone"])),
    ("set-options", cmd(["set", "k", "v", "ex", "100", "nx", "get"])),
    ("set-keepttl", cmd(["set", "ttl", "w", "keepttl", "xx"])),
    ("set-pxat", cmd(["set", "k", "v", "pxat", "9223372036854775807"])),
    ("setex", cmd(["setex", "k", "10", "v"], ["psetex", "k2", "-1", "v"])),
    ("getset-getdel", cmd(["getset", "str", "x"], ["getdel", "str"], ["getdel", "str"])),
    ("getex", cmd(["getex", "ttl", "persist"], ["getex", "str", "exat", "2000000000"])),
    ("mget-mset", cmd(["mset", "a", "1", "b", "2"], ["mget", "a", "b", "nope", "list"])),
    ("msetnx", cmd(["msetnx", "a", "1", "str", "2"])),
    ("append-strlen", cmd(["append", "str", "world"], ["strlen", "str"])),
    ("incr-decr", cmd(["incr", "num"], ["decr", "num"], ["incr", "str"])),
    ("incrby-overflow", cmd(["incrby", "num", "9223372036854775807"])),
    ("decrby-min", cmd(["decrby", "num", "-9223372036854775808"])),
    ("incrbyfloat", cmd(["incrbyfloat", "flt", "1e308"], ["incrbyfloat", "flt", "1e308"])),
    ("incrbyfloat-tiny", cmd(["incrbyfloat", "flt", "-0.0000000000000000001"])),
    ("getrange", cmd(["getrange", "big", "-5", "-1"], ["substr", "str", "0", "-100"])),
    ("setrange", cmd(["setrange", "str", "5", "xyz"], ["setrange", "k", "1048570", "abcdefgh"])),
    ("lcs", cmd(["lcs", "str", "big"], ["lcs", "str", "flt", "idx", "minmatchlen", "1",
                                         "withmatchlen"])),
    ("lcs-len", cmd(["set", "a", "ohmytext"], ["set", "b", "mynewtext"], ["lcs", "a", "b", "len"])),
    # bitmaps
    ("setbit-getbit", cmd(["setbit", "bits", "100", "1"], ["getbit", "bits", "13"])),
    ("setbit-far", cmd(["setbit", "b", "8388607", "1"], ["bitcount", "b"])),
    ("bitcount", cmd(["bitcount", "big", "0", "-1", "bit"], ["bitcount", "str", "1", "2"])),
    ("bitpos", cmd(["bitpos", "bits", "1", "0", "-1", "bit"], ["bitpos", "str", "0"])),
    ("bitop", cmd(["bitop", "and", "dest", "str", "big"], ["bitop", "not", "d2", "str"])),
    ("bitfield", cmd(["bitfield", "bits", "set", "i8", "0", "-5", "get", "u4", "0", "incrby",
                      "u2", "100", "1", "overflow", "sat", "incrby", "i8", "0", "300"])),
    ("bitfield-ro", cmd(["bitfield_ro", "bits", "get", "u8", "#1", "get", "i64", "0"])),
    ("bitfield-u63", cmd(["bitfield", "k", "set", "u63", "#100", "9223372036854775807"])),
    # keys
    ("del-exists", cmd(["del", "str", "num", "nope"], ["exists", "str", "gone", "list"])),
    ("unlink-touch", cmd(["unlink", "list"], ["touch", "hash", "set"])),
    ("type", cmd(["type", "hash"], ["type", "iset"], ["type", "nope"])),
    ("expire-flags", cmd(["expire", "str", "100", "nx"], ["pexpire", "str", "100", "gt"])),
    ("expireat", cmd(["expireat", "str", "1"], ["pexpireat", "num", "9223372036854775807"])),
    ("expire-overflow", cmd(["expire", "str", "9223372036854775807"])),
    ("ttl", cmd(["ttl", "ttl"], ["pttl", "gone"], ["expiretime", "ttl"], ["pexpiretime", "str"])),
    ("persist", cmd(["persist", "ttl"], ["ttl", "ttl"])),
    ("rename", cmd(["rename", "str", "str2"], ["renamenx", "str2", "num"])),
    ("rename-self", cmd(["rename", "ttl", "ttl"])),
    ("copy", cmd(["copy", "hash", "h2", "db", "1", "replace"], ["copy", "list", "list"])),
    ("move", cmd(["move", "str", "1"], ["move", "list", "1"], ["move", "set", "16"])),
    ("keys", cmd(["keys", "*"], ["keys", "h?sh"], ["keys", "[a-z]*[^x]"], ["keys", "\\*"])),
    ("dbsize-flushdb", cmd(["dbsize"], ["flushdb", "async"], ["dbsize"])),
    ("flushall", cmd(["flushall", "sync"], ["randomkey"])),
    ("swapdb", cmd(["swapdb", "0", "1"], ["get", "str"], ["swapdb", "0", "99"])),
    ("randomkey", cmd(["randomkey"], mode=2)),
    ("dump-restore", cmd(["dump", "hash"], ["restore", "k", "0", seal(b"\x00" + rdb_str("hi"), 10)],
                         ["get", "k"])),
    ("restore-options", cmd(["restore", "str", "100000", seal(b"\x02" + rdb_len(2) + rdb_str("a") +
                                                              rdb_str("7"), 10),
                             "replace", "absttl", "idletime", "10"], ["object", "encoding", "str"])),
    ("restore-bad", cmd(["restore", "k", "0", "nonsense"], ["restore", "k", "0",
                                                            seal(b"\x0b\x01", 10)])),
    # lists
    ("push-pop", cmd(["lpush", "list", "z"], ["rpush", "nl", "a"], ["lpop", "list", "2"],
                     ["rpop", "nl"], ["exists", "nl"])),
    ("pushx", cmd(["lpushx", "nope", "a"], ["rpushx", "list", "b"])),
    ("lrange", cmd(["lrange", "list", "0", "-1"], ["lrange", "list", "-100", "100"])),
    ("lindex-lset", cmd(["lindex", "list", "-1"], ["lset", "list", "0", "q"],
                        ["lset", "list", "99", "q"])),
    ("lrem-ltrim", cmd(["lrem", "list", "-1", "a"], ["ltrim", "list", "1", "-2"],
                       ["ltrim", "list", "5", "1"])),
    ("linsert", cmd(["linsert", "list", "before", "b", "X"], ["linsert", "list", "after", "no",
                                                              "Y"])),
    ("lpos", cmd(["lpos", "list", "a", "rank", "-1", "count", "0", "maxlen", "0"])),
    ("lpos-rank-min", cmd(["lpos", "list", "a", "rank", "-9223372036854775808"])),
    ("lmove", cmd(["lmove", "list", "l2", "left", "right"], ["rpoplpush", "list", "list"])),
    ("lmpop", cmd(["lmpop", "2", "nope", "list", "left", "count", "2"])),
    # hashes
    ("hset-hget", cmd(["hset", "hash", "a", "b"], ["hget", "hash", "a"], ["hmget", "hash", "f1",
                                                                          "nope"])),
    ("hmset-hsetnx", cmd(["hmset", "hash", "x", "y"], ["hsetnx", "hash", "f1", "z"])),
    ("hdel", cmd(["hdel", "hash", "f1", "f2", "f3"], ["exists", "hash"])),
    ("hexists-hlen", cmd(["hexists", "hash", "f1"], ["hlen", "hash"], ["hstrlen", "hash", "f1"])),
    ("hgetall", cmd(["hkeys", "hash"], ["hvals", "hash"], ["hgetall", "hash"], mode=1)),
    ("hincrby", cmd(["hincrby", "hash", "f2", "5"], ["hincrbyfloat", "hash", "f3", "0.1"],
                    ["hincrby", "hash", "f1", "1"])),
    ("hrandfield", cmd(["hrandfield", "hash", "-5", "withvalues"], ["hrandfield", "hash"], mode=1)),
    ("hscan", cmd(["hscan", "hash", "0", "match", "f*", "count", "10"], ["hscan", "big", "0"])),
    ("hash-convert", cmd(["hset", "hash", "long", "y" * 100], ["object", "encoding", "hash"])),
    # sets
    ("sadd-srem", cmd(["sadd", "set", "d"], ["srem", "set", "a", "b", "c", "d"], ["exists", "set"])),
    ("smembers", cmd(["smembers", "iset"], ["sismember", "set", "a"], ["smismember", "set", "a",
                                                                        "z"], mode=1)),
    ("scard-spop", cmd(["scard", "set"], ["spop", "set", "2"], ["spop", "iset"])),
    ("srandmember", cmd(["srandmember", "iset", "-3"], ["srandmember", "set", "10"])),
    ("sinter", cmd(["sinter", "set", "iset"], ["sintercard", "2", "set", "iset", "limit", "1"])),
    ("store", cmd(["sinterstore", "dst", "set", "iset"], ["sunionstore", "dst", "set", "iset"],
                  ["sdiffstore", "dst", "iset", "set"], ["object", "encoding", "dst"])),
    ("sunion-sdiff", cmd(["sunion", "set", "iset"], ["sdiff", "set", "iset"])),
    ("smove", cmd(["smove", "set", "iset", "a"], ["object", "encoding", "iset"])),
    ("sscan", cmd(["sscan", "iset", "0", "count", "1"])),
    ("intset-convert", cmd(["sadd", "iset", "x"], ["srem", "iset", "x"],
                           ["object", "encoding", "iset"])),
    # introspection, server
    ("object", cmd(["object", "encoding", "iset"], ["object", "freq", "str"],
                   ["object", "idletime", "str"], ["object", "help"])),
    ("memory", cmd(["memory", "usage", "hash", "samples", "0"], ["memory", "doctor"],
                   ["memory", "help"])),
    ("memory-stats", cmd(["memory", "stats"], mode=1)),
    ("info", cmd(["info"], ["info", "keyspace", "memory"])),
    ("info-everything", cmd(["info", "everything"])),
    ("config-get", cmd(["config", "get", "*max*"], ["config", "get", "maxmemory", "save"], mode=1)),
    ("config-other", cmd(["config", "resetstat"], ["config", "rewrite"], ["config", "nope"])),
    ("command", cmd(["command", "count"], ["command", "info", "get", "nope"])),
    ("command-docs", cmd(["command", "docs", "set"], mode=1)),
    ("command-getkeys", cmd(["command", "getkeys", "set", "k", "v"],
                            ["command", "getkeysandflags", "lmove", "a", "b", "left", "left"])),
    ("command-list", cmd(["command", "list", "filterby", "pattern", "h*"])),
    ("time-lastsave", cmd(["time"], ["lastsave"])),
    ("lolwut", cmd(["lolwut"], ["lolwut", "version", "5", "10", "10"],
                   ["lolwut", "version", "6"])),
    ("function", cmd(["function", "list"], ["function", "stats"], ["function", "dump"],
                     ["function", "help"])),
    ("latency", cmd(["latency", "latest"], ["latency", "doctor"], ["latency", "help"],
                    ["latency", "history", "command"])),
    ("slowlog", cmd(["slowlog", "get", "2"], ["slowlog", "len"], ["slowlog", "reset"])),
    ("empty-keyspace", cmd(["keys", "*"], ["get", "str"], ["dbsize"], mode=4)),
    ("db1", cmd(["get", "str"], ["move", "str", "0"], ["lrange", "list", "0", "-1"], mode=2)),
    ("resp3-mix", cmd(["hgetall", "hash"], ["smembers", "set"], ["get", "nope"],
                      ["incrbyfloat", "flt", "1"], mode=1)),
    ("wrong-type", cmd(["lpush", "str", "a"], ["hget", "list", "a"], ["sadd", "hash", "a"],
                       ["get", "set"])),
    ("arity", cmd(["get"], ["set", "a"], ["mset", "a", "1", "b"])),
    ("picked-by-byte", cmd([b"\x07", "str"], [b"\x80", "list", "0", "-1"])),
]

# ---- rdb_load_fuzz: files and payloads from redis-server, and hand-built objects -------------

def rdb_file(records, version=6):
    """An RDB file of `records` (already encoded), CRC 0 (not checked)."""
    return b"REDIS%04d" % version + b"\xfe\x00" + b"".join(records) + b"\xff" + b"\x00" * 8


def ziplist(entries):
    body = b""
    prev = 0
    tail = 10
    for e in entries:
        tail = 10 + len(body)
        pl = bytes([prev]) if prev < 254 else b"\xfe" + prev.to_bytes(4, "little")
        if isinstance(e, int):
            if 0 <= e <= 12:
                enc = bytes([0xF1 + e])
            elif -128 <= e < 128:
                enc = b"\xfe" + e.to_bytes(1, "little", signed=True)
            elif -32768 <= e < 32768:
                enc = b"\xc0" + e.to_bytes(2, "little", signed=True)
            elif -(1 << 23) <= e < 1 << 23:
                enc = b"\xf0" + e.to_bytes(3, "little", signed=True)
            elif -(1 << 31) <= e < 1 << 31:
                enc = b"\xd0" + e.to_bytes(4, "little", signed=True)
            else:
                enc = b"\xe0" + e.to_bytes(8, "little", signed=True)
        else:
            e = e.encode() if isinstance(e, str) else e
            if len(e) < 64:
                enc = bytes([len(e)]) + e
            elif len(e) < 16384:
                enc = bytes([0x40 | len(e) >> 8, len(e) & 0xFF]) + e
            else:
                enc = b"\x80" + len(e).to_bytes(4, "big") + e
        body += pl + enc
        prev = len(pl) + len(enc)
    return (10 + len(body) + 1).to_bytes(4, "little") + tail.to_bytes(4, "little") + \
        len(entries).to_bytes(2, "little") + body + b"\xff"


def zipmap(pairs):
    out = bytes([len(pairs)])
    for k, v in pairs:
        k, v = k.encode(), v.encode()
        out += bytes([len(k)]) + k + bytes([len(v), 0]) + v
    return out + b"\xff"


def intset(values, width):
    return width.to_bytes(4, "little") + len(values).to_bytes(4, "little") + \
        b"".join(v.to_bytes(width, "little", signed=True) for v in sorted(values))


def listpack(entries):
    """Strings under 64 bytes and integers 0..127 (7-bit), enough for the corpus."""
    body = b""
    for e in entries:
        if isinstance(e, int):
            enc = bytes([e])
        else:
            e = e.encode()
            enc = bytes([0x80 | len(e)]) + e
        body += enc + bytes([len(enc)])
    return (6 + len(body) + 1).to_bytes(4, "little") + len(entries).to_bytes(2, "little") + \
        body + b"\xff"


def hand_built():
    objs = {  # type byte, body
        "ziplist-list": (10, rdb_str(ziplist(["a", "bc", 7, -100, 1000, 70000, 1 << 40, "x" * 70]))),
        "ziplist-hash": (13, rdb_str(ziplist(["f1", "v1", "n", 42, "neg", -5]))),
        "ziplist-hash-odd": (13, rdb_str(ziplist(["f1", "v1", "f2"]))),
        "ziplist-hash-dup": (13, rdb_str(ziplist(["f", "1", "f", "2"]))),
        "zipmap-hash": (9, rdb_str(zipmap([("name", "corio"), ("n", "42")]))),
        "intset16": (11, rdb_str(intset([1, -2, 300], 2))),
        "intset64": (11, rdb_str(intset([1, 5000000000, -(1 << 62)], 8))),
        "intset-dup": (11, rdb_str(intset([3, 3], 4))),
        "quicklist-v1": (14, rdb_len(2) + rdb_str(ziplist(["a", "b"])) + rdb_str(ziplist([1, 2]))),
        "listpack-set": (20, rdb_str(listpack(["a", "b", 5, 100]))),
        "listpack-hash": (16, rdb_str(listpack(["f", "v", "g", 1]))),
        "quicklist-v2-plain": (18, rdb_len(2) + rdb_len(1) + rdb_str("plain element") +
                               rdb_len(2) + rdb_str(listpack(["x", 1]))),
        "plain-list": (1, rdb_len(3) + rdb_str("a") + rdb_str("b") + rdb_str("-7")),
        "plain-set": (2, rdb_len(2) + rdb_str("a") + rdb_str("b")),
        "plain-hash": (4, rdb_len(1) + rdb_str("f") + rdb_str("v")),
        "int-strings": (0, b"\xc0\x7f"),
        "int16-string": (0, b"\xc1\x00\x80"),
        "int32-string": (0, b"\xc2\x00\x00\x00\x80"),
        "lzf-string": (0, b"\xc3\x12\x40\x64\x0a" + bytes.fromhex(
            "6162636465666768696a61e04e0901696a")),
        "ziplist-zset": (12, rdb_str(ziplist(["a", 1, "b", 2]))),
        "zset": (3, rdb_len(1) + rdb_str("a") + rdb_str("1.5")),
        "module": (7, rdb_len(12345)),
    }
    items = []
    for name, (t, body) in objs.items():
        items.append(("dump-" + name, seal(bytes([t]) + body)))
    # The same objects as keys of old files (version 6: no module or stream types yet, and
    # the old second-resolution expiry opcode).
    # Only the valid ones (a malformed object would stop the load before the rest).
    broken = ("ziplist-hash-odd", "ziplist-hash-dup", "intset-dup")
    records = [bytes([t]) + rdb_str("k-" + name) + body for name, (t, body) in objs.items()
               if t not in (3, 7, 12, 20, 16, 18) and name not in broken]
    items.append(("file-v6-old-encodings", rdb_file(records, 6)))
    expired = b"\xfd" + (1000).to_bytes(4, "little") + b"\x00" + rdb_str("old") + rdb_str("x")
    later = b"\xfd" + (2100000000).to_bytes(4, "little") + b"\x00" + rdb_str("later") + rdb_str("y")
    items.append(("file-v6-expire-seconds", rdb_file([expired, later], 6)))
    items.append(("file-v3-no-crc", b"REDIS0003\xfe\x00\x00" + rdb_str("k") + rdb_str("v") + b"\xff"))
    items.append(("file-v11-listpacks", rdb_file(
        [bytes([t]) + rdb_str("k-" + n) + b for n, (t, b) in objs.items() if t in (16, 18, 20)],
        11)))
    items.append(("file-selectdb-resize", b"REDIS0009\xfa" + rdb_str("redis-ver") +
                  rdb_str("7.0.15") + b"\xfe\x05\xfb\x01\x00\x00" + rdb_str("k") + rdb_str("v") +
                  b"\xfe\x80\x00\x01\x00\x00\x00" + rdb_str("d") + rdb_str("w") + b"\xff" +
                  b"\x00" * 8))
    items.append(("file-idle-freq", b"REDIS0010\xf8\x80\x00\x00\x0e\x10\x00" + rdb_str("k") +
                  rdb_str("v") + b"\xf9\x05\x00" + rdb_str("f") + rdb_str("w") + b"\xff" +
                  b"\x00" * 8))
    return items


class redis_server:
    """A redis-server on `port` with its own directory, stopped by PID."""

    def __init__(self, binary, port, *args):
        self.dir = tempfile.mkdtemp(prefix="corio-fuzz-corpus-")
        self.port = port
        self.proc = subprocess.Popen(
            [binary, "--port", str(port), "--save", "", "--dir", self.dir, "--appendonly", "no",
             "--enable-debug-command", "yes", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            sys.exit(f"redis-server did not start on port {port}")
        self.buf = b""

    def stop(self):
        self.proc.terminate()  # this process, by its PID
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t in (b"+", b":"):
            return rest
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def __call__(self, *args):
        self.sock.sendall(multibulk(*args))
        return self._reply()

    def saved_file(self):
        self("SAVE")
        with open(os.path.join(self.dir, "dump.rdb"), "rb") as f:
            return f.read()


def redis_corpus(binary, port):
    items = []
    future_ms = str(2100000000000)  # live at the fuzzer's "now" (2033)
    soon = "86400"                  # a day from now: expired at the fuzzer's "now"

    # Every type in its small encoding, integer and LZF strings, expiries, three databases.
    r = redis_server(binary, port)
    try:
        r("SET", "str", "hello world")
        r("SET", "int", "12345")
        r("SET", "neg", "-7")
        r("SET", "int32", "-2147483648")
        r("SET", "int64", "9223372036854775807")
        r("SET", "lzf", "abcdefghij" * 10)
        r("SET", "raw", bytes(range(0, 250, 7)))
        r("RPUSH", "list", "a", "b", "7", "-100", "1000000", "x" * 70)
        r("RPUSH", "ints", *[str(v) for v in (0, 127, 128, -1, -4096, 4095, 4096, -32768, 32767,
                                               8388608, 2147483648, -9223372036854775808)])
        r("HSET", "hash", "name", "corio", "n", "42", "neg", "-5000", "big", "123456789012")
        r("SADD", "iset", "1", "-2", "300", "70000")
        r("SADD", "iset64", "1", "5000000000")
        r("SADD", "sset", "apple", "banana", "cherry")
        r("SET", "live", "v", "PXAT", future_ms)
        r("SET", "expiring", "v", "EX", soon)
        r("HSET", "hexp", "f", "v")
        r("PEXPIREAT", "hexp", future_ms)
        r("SELECT", "1")
        r("SET", "other", "x")
        r("SELECT", "15")
        r("RPUSH", "l15", "q")
        r("SELECT", "0")
        items.append(("file-types", r.saved_file()))
        for key in ("str", "int", "neg", "int32", "int64", "lzf", "raw", "list", "ints", "hash",
                    "iset", "iset64", "sset"):
            items.append(("dump-" + key, r("DUMP", key)))
        r("ZADD", "zset", "1", "a", "2", "b")
        items.append(("dump-zset", r("DUMP", "zset")))
        r("XADD", "stream", "1-1", "f", "v")
        items.append(("dump-stream", r("DUMP", "stream")))
        items.append(("file-with-zset-stream", r.saved_file()))
    finally:
        r.stop()

    # The large encodings: hashtable hashes and sets, quicklists of several nodes and plain
    # nodes, long strings (LZF and not).
    r = redis_server(binary, port, "--hash-max-listpack-entries", "4", "--set-max-intset-entries",
                     "4", "--list-max-listpack-size", "4")
    try:
        r("HSET", "hh", *[x for i in range(6) for x in (f"f{i}", f"v{i}")])
        r("HSET", "hlong", "f", "v" * 100)
        r("SADD", "sh", *[str(i) for i in range(6)])
        r("RPUSH", "ql", *[str(i) for i in range(20)])
        r("RPUSH", "ql-lzf", *["element-%02d-" % i + "z" * 40 for i in range(12)])
        r("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
        r("RPUSH", "plain", "head", "y" * 300, "tail")
        r("SET", "long-raw", bytes(range(256)) * 4)
        for key in ("hh", "hlong", "sh", "ql", "ql-lzf", "plain", "long-raw"):
            items.append(("dump-" + key, r("DUMP", key)))
        items.append(("file-big-encodings", r.saved_file()))
    finally:
        r.stop()

    # IDLE (LRU policy) and FREQ (LFU policy) records; no compression; no checksum.
    for name, args in (("file-lru", ["--maxmemory-policy", "allkeys-lru"]),
                       ("file-lfu", ["--maxmemory-policy", "allkeys-lfu"]),
                       ("file-nocompress", ["--rdbcompression", "no"]),
                       ("file-nochecksum", ["--rdbchecksum", "no"])):
        r = redis_server(binary, port, *args)
        try:
            r("SET", "k", "v")
            r("SET", "long", "abcdefghij" * 10)
            r("HSET", "h", "f", "v")
            for _ in range(20):
                r("GET", "k")
            items.append((name, r.saved_file()))
        finally:
            r.stop()

    # An empty server, and one with a function library (which corio-redis refuses).
    r = redis_server(binary, port)
    try:
        items.append(("file-empty", r.saved_file()))
        r("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        r("SET", "k", "v")
        items.append(("file-function", r.saved_file()))
    finally:
        r.stop()
    return items


def command_words():
    names = set()
    for fn in os.listdir(os.path.join(REDIS_SRC, "commands")):
        if fn.endswith(".cpp"):
            with open(os.path.join(REDIS_SRC, "commands", fn)) as f:
                text = f.read()
            names.update(re.findall(r'add\(\{"([a-z_]+)"', text))
            names.update(re.findall(r'\.name = "([a-z_]+)"', text))
            names.update(re.findall(r't\.emplace\("([a-z_]+)"', text))
    options = """ex px exat pxat nx xx gt lt keepttl get persist idx len minmatchlen withmatchlen
        bit byte and or xor not overflow wrap sat fail incrby set i8 i16 i64 u8 u63 #0 #1 db replace
        absttl idletime freq rank count maxlen before after left right withvalues match limit
        async sync encoding refcount help usage samples doctor stats malloc-stats purge info
        docs list filterby pattern aclcat module getkeys getkeysandflags version everything all
        default keyspace memory server latest history reset graph resetstat rewrite dump
        str num flt big ttl bits list hash bighash set iset gone nope 0 -1 1 9223372036854775807
        -9223372036854775808 * ? [a-z]""".split()
    return sorted(names | set(options)) + ["\xfe", "\xff"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=7797)
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    a = ap.parse_args()
    write_corpus("resp_parser_fuzz", RESP_SEEDS)
    write_corpus("command_fuzz", COMMAND_SEEDS)
    write_corpus("rdb_load_fuzz", redis_corpus(a.redis_server, a.port) + hand_built())
    write_dict("resp_parser_fuzz", ["*", "$", "\r\n", "\n", "*1\r\n", "$0\r\n\r\n", "*-1\r\n",
                                    "$-1\r\n", "\"", "'", "\\x", "\\\"", "\\'", " "])
    write_dict("command_fuzz", command_words())
    write_dict("rdb_load_fuzz", ["REDIS0009", "REDIS0010", "REDIS0011", "\xfa", "\xfb", "\xfc",
                                 "\xfd", "\xfe", "\xff", "\xf8", "\xf9", "\xc0", "\xc1", "\xc2",
                                 "\xc3", "\x80", "\x81", "redis-ver"])


if __name__ == "__main__":
    main()
