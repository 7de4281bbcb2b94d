"""The servers the Redis tests start (clients_support.py, command_docs_support.py): each on a
free 127.0.0.1 port, its output in a log file, ready once it answers PING, and stopped by its
PID on every way out (SIGTERM, then SIGKILL; SIGKILL too if the test itself dies, through
PR_SET_PDEATHSIG). Standard library only (and resp.py next to this file).
"""

import ctypes
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time

import resp

HOST = "127.0.0.1"

LIVE_SERVERS = []
LIVE_LOCK = threading.Lock()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pdeathsig():
    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Server:
    """A server process. argv(port) gives its command line (a subclass may override it, or
    pass argv_fn); `password` is sent with AUTH before the readiness PING."""

    def __init__(self, label, argv_fn=None, workdir=None, password=None):
        self.label = label
        self.argv_fn = argv_fn
        self.workdir = workdir
        self.password = password
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, re.sub(r"\W", "_", label) + ".log")

    def argv(self, port):
        return self.argv_fn(port)

    def start(self, ready_timeout=10.0):
        last = ""
        for _ in range(3):
            self.port = free_port()
            argv = self.argv(self.port)
            with open(self.log_path, "ab") as log:
                log.write(("== %s\n" % " ".join(shlex.quote(a) for a in argv)).encode())
                log.flush()
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=self.workdir,
                                             start_new_session=True, preexec_fn=_pdeathsig)
            with LIVE_LOCK:
                LIVE_SERVERS.append(self)
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = "exited with status %s" % self.proc.returncode
                    break
                if self.ping_ok(0.5, self.password):
                    return self
                time.sleep(0.05)
            else:
                last = "no PONG within %.0fs" % ready_timeout
            self.stop()
        raise RuntimeError("%s did not start: %s\n%s" % (self.label, last, self.log_tail()))

    def ping_ok(self, timeout=2.0, password=None):
        try:
            c = resp.Connection(self.port, connect_timeout=timeout)
        except OSError:
            return False
        try:
            if password:
                c.command("AUTH", password, timeout=timeout)
            r = c.command("PING", timeout=timeout)
            return isinstance(r, resp.Reply) and r.raw == b"+PONG\r\n"
        finally:
            c.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait(timeout=5)
        with LIVE_LOCK:
            if self in LIVE_SERVERS:
                LIVE_SERVERS.remove(self)

    def log_tail(self, n=15):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join("      | " + line for line in lines[-n:])
        except OSError:
            return ""


def stop_all_servers():
    with LIVE_LOCK:
        servers = list(LIVE_SERVERS)
    for s in servers:
        try:
            s.stop()
        except Exception:
            pass
