#!/usr/bin/python3
"""What the real-client tests share (clients_test.py and its clients_cases_*.py): the
servers they start and stop by PID, the per-case context with its connections and checks,
raw RESP sockets, and the case registry (@case)."""

import argparse
import collections
import ctypes
import fnmatch
import os
import random
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resp  # noqa: E402
import servers  # noqa: E402
from servers import (  # noqa: E402,F401
    HOST, LIVE_LOCK, LIVE_SERVERS, _pdeathsig, free_port, stop_all_servers)

import redis  # noqa: E402
from redis.exceptions import WatchError, ResponseError  # noqa: E402

ARGS = None


# ------------------------------------------------------------------------ helpers

def short(value, limit=300):
    if isinstance(value, (bytes, bytearray)):
        return resp.escape(value, limit)
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "...(%d chars)" % len(text)
    return text


def rst_close(sock):
    """Closes with an RST instead of a FIN (SO_LINGER on, timeout 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def raw_socket(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def cmd(*args):
    return resp.encode_command(args)


def reply_text(r):
    if r is resp.EOF:
        return "EOF (connection closed)"
    if r is resp.TIMEOUT:
        return "no reply (timeout)"
    return resp.escape(r.raw, 300)


# ------------------------------------------------------------------------ servers

class Server(servers.Server):
    """corio-redis (or, with --reference, redis-server) with this run's options."""

    def __init__(self, label, extra=(), workdir=None, password=None, conf=None):
        super().__init__(label, workdir=workdir, password=password)
        self.conf = conf            # a config file, given first on the command line
        self.extra = list(extra)

    def argv(self, port):
        conf = [self.conf] if self.conf else []
        if ARGS.reference:
            return [ARGS.redis_server] + conf + ["--port", str(port), "--bind", HOST, "--save", "",
                                                 "--appendonly", "no"] + self.extra
        return [ARGS.corio_bin] + conf + ["--port", str(port), "--bind", HOST, "--save", "",
                                          "--loops", str(ARGS.loops)] + self.extra

    def rss_mb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return -1


# ------------------------------------------------------------------------ test context

class Ctx:
    def __init__(self, server, workdir):
        self.server = server
        self.port = server.port
        self.workdir = workdir
        self.failures = []
        self.notes = []
        self._lock = threading.Lock()
        self._clients = []
        self._conns = []
        self._ctl = None
        self.extra_servers = []

    # reporting
    def fail(self, msg):
        with self._lock:
            if len(self.failures) < 40:
                self.failures.append(msg)
            elif len(self.failures) == 40:
                self.failures.append("(further failures not shown)")

    def note(self, msg):
        with self._lock:
            self.notes.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg() if callable(msg) else msg)
        return bool(cond)

    def eq(self, what, actual, expected):
        if actual != expected:
            self.fail("%s: expected %s, got %s" % (what, short(expected), short(actual)))
            return False
        return True

    def raises(self, what, fn, contains, exc=ResponseError):
        try:
            value = fn()
        except exc as e:
            if contains not in str(e):
                self.fail("%s: error %r does not contain %r" % (what, str(e), contains))
            return
        except Exception as e:
            self.fail("%s: expected %s containing %r, got %s: %s"
                      % (what, exc.__name__, contains, type(e).__name__, e))
            return
        self.fail("%s: expected an error containing %r, got %s" % (what, contains, short(value)))

    # connections
    def client(self, port=None, **kw):
        opts = dict(host=HOST, port=port or self.port, socket_timeout=10,
                    socket_connect_timeout=5, decode_responses=True)
        opts.update(kw)
        r = redis.Redis(**opts)
        with self._lock:
            self._clients.append(r)
        return r

    def raw(self, port=None):
        c = resp.Connection(port or self.port)
        with self._lock:
            self._conns.append(c)
        return c

    def ctl(self):
        if self._ctl is None or self._ctl.eof:
            self._ctl = self.raw()
        return self._ctl

    def info(self, section="clients", conn=None):
        c = conn or self.ctl()
        r = c.command("INFO", section, timeout=5)
        if not isinstance(r, resp.Reply) or r.type not in "$=" or r.value is None:
            raise AssertionError("INFO %s: %s" % (section, reply_text(r)))
        out = {}
        for line in r.value.decode("utf-8", "replace").splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def info_int(self, field, section="clients"):
        return int(self.info(section).get(field, "-1"))

    def wait_until(self, pred, timeout, interval=0.01):
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() >= deadline:
                return v
            time.sleep(interval)

    def wait_blocked(self, n, timeout=3.0):
        got = self.wait_until(lambda: self.info_int("blocked_clients") == n, timeout)
        if not got:
            self.fail("INFO blocked_clients did not reach %d within %.0fs (it is %d)"
                      % (n, timeout, self.info_int("blocked_clients")))
        return got

    def spawn(self, fn, *a):
        """Runs fn(*a) in a daemon thread; returns a Job."""
        job = Job(fn, a)
        job.thread.start()
        return job

    def start_server(self, label, extra, password=None, conf=None):
        s = Server(label, extra, self.workdir, password, conf)
        self.extra_servers.append(s)
        return s.start()

    def cleanup(self):
        with self._lock:
            clients, conns = list(self._clients), list(self._conns)
        for r in clients:
            try:
                r.connection_pool.disconnect()
            except Exception:
                pass
        for c in conns:
            c.close()
        for s in self.extra_servers:
            s.stop()


class Job:
    def __init__(self, fn, args):
        self.value = None
        self.error = None
        self.done = threading.Event()
        self.started = time.monotonic()
        self.finished = None

        def run():
            try:
                self.value = fn(*args)
            except BaseException as e:  # noqa: B902 - reported by result()
                self.error = e
            finally:
                self.finished = time.monotonic()
                self.done.set()
        self.thread = threading.Thread(target=run, daemon=True)

    def result(self, timeout):
        """(finished, value, exception)."""
        if not self.done.wait(timeout):
            return False, None, None
        return True, self.value, self.error

    def elapsed(self):
        return (self.finished or time.monotonic()) - self.started


# ------------------------------------------------------------------------ case registry

class Case:
    def __init__(self, cid, title, timeout, fn):
        self.cid, self.title, self.timeout, self.fn = cid, title, timeout, fn


CASES = []


def case(cid, title, timeout=60):
    def deco(fn):
        CASES.append(Case(cid, title, timeout, fn))
        return fn
    return deco
