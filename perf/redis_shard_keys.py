#!/usr/bin/python3
"""Keys for corio-redis's cross-shard benchmark: COUNT key names that all live on one shard
(--mode same) or spread over every shard in turn (--mode spread), for a server with SHARDS
loops. corio-redis places a key by the high half of libstdc++'s std::hash<std::string_view>
(shard.hpp: (hash >> 32) % loops), which is std::_Hash_bytes with seed 0xc70f6907: this
script calls that very function through ctypes, so it cannot drift from the server.

Usage: redis_shard_keys.py --shards 2 --count 10 --mode same|spread [--prefix mset:]
Prints the keys, one per line."""

import argparse
import ctypes

SEED = 0xC70F6907


def shard_of(key, shards, hash_bytes):
    h = hash_bytes(key, len(key), SEED)
    return (h >> 32) % shards


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--mode", choices=["same", "spread"], required=True)
    ap.add_argument("--prefix", default="mset:")
    args = ap.parse_args()
    lib = ctypes.CDLL("libstdc++.so.6")
    hash_bytes = lib._ZSt11_Hash_bytesPKvmm  # std::_Hash_bytes(const void*, size_t, size_t)
    hash_bytes.restype = ctypes.c_size_t
    hash_bytes.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t]
    keys = []
    want = 0
    i = 0
    while len(keys) < args.count:
        k = ("%s%d" % (args.prefix, i)).encode()
        i += 1
        s = shard_of(k, args.shards, hash_bytes)
        if args.mode == "same" and s != 0:
            continue
        if args.mode == "spread" and s != want:
            continue
        keys.append(k.decode())
        want = (want + 1) % args.shards
    print("\n".join(keys))


if __name__ == "__main__":
    main()
