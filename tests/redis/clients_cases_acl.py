"""Real-client cases: ACL users from an aclfile (start-up, ACL SAVE and LOAD), requirepass as
the default user's password, the connections of deleted users, rules changed while clients on
every loop use them, rename-command, and the TLS port with redis-cli --tls and redis-py's ssl
(case 14). The TLS case makes a throwaway CA and certificates with openssl in a temporary
directory. Each case that changes users on the shared server puts them back."""

import hashlib
import os
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients_support as support  # noqa: E402
import resp  # noqa: E402
from clients_support import *  # noqa: E402,F401,F403

import redis  # noqa: E402
from redis.exceptions import ResponseError  # noqa: E402,F401

# ======================================================================== 12: ACL and TLS


def _sha(password):
    return hashlib.sha256(password.encode()).hexdigest()


def _run(argv, stdin=b"", timeout=30):
    try:
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ss" % timeout


def _raw_is(ctx, conn, args, want, what=None):
    rep = conn.command(*args, timeout=10)
    ok = isinstance(rep, resp.Reply) and (rep.raw == want if isinstance(want, bytes)
                                          else rep.raw.startswith(want[0]))
    ctx.check(ok, lambda: "%s: got %s, want %s" % (what or " ".join(args), reply_text(rep),
                                                   resp.escape(want if isinstance(want, bytes)
                                                               else want[0] + b"...")))
    return rep


def _acl_list(conn):
    rep = conn.command("ACL", "LIST", timeout=10)
    if not isinstance(rep, resp.Reply) or rep.type != "*":
        raise AssertionError("ACL LIST: %s" % reply_text(rep))
    return [e.value.decode() for e in rep.value]


def _closed_within(conn, seconds):
    """The server closes conn within `seconds` (anything it sends first is read and dropped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = conn.read_reply(max(0.05, deadline - time.monotonic()))
        if r is resp.EOF:
            return True
        if r is resp.TIMEOUT:
            return False
    return False


@case("14a", "aclfile: users at start-up, ACL SAVE and ACL LOAD, their errors", timeout=90)
def t_aclfile(ctx):
    path = os.path.join(ctx.workdir, "users-%d.acl" % os.getpid())
    with open(path, "w") as f:
        f.write("user default on nopass ~* &* +@all\n"
                "user alice on >a1 ~a:* +@all\n"
                "\n"
                "user bob off #%s ~* -@all +get\n" % _sha("b"))
    srv = ctx.start_server("aclfile-server", ["--aclfile", path])
    c = ctx.raw(srv.port)
    want = ["user alice on #%s ~a:* resetchannels +@all" % _sha("a1"),
            "user bob off #%s ~* resetchannels -@all +get" % _sha("b"),
            "user default on nopass ~* &* +@all"]
    ctx.eq("ACL LIST of the aclfile's users", _acl_list(c), want)
    alice = ctx.client(srv.port, username="alice", password="a1")
    ctx.eq("alice: SET a:1", alice.set("a:1", "x"), True)
    ctx.raises("alice: SET b:1", lambda: alice.set("b:1", "x"), "no permissions to access one of the keys")
    ctx.eq("alice: ACL WHOAMI", alice.execute_command("ACL", "WHOAMI"), "alice")
    ctx.raises("bob (off): AUTH", lambda: ctx.client(srv.port, username="bob", password="b").ping(),
               "invalid username-password pair", exc=redis.exceptions.RedisError)

    # ACL SAVE writes ACL LIST's lines; ACL LOAD reads the file back and closes the
    # connections of every user but default (Redis makes them anew).
    _raw_is(ctx, c, ("ACL", "SETUSER", "carol", "on", ">c", "~c:*", "+@read"), b"+OK\r\n")
    _raw_is(ctx, c, ("ACL", "SAVE"), b"+OK\r\n")
    with open(path) as f:
        saved = f.read().splitlines()
    listed = _acl_list(c)
    ctx.eq("the saved file is ACL LIST", saved, listed)
    a = ctx.raw(srv.port)
    _raw_is(ctx, a, ("AUTH", "alice", "a1"), b"+OK\r\n")
    d = ctx.raw(srv.port)
    _raw_is(ctx, d, ("PING",), b"+PONG\r\n")
    with open(path, "a") as f:
        f.write("user dave on nopass ~* +ping\n")
    _raw_is(ctx, c, ("ACL", "LOAD"), b"+OK\r\n")
    ctx.eq("ACL LIST after ACL LOAD", _acl_list(c), sorted(listed + ["user dave on nopass ~* resetchannels -@all +ping"]))
    ctx.check(_closed_within(a, 3.0), "alice's connection stayed open after ACL LOAD")
    _raw_is(ctx, d, ("PING",), b"+PONG\r\n", "the default user's connection after ACL LOAD")

    # A wrong file changes nothing, and says why as Redis does.
    good = open(path).read()
    with open(path, "w") as f:
        f.write("user erin on nopass\nuser frank bogus\nuser gina +nosuch\n")
    _raw_is(ctx, c, ("ACL", "LOAD"),
            ("-ERR %s:2: Syntax error. %s:3: Error in applying operation '+nosuch': Unknown command "
             "or category name in ACL. WARNING: ACL errors detected, no change to the previously "
             "active ACL rules was performed\r\n" % (path, path)).encode())
    ctx.check("erin" not in " ".join(_acl_list(c)), "a failed ACL LOAD added erin")
    with open(path, "w") as f:
        f.write(good)

    # The saved file starts a server with the same users.
    c.close()
    srv.stop()
    srv2 = ctx.start_server("aclfile-server-2", ["--aclfile", path])
    c2 = ctx.raw(srv2.port)
    ctx.eq("ACL LIST after a restart", _acl_list(c2), sorted(listed + ["user dave on nopass ~* resetchannels -@all +ping"]))
    # No aclfile there: the server does not start; and none configured: ACL SAVE says so.
    missing = os.path.join(ctx.workdir, "no-such-%d.acl" % os.getpid())
    try:
        s3 = ctx.start_server("aclfile-missing", ["--aclfile", missing])
        ctx.fail("a server with a missing aclfile started (port %d)" % s3.port)
    except RuntimeError:
        pass
    _raw_is(ctx, ctx.ctl(), ("ACL", "SAVE"), (b"-ERR This Redis instance is not configured to use an ACL file.",))


@case("14b", "requirepass is the default user's password; CONFIG SET requirepass; default off", timeout=60)
def t_default_user(ctx):
    srv = ctx.start_server("default-user-server", ["--requirepass", "s1"], password="s1")
    c = ctx.raw(srv.port)
    _raw_is(ctx, c, ("PING",), b"-NOAUTH Authentication required.\r\n")
    _raw_is(ctx, c, ("AUTH", "s1"), b"+OK\r\n")
    ctx.eq("ACL LIST", _acl_list(c), ["user default on #%s ~* &* +@all" % _sha("s1")])
    _raw_is(ctx, c, ("CONFIG", "SET", "requirepass", "s2"), b"+OK\r\n")
    ctx.eq("ACL LIST after CONFIG SET requirepass s2", _acl_list(c),
           ["user default on #%s ~* &* +@all" % _sha("s2")])
    _raw_is(ctx, c, ("PING",), b"+PONG\r\n", "PING on the connection that authenticated before")
    n = ctx.raw(srv.port)
    _raw_is(ctx, n, ("AUTH", "s1"), b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
    _raw_is(ctx, n, ("AUTH", "default", "s2"), b"+OK\r\n")
    r = ctx.client(srv.port, password="s2")
    ctx.eq("redis-py with the new password", r.set("k", "v"), True)
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(srv.port), "--user", "default", "--pass", "s2",
                         "--no-auth-warning", "ACL", "WHOAMI"])
    ctx.eq("redis-cli --user default --pass s2 ACL WHOAMI", (rc, out), (0, "default\n"))

    # Another user, and the default user switched off: new connections must AUTH as someone.
    _raw_is(ctx, c, ("ACL", "SETUSER", "admin", "on", ">adm", "~*", "&*", "+@all"), b"+OK\r\n")
    _raw_is(ctx, c, ("ACL", "SETUSER", "default", "off"), b"+OK\r\n")
    n2 = ctx.raw(srv.port)
    _raw_is(ctx, n2, ("PING",), b"-NOAUTH Authentication required.\r\n")
    _raw_is(ctx, n2, ("AUTH", "s2"), b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
    _raw_is(ctx, n2, ("HELLO", "3", "AUTH", "admin", "adm"), (b"%",))
    _raw_is(ctx, n2, ("ACL", "WHOAMI"), b"$5\r\nadmin\r\n")
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(srv.port), "--user", "admin", "--pass", "adm",
                         "--no-auth-warning", "GET", "k"])
    ctx.eq("redis-cli --user admin GET k", (rc, out), (0, "v\n"))
    # Back to no password: clients are in without AUTH (as Redis, even the waiting one).
    _raw_is(ctx, c, ("ACL", "SETUSER", "default", "on"), b"+OK\r\n")
    _raw_is(ctx, c, ("CONFIG", "SET", "requirepass", ""), b"+OK\r\n")
    ctx.eq("ACL LIST's default user", [l for l in _acl_list(c) if l.startswith("user default")],
           ["user default on nopass ~* &* +@all"])
    n3 = ctx.raw(srv.port)
    _raw_is(ctx, n3, ("PING",), b"+PONG\r\n", "PING with no password set")
    _raw_is(ctx, n3, ("AUTH", "x"), (b"-ERR AUTH <password> called without any password configured",))


@case("14c", "deleted users: their connections (and subscribers) are closed, others stay", timeout=60)
def t_deleted_user(ctx):
    ctl = ctx.ctl()
    try:
        _raw_is(ctx, ctl, ("ACL", "SETUSER", "gone", "on", ">g", "~*", "&*", "+@all"), b"+OK\r\n")
        _raw_is(ctx, ctl, ("ACL", "SETUSER", "stays", "on", ">s", "~*", "&*", "+@all"), b"+OK\r\n")
        conns = []
        for i in range(8):  # spread over the loops
            c = ctx.raw()
            _raw_is(ctx, c, ("AUTH", "gone", "g"), b"+OK\r\n")
            conns.append(c)
        sub = ctx.raw()
        _raw_is(ctx, sub, ("AUTH", "gone", "g"), b"+OK\r\n")
        _raw_is(ctx, sub, ("SUBSCRIBE", "news"), (b"*3\r\n$9\r\nsubscribe",))
        other = ctx.raw()
        _raw_is(ctx, other, ("AUTH", "stays", "s"), b"+OK\r\n")
        py = ctx.client(username="gone", password="g")
        ctx.eq("redis-py as gone: PING", py.ping(), True)
        lines = ctl.command("CLIENT", "LIST", timeout=10)
        text = lines.value.decode() if isinstance(lines, resp.Reply) and lines.value else ""
        ctx.eq("CLIENT LIST lines with user=gone", text.count(" user=gone "), 10)
        _raw_is(ctx, ctl, ("ACL", "DELUSER", "gone"), b":1\r\n")
        for i, c in enumerate(conns):
            ctx.check(_closed_within(c, 3.0), "connection %d of the deleted user stayed open" % i)
        ctx.check(_closed_within(sub, 3.0), "the deleted user's subscriber stayed open")
        _raw_is(ctx, other, ("PING",), b"+PONG\r\n", "another user's connection")
        try:
            py.ping()
            ctx.fail("redis-py as the deleted user: PING worked")
        except (redis.exceptions.ConnectionError, redis.exceptions.AuthenticationError,
                redis.exceptions.ResponseError):
            pass
    finally:
        ctl.command("ACL", "DELUSER", "gone", "stays", timeout=10)
        ctl.command("ACL", "LOG", "RESET", timeout=10)


@case("14d", "rules changed on one loop apply at once on every loop; keys across shards", timeout=60)
def t_rules_everywhere(ctx):
    ctl = ctx.ctl()
    try:
        _raw_is(ctx, ctl, ("ACL", "SETUSER", "alice", "on", ">p", "~a:*", "+@all"), b"+OK\r\n")
        conns = []
        for i in range(16):
            c = ctx.raw()
            _raw_is(ctx, c, ("AUTH", "alice", "p"), b"+OK\r\n")
            _raw_is(ctx, c, ("SET", "a:%d" % i, "v"), b"+OK\r\n")
            conns.append(c)
        _raw_is(ctx, ctl, ("ACL", "SETUSER", "alice", "-get"), b"+OK\r\n")
        for i, c in enumerate(conns):
            _raw_is(ctx, c, ("GET", "a:%d" % i),
                    b"-NOPERM this user has no permissions to run the 'get' command\r\n",
                    "GET on connection %d after -get" % i)
        _raw_is(ctx, ctl, ("ACL", "SETUSER", "alice", "+get"), b"+OK\r\n")
        for i, c in enumerate(conns):
            _raw_is(ctx, c, ("GET", "a:%d" % i), b"$1\r\nv\r\n", "GET on connection %d after +get" % i)
        # Keys on many shards: one refused key refuses the whole command, nothing is written.
        c = conns[0]
        keys = ["a:m%d" % i for i in range(32)] + ["b:m"]
        args = ["MSET"]
        for k in keys:
            args += [k, "1"]
        _raw_is(ctx, c, tuple(args),
                b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n")
        rep = ctl.command("EXISTS", *keys, timeout=10)
        ctx.check(isinstance(rep, resp.Reply) and rep.value == 0,
                  "a refused MSET wrote keys: EXISTS = %s" % reply_text(rep))
        rep = c.command("MGET", *keys[:32], timeout=10)
        ctx.check(isinstance(rep, resp.Reply) and rep.type == "*" and len(rep.value) == 32,
                  "MGET of alice's keys on every shard: %s" % reply_text(rep))
        # MULTI: a refused command fails EXEC.
        _raw_is(ctx, c, ("MULTI",), b"+OK\r\n")
        _raw_is(ctx, c, ("SET", "a:t", "1"), b"+QUEUED\r\n")
        _raw_is(ctx, c, ("SET", "b:t", "1"), (b"-NOPERM",))
        _raw_is(ctx, c, ("EXEC",), b"-EXECABORT Transaction discarded because of previous errors.\r\n")
        rep = ctl.command("ACL", "LOG", "1", timeout=10)
        ok = isinstance(rep, resp.Reply) and rep.type == "*" and len(rep.value) == 1
        fields = {}
        if ok:
            v = [x.value for x in rep.value[0].value]
            fields = dict(zip(v[0::2], v[1::2]))
        ctx.check(ok and fields.get(b"reason") == b"key" and fields.get(b"context") == b"multi" and
                  fields.get(b"object") == b"b:t" and fields.get(b"username") == b"alice" and
                  b" user=alice " in fields.get(b"client-info", b""),
                  "ACL LOG 1 after the refused SET in MULTI: %s" % reply_text(rep))
    finally:
        ctl.command("ACL", "DELUSER", "alice", timeout=10)
        ctl.command("ACL", "LOG", "RESET", timeout=10)


@case("14e", "rename-command on the command line and in a config file", timeout=60)
def t_rename_command(ctx):
    long_name = "b840fc02d524045429941cc15f59e41cb7be6c52"  # redis.conf's example
    srv = ctx.start_server("rename-server", ["--rename-command", "FLUSHALL", "myflush",
                                             "--rename-command", "CONFIG", "",
                                             "--rename-command", "echo", long_name])
    c = ctx.raw(srv.port)
    _raw_is(ctx, c, ("FLUSHALL",), b"-ERR unknown command 'FLUSHALL', with args beginning with: \r\n")
    _raw_is(ctx, c, ("myflush",), b"+OK\r\n")
    _raw_is(ctx, c, ("MYFLUSH",), b"+OK\r\n")
    _raw_is(ctx, c, ("CONFIG", "GET", "port"),
            b"-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n")
    _raw_is(ctx, c, (long_name.upper(), "hi"), b"$2\r\nhi\r\n", "ECHO under its 40-character name")
    _raw_is(ctx, c, ("ECHO", "hi"), (b"-ERR unknown command 'ECHO'",))
    # ACL rules name commands by their own names.
    _raw_is(ctx, c, ("ACL", "SETUSER", "u", "+flushall"), b"+OK\r\n")
    _raw_is(ctx, c, ("ACL", "SETUSER", "u", "+myflush"),
            b"-ERR Error in ACL SETUSER modifier '+myflush': Unknown command or category name in ACL\r\n")
    _raw_is(ctx, c, ("ACL", "DRYRUN", "u", "myflush"), b"+OK\r\n")
    _raw_is(ctx, c, ("ACL", "DRYRUN", "u", "flushall"), b"-ERR Command 'flushall' not found\r\n")
    conf = os.path.join(ctx.workdir, "rename-%d.conf" % os.getpid())
    with open(conf, "w") as f:
        f.write("rename-command flushdb zap\n")
    srv2 = ctx.start_server("rename-server-2", [], conf=conf)
    c2 = ctx.raw(srv2.port)
    _raw_is(ctx, c2, ("ZAP",), b"+OK\r\n")
    _raw_is(ctx, c2, ("FLUSHDB",), (b"-ERR unknown command 'FLUSHDB'",))
    rep = c2.command("CONFIG", "GET", "rename-command", timeout=10)
    ctx.check(isinstance(rep, resp.Reply) and rep.type in "*%" and not rep.value,
              "CONFIG GET rename-command: %s" % reply_text(rep))
    _raw_is(ctx, c2, ("CONFIG", "SET", "rename-command", "get x"),
            (b"-ERR Unknown option or number of arguments for CONFIG SET - 'rename-command'",))
    for bad in (["nosuch", "x"], ["get", "set"]):
        try:
            s = ctx.start_server("rename-bad", ["--rename-command"] + bad)
            ctx.fail("a server started with rename-command %s (port %d)" % (" ".join(bad), s.port))
        except RuntimeError:
            pass


# ---- TLS

def _make_certs(ctx, d):
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    def run(*argv):
        rc, out, err = _run(["openssl"] + list(argv), timeout=60)
        if rc != 0:
            raise AssertionError("openssl %s: %s" % (" ".join(argv), err.strip()[-300:]))
    j = lambda n: os.path.join(d, n)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", j("ca.key"), "-out", j("ca.crt"),
        "-days", "2", "-subj", "/CN=corio-test-ca")
    with open(j("san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", j(name + ".key"), "-out", j(name + ".csr"),
            "-subj", "/CN=" + name)
        run("x509", "-req", "-in", j(name + ".csr"), "-CA", j("ca.crt"), "-CAkey", j("ca.key"),
            "-CAcreateserial", "-out", j(name + ".crt"), "-days", "2", "-extfile", j("san.cnf"))
    return j


class TlsServer(support.Server):
    """The server with a TLS port too (or only: plain=False gives --port 0); ready once it
    answers PING over TLS."""

    def __init__(self, label, workdir, certs, auth, plain=True):
        super().__init__(label, [], workdir)
        self.certs, self.auth, self.plain = certs, auth, plain
        self.tls_port = None

    def argv(self, port):
        self.tls_port = free_port()
        base = super().argv(port)
        if not self.plain:
            base[base.index("--port") + 1] = "0"
        return base + ["--tls-port", str(self.tls_port), "--tls-cert-file", self.certs("server.crt"),
                       "--tls-key-file", self.certs("server.key"), "--tls-ca-cert-file",
                       self.certs("ca.crt"), "--tls-auth-clients", self.auth]

    def ping_ok(self, timeout=2.0, password=None):
        return tls_ping(self.tls_port, self.certs, client_cert=True, timeout=timeout) == b"+PONG\r\n"


def tls_ping(port, certs, client_cert, timeout=3.0):
    """PING over TLS: the reply's bytes, or None if the handshake or the read failed."""
    context = ssl.create_default_context(cafile=certs("ca.crt"))
    if client_cert:
        context.load_cert_chain(certs("client.crt"), certs("client.key"))
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=HOST) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                return s.recv(64) or None
    except (OSError, ssl.SSLError):
        return None


def _cli_tls(port, certs, client_cert, *args):
    argv = ["redis-cli", "-h", HOST, "-p", str(port), "--tls", "--cacert", certs("ca.crt")]
    if client_cert:
        argv += ["--cert", certs("client.crt"), "--key", certs("client.key")]
    return _run(argv + list(args), timeout=20)


@case("14f", "TLS port: redis-cli --tls and redis-py ssl; tls-auth-clients yes/no/optional; port 0", timeout=120)
def t_tls(ctx):
    d = os.path.join(ctx.workdir, "tls-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    certs = _make_certs(ctx, d)

    def start(label, auth, plain=True):
        s = TlsServer(label, ctx.workdir, certs, auth, plain)
        ctx.extra_servers.append(s)
        return s.start()

    # tls-auth-clients no: plain and TLS ports at once, no client certificate asked for.
    srv = start("tls-no", "no")
    rc, out, err = _cli_tls(srv.tls_port, certs, False, "SET", "tk", "tv")
    ctx.eq("redis-cli --tls SET (no client certificate)", (rc, out), (0, "OK\n"))
    rc, out, err = _cli_tls(srv.tls_port, certs, False, "GET", "tk")
    ctx.eq("redis-cli --tls GET", (rc, out), (0, "tv\n"))
    plain = ctx.raw(srv.port)
    _raw_is(ctx, plain, ("GET", "tk"), b"$2\r\ntv\r\n", "GET on the plain port of the TLS server")
    r = ctx.client(srv.tls_port, ssl=True, ssl_ca_certs=certs("ca.crt"), ssl_cert_reqs="required")
    ctx.eq("redis-py ssl: SET", r.set("py", "1"), True)
    ctx.eq("redis-py ssl: INCR", r.incr("py"), 2)
    ctx.eq("redis-py ssl: MGET", r.mget("tk", "py"), ["tv", "2"])
    big = "x" * 300000  # several TLS records each way
    ctx.eq("redis-py ssl: SET of 300 KB", r.set("big", big), True)
    ctx.check(r.get("big") == big, "redis-py ssl: GET of 300 KB returned something else")
    with r.pipeline(transaction=False) as p:
        for i in range(500):
            p.incr("pc")
        ctx.eq("redis-py ssl: a 500-command pipeline", p.execute()[-1], 500)
    rc, out, err = _run(["redis-cli", "-h", HOST, "-p", str(srv.tls_port), "PING"], timeout=10)
    ctx.check(out.strip() != "PONG", "a plain-text client on the TLS port got PONG")
    ctx.check(tls_ping(srv.tls_port, certs, False) == b"+PONG\r\n", "the TLS port after a plain-text client")

    # yes (the default): a client certificate signed by the CA is required.
    srv = start("tls-yes", "yes")
    rc, out, err = _cli_tls(srv.tls_port, certs, False, "PING")
    ctx.check(out.strip() != "PONG", "tls-auth-clients yes: PING without a client certificate: %r" % out)
    rc, out, err = _cli_tls(srv.tls_port, certs, True, "PING")
    ctx.eq("tls-auth-clients yes: PING with a client certificate", (rc, out), (0, "PONG\n"))
    r = ctx.client(srv.tls_port, ssl=True, ssl_ca_certs=certs("ca.crt"), ssl_certfile=certs("client.crt"),
                   ssl_keyfile=certs("client.key"))
    ctx.eq("redis-py ssl with a client certificate: PING", r.ping(), True)

    # optional: with or without one.
    srv = start("tls-optional", "optional")
    ctx.eq("tls-auth-clients optional, no certificate", tls_ping(srv.tls_port, certs, False), b"+PONG\r\n")
    ctx.eq("tls-auth-clients optional, a certificate", tls_ping(srv.tls_port, certs, True), b"+PONG\r\n")

    # port 0: only the TLS port.
    srv = start("tls-only", "no", plain=False)
    rc, out, err = _cli_tls(srv.tls_port, certs, False, "CONFIG", "GET", "port")
    ctx.eq("port 0: CONFIG GET port over TLS", (rc, out), (0, "port\n0\n"))
    rc, out, err = _cli_tls(srv.tls_port, certs, False, "CONFIG", "GET", "tls-port")
    ctx.eq("port 0: CONFIG GET tls-port over TLS", (rc, out), (0, "tls-port\n%d\n" % srv.tls_port))
