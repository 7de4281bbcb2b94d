#!/usr/bin/python3
"""Snapshots and restarts, corio-redis against Debian's redis-server, side by side.

For each server in turn (interleaved rounds), pinned to one core with redis-benchmark on the
other: load KEYS string keys (redis-cli --pipe), then run a SET load over those keys
(redis-benchmark -c 50 -r KEYS -d 100) and, while it runs, a BGSAVE. Reported per round:
- the BGSAVE's wall time (from the command to rdb_bgsave_in_progress:0, polled every 10 ms);
- the memory the save costs: the peak, over the save, of the server's RSS growth (for
  redis-server, the parent's RSS plus its child's private dirty pages: what fork copies);
- the SET load's p99 latency during the save, against the same load with no save;
- the restart: time from exec to the first PONG after loading the file the BGSAVE wrote;
- the restart from an append-only file of KEYS SET commands (appendonly yes, everysec).

Usage: redis_persist.py [--corio-bin PATH] [--keys 1000000] [--rounds 3] [--loops 1]
       [--server-cpu 0] [--load-cpu 1]
Prints a markdown table of medians and ratios (corio / redis) and writes the rows to
perf/out/redis-persist.csv. Everything runs on 127.0.0.1; servers are stopped by PID.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def call(port, *args, timeout=60):
    """One command through redis-cli; its output without the newline."""
    out = subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                         capture_output=True, timeout=timeout)
    return out.stdout.decode().strip()


def info(port, section):
    fields = {}
    for line in call(port, "INFO", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    return fields


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def private_dirty_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            return sum(int(line.split()[1]) for line in f if line.startswith("Private_Dirty:"))
    except OSError:
        return 0


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Server:
    def __init__(self, name, argv, data_dir, cpu):
        self.name, self.argv, self.dir, self.cpu = name, argv, data_dir, cpu
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        argv = ["taskset", "-c", str(self.cpu)] + self.argv(self.port, self.dir)
        log = open(os.path.join(self.dir, self.name + ".log"), "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        while time.monotonic() - started < 300:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: see %s" % (self.name, log.name))
            try:
                if call(self.port, "PING", timeout=5) == "PONG":
                    return time.monotonic() - started
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.01)
        raise RuntimeError("%s did not answer" % self.name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def load_keys(port, keys):
    """KEYS keys (key:000000000000 ...) of 100 bytes, through redis-cli --pipe."""
    value = b"x" * 100
    def commands():
        for i in range(keys):
            k = b"key:%012d" % i  # redis-benchmark -r names its keys so
            yield b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n" % (len(k), k, value)
    p = subprocess.Popen(["redis-cli", "-p", str(port), "--pipe"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL)
    batch = []
    for c in commands():
        batch.append(c)
        if len(batch) == 10000:
            p.stdin.write(b"".join(batch))
            batch = []
    p.stdin.write(b"".join(batch))
    p.stdin.close()
    p.wait(600)


def set_load(port, keys, requests, cpu):
    """redis-benchmark's SET over the loaded keys; returns (its p99 in ms, requests/s)."""
    out = subprocess.run(["taskset", "-c", str(cpu), "redis-benchmark", "-p", str(port), "-c", "50",
                          "-n", str(requests), "-t", "set", "-r", str(keys), "-d", "100"],
                         capture_output=True, timeout=600).stdout.decode("utf-8", "replace")
    # "  avg       min       p50       p95       p99       max" then the figures
    m = re.search(r"avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                  r"([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    rps = re.search(r"throughput summary: ([\d.]+) requests per second", out)
    if not m or not rps:
        raise RuntimeError("redis-benchmark output not understood:\n" + out[-800:])
    return float(m.group(5)), float(rps.group(1))


def one_round(server, keys, requests, load_cpu):
    row = {"server": server.name}
    server.start()
    load_keys(server.port, keys)
    call(server.port, "SAVE", timeout=600)  # a file to restart from, and a warm start
    row["base_p99_ms"], row["base_rps"] = set_load(server.port, keys, requests, load_cpu)
    # The same load with a BGSAVE in its middle.
    result = {}
    load = threading.Thread(target=lambda: result.update(
        zip(("p99", "rps"), set_load(server.port, keys, requests, load_cpu))))
    before = rss_kb(server.proc.pid)
    load.start()
    time.sleep(0.5)
    started = time.monotonic()
    call(server.port, "BGSAVE")
    peak = 0
    while True:
        extra = rss_kb(server.proc.pid) - before
        extra += sum(private_dirty_kb(c) for c in children(server.proc.pid))
        peak = max(peak, extra)
        if info(server.port, "persistence").get("rdb_bgsave_in_progress") == "0":
            break
        time.sleep(0.01)
    row["bgsave_s"] = time.monotonic() - started
    row["save_extra_mb"] = peak / 1024.0
    load.join()
    row["save_p99_ms"], row["save_rps"] = result["p99"], result["rps"]
    row["rdb_mb"] = os.path.getsize(os.path.join(server.dir, "dump.rdb")) / 1e6
    server.stop()
    row["restart_s"] = server.start()
    dbsize = int(call(server.port, "DBSIZE"))
    if dbsize != keys:
        raise RuntimeError("%s restarted with %d keys, %d expected" % (server.name, dbsize, keys))
    server.stop()
    return row


def aof_restart(name, argv, keys, cpu, work):
    """The restart from an append-only file of KEYS SET commands (appendonly yes, everysec:
    the files as a fresh start and KEYS writes leave them): exec to the first PONG."""
    d = os.path.join(work, name + "-aof")
    os.makedirs(d)
    server = Server(name + "-aof", argv, d, cpu)
    server.start()
    load_keys(server.port, keys)
    server.stop()
    seconds = server.start()
    dbsize = int(call(server.port, "DBSIZE"))
    server.stop()
    if dbsize != keys:
        raise RuntimeError("%s restarted from its AOF with %d keys" % (name, dbsize))
    return seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corio-bin", default=os.path.join(ROOT, "build/samples/redis/corio-redis"))
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--requests", type=int, default=400000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--loops", type=int, default=1)
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="redis-persist-")
    servers = {}
    for name in ("redis", "corio"):
        d = os.path.join(work, name)
        os.makedirs(d)
        if name == "redis":
            argv = lambda port, d: ["/usr/bin/redis-server", "--port", str(port), "--bind", HOST,
                                    "--save", "", "--appendonly", "no", "--dir", d]
        else:
            argv = lambda port, d: [a.corio_bin, "--port", str(port), "--bind", HOST, "--save", "",
                                    "--loops", str(a.loops), "--dir", d]
        servers[name] = Server(name, argv, d, a.server_cpu)
    rows = []
    aof_rows = {"redis": [], "corio": []}
    aof_argv = {
        "redis": lambda port, d: ["/usr/bin/redis-server", "--port", str(port), "--bind", HOST,
                                  "--save", "", "--appendonly", "yes", "--dir", d],
        "corio": lambda port, d: [a.corio_bin, "--port", str(port), "--bind", HOST, "--save", "",
                                  "--loops", str(a.loops), "--appendonly", "yes", "--dir", d],
    }
    try:
        for r in range(a.rounds):
            for name in (("redis", "corio") if r % 2 == 0 else ("corio", "redis")):
                row = one_round(servers[name], a.keys, a.requests, a.load_cpu)
                row["round"] = r
                rows.append(row)
                print("round %d %s: %s" % (r, name, {k: round(v, 3) if isinstance(v, float) else v
                                                      for k, v in row.items()}), flush=True)
                aof_rows[name].append(aof_restart("%s%d" % (name, r), aof_argv[name], a.keys,
                                                  a.server_cpu, work))
                print("round %d %s: restart from the AOF %.3f s" % (r, name, aof_rows[name][-1]),
                      flush=True)
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    fields = ["bgsave_s", "save_extra_mb", "base_p99_ms", "save_p99_ms", "base_rps", "save_rps",
              "rdb_mb", "restart_s"]
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "redis-persist.csv"), "w") as f:
        f.write("round,server," + ",".join(fields) + "\n")
        for row in rows:
            f.write("%d,%s,%s\n" % (row["round"], row["server"],
                                    ",".join("%.4f" % row[k] for k in fields)))
    med = {n: {k: statistics.median(r[k] for r in rows if r["server"] == n) for k in fields}
           for n in ("redis", "corio")}
    print("\n%d keys of 100 bytes, %d rounds, corio-redis on %d loop(s); medians\n" %
          (a.keys, a.rounds, a.loops))
    print("| measure | redis-server | corio-redis | corio / redis |")
    print("|---|---|---|---|")
    for k in fields:
        ratio = med["corio"][k] / med["redis"][k] if med["redis"][k] else float("nan")
        print("| %s | %.3f | %.3f | %.2fx |" % (k, med["redis"][k], med["corio"][k], ratio))
    ra, ca = statistics.median(aof_rows["redis"]), statistics.median(aof_rows["corio"])
    print("| aof_restart_s | %.3f | %.3f | %.2fx |" % (ra, ca, ca / ra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
