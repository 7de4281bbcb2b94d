#!/usr/bin/python3
"""Real-client tests for corio-redis: redis-py, raw sockets, redis-cli and redis-benchmark
against a server this script starts itself.

Usage:
  clients_test.py --corio-bin PATH [--loops 4]     test corio-redis (default 4 loops)
  clients_test.py --reference                      the same cases against Debian's
                                                   redis-server (to check the tests)
Options: --only 1a,3,8c (case ids or their prefixes), --list, --timeout S (whole run,
default 900), --redis-server PATH (default /usr/bin/redis-server).

The server runs on a free 127.0.0.1 port: "corio-redis --port P --bind 127.0.0.1 --save '' --loops N"
or "redis-server --port P --bind 127.0.0.1 --save '' --appendonly no". Case 9 starts a
second server with "--requirepass secret", case 10d one with a config file (given first)
and 10e one with "--enable-debug-command yes"; each of cases 12a-12h (client limits) starts
one with the limits it tests, and cases 14a-14f (ACL, rename-command, TLS) servers of their
own (an aclfile, --requirepass, --rename-command, a TLS port with a throwaway CA made by
openssl). Every server is stopped by its PID (SIGTERM,
then SIGKILL) on every way out, and gets SIGKILL if this script dies (PR_SET_PDEATHSIG).
Every case runs in its own thread with a time limit, gets a FLUSHALLed server and fresh
connections; a case that times out, crashes the server or leaves it not answering PING
fails, and the server is restarted for the next case.

Each case prints "PASS id title" or "FAIL id title" with one line per problem found; the
last line is "redis-clients: N passed, M failed" (exit status 1 if any failed).
Standard library + python3-redis (redis-py 4.x) + redis-tools; RESP3 through resp.py.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # keep the source tree clean
import clients_support as support  # noqa: E402
from clients_support import *  # noqa: E402,F401,F403
# The cases register themselves with @case as their modules load.
import clients_cases_data  # noqa: E402,F401
import clients_cases_pubsub  # noqa: E402,F401
import clients_cases_tools  # noqa: E402,F401
import clients_cases_client  # noqa: E402,F401
import clients_cases_server  # noqa: E402,F401
import clients_cases_memory  # noqa: E402,F401
import clients_cases_limits  # noqa: E402,F401
import clients_cases_acl  # noqa: E402,F401

# ======================================================================== runner

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corio-bin", help="path of corio-redis")
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--reference", action="store_true", help="test redis-server instead")
    ap.add_argument("--redis-server", default="/usr/bin/redis-server")
    ap.add_argument("--only", default="", help="comma-separated case ids or prefixes")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="whole run, seconds")
    ARGS = support.ARGS = ap.parse_args()
    if ARGS.list:
        for c in CASES:
            print("%-3s %s (limit %ds)" % (c.cid, c.title, c.timeout))
        return 0
    if not ARGS.reference and not ARGS.corio_bin:
        ap.error("--corio-bin PATH is required (or --reference)")
    if ARGS.corio_bin:
        ARGS.corio_bin = os.path.abspath(ARGS.corio_bin)
    wanted = [w.strip() for w in ARGS.only.split(",") if w.strip()]
    cases = [c for c in CASES if not wanted or any(c.cid.startswith(w) for w in wanted)]
    workdir = tempfile.mkdtemp(prefix="redis-clients-")
    results = {"passed": 0, "failed": 0}
    finished = threading.Event()

    def final_line():
        print("redis-clients: %d passed, %d failed" % (results["passed"], results["failed"]), flush=True)

    def on_signal(signum, _frame):
        print("interrupted by signal %d" % signum, flush=True)
        stop_all_servers()
        results["failed"] += 1
        final_line()
        os._exit(1)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def overall_watchdog():
        if not finished.wait(ARGS.timeout):
            print("whole run exceeded --timeout %.0fs; stopping" % ARGS.timeout, flush=True)
            stop_all_servers()
            results["failed"] += 1
            final_line()
            os._exit(1)
    threading.Thread(target=overall_watchdog, daemon=True).start()

    target = "redis-server (reference)" if ARGS.reference else "corio-redis --loops %d" % ARGS.loops
    print("testing %s; logs in %s" % (target, workdir), flush=True)
    server = None
    try:
        for c in cases:
            problem = None
            if server is None or not server.alive():
                try:
                    server = Server("main", [], workdir).start()
                except (RuntimeError, OSError) as e:
                    results["failed"] += 1
                    print("FAIL %s %s\n    - cannot start the server: %s" % (c.cid, c.title, e), flush=True)
                    server = None
                    continue
            try:
                fc = resp.Connection(server.port)
                rep = fc.command("FLUSHALL", timeout=10)
                fc.close()
                if not (isinstance(rep, resp.Reply) and rep.raw == b"+OK\r\n"):
                    problem = "FLUSHALL before the case: %s" % reply_text(rep)
            except OSError as e:
                problem = "cannot connect before the case: %s" % e
            ctx = Ctx(server, workdir)
            t0 = time.monotonic()
            if problem:
                ctx.fail(problem)
            else:
                def body():
                    try:
                        c.fn(ctx)
                    except Exception as e:
                        tb = traceback.extract_tb(e.__traceback__)
                        where = next((f"line {f.lineno}" for f in reversed(tb)
                                      if f.filename == os.path.abspath(__file__) or
                                      f.filename.endswith("clients_test.py")), "?")
                        ctx.fail("unexpected %s at %s: %s" % (type(e).__name__, where, short(str(e), 400)))
                th = threading.Thread(target=body, daemon=True)
                th.start()
                th.join(c.timeout)
                if th.is_alive():
                    ctx.fail("case did not finish within its %ds limit" % c.timeout)
            ctx.cleanup()
            restart = False
            if not server.alive():
                ctx.fail("the server process exited (status %s) during the case; log tail:\n%s"
                         % (server.proc.returncode, server.log_tail()))
                restart = True
            elif not server.ping_ok(3.0):
                ctx.fail("after the case the server does not answer PING on a fresh connection")
                restart = True
            elif th_alive(ctx, c):
                restart = True
            dt = time.monotonic() - t0
            if ctx.failures:
                results["failed"] += 1
                print("FAIL %s %s (%.1fs)" % (c.cid, c.title, dt), flush=True)
                for f in ctx.failures:
                    print("    - " + f.replace("\n", "\n      "), flush=True)
            else:
                results["passed"] += 1
                print("PASS %s %s (%.1fs)%s" % (c.cid, c.title, dt,
                                               ("  [" + "; ".join(ctx.notes) + "]") if ctx.notes else ""),
                      flush=True)
            if ctx.failures and ctx.notes:
                print("    note: " + "; ".join(ctx.notes), flush=True)
            if restart:
                server.stop()
                server = None
    finally:
        finished.set()
        stop_all_servers()
        shutil.rmtree(workdir, ignore_errors=True) if results["failed"] == 0 else None
    if results["failed"]:
        print("server logs kept in %s" % workdir)
    final_line()
    return 1 if results["failed"] else 0


def th_alive(ctx, c):
    return any("did not finish within" in f for f in ctx.failures)


if __name__ == "__main__":
    sys.exit(main())
