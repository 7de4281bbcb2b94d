#!/usr/bin/env python3
"""tls-idle.py: resident memory per idle TLS connection in corio-echo.

Starts corio-echo (one loop) on a tls:// address with a throwaway certificate, opens N TLS
connections with Python's ssl module (one round trip each, so every connection is past its
handshake and has read once), waits past idle_release, and prints the server's VmRSS growth
per connection. Usage: perf/tls-idle.py [N=1000] [BUILD=build]. Stops only what it started.
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
build = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build")
echo = os.path.join(build, "samples", "echo", "corio-echo")

with tempfile.TemporaryDirectory() as d:
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen([echo, "--loops", "1", "--address", f"tls://127.0.0.1:{port}",
                               "--tls-cert", cert, "--tls-key", key], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)

        def rss_kib():
            with open(f"/proc/{server.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        ctx = ssl.create_default_context(cafile=cert)
        before = rss_kib()
        conns = []
        for _ in range(n):
            t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)),
                                server_hostname="localhost")
            t.sendall(b"x")
            t.recv(1)
            conns.append(t)
        time.sleep(2.5)  # past idle_release (1 s by default)
        held = rss_kib()
        print(f"{n} idle TLS connections: server RSS {before} -> {held} KiB, "
              f"{(held - before) / n:.1f} KiB/conn")
        for t in conns:
            t.close()
    finally:
        server.terminate()
        server.wait()
