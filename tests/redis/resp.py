"""A minimal raw RESP client for the differential tests (standard library only).

    conn = Connection(port)               # loopback only
    conn.send_command("SET", "k", "v")    # a RESP array of bulk strings
    conn.send_raw(b"PING\\r\\n")            # any bytes, e.g. inline or malformed protocol
    r = conn.read_reply(timeout=3.0)      # one complete reply, or EOF, or TIMEOUT

read_reply() returns a Reply (its .raw is the exact bytes the server sent for it, its
.type the RESP type byte as a one-character str, its .value the parsed value), or one of
the two sentinels EOF (the server closed the connection; .partial of the connection keeps
any bytes of an unfinished reply) and TIMEOUT (no complete reply before the deadline). A
reply that is not valid RESP raises ProtocolError.

Parsed values by type:
  + - ( ,       bytes (simple string, error, big number and double keep their text)
  :             int
  #             bool
  _             None
  $ ! =         bytes, or None for the RESP2 null bulk "$-1"; "=" keeps "txt:" in front
  * ~ >         list of Reply, or None for the RESP2 null array "*-1"
  %             list of (Reply, Reply) pairs
  |             an attribute: it is read together with the reply that follows it; that
                reply is returned, with .attrs set to the list of pairs
"""

import ipaddress
import re
import socket
import time

__all__ = ["Reply", "Connection", "ProtocolError", "EOF", "TIMEOUT", "encode_command",
           "parse_reply", "Incomplete", "escape"]


class _Sentinel:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __bool__(self):
        return False


EOF = _Sentinel("EOF")
TIMEOUT = _Sentinel("TIMEOUT")


class ProtocolError(Exception):
    """The server sent bytes that are not a valid RESP reply."""

    def __init__(self, message, raw=b""):
        super().__init__(message)
        self.raw = bytes(raw)


class Incomplete(Exception):
    """More bytes are needed to finish the reply."""


class Reply:
    __slots__ = ("type", "value", "raw", "attrs")

    def __init__(self, type_, value, raw, attrs=None):
        self.type = type_
        self.value = value
        self.raw = raw
        self.attrs = attrs

    def is_error(self):
        return self.type in "-!"

    def is_aggregate(self):
        return self.type in "*~>%"

    def elements(self):
        """Elements of an aggregate (a map gives its pairs as 2-tuples); [] for a null."""
        if self.type == "%":
            return list(self.value)
        if self.type in "*~>":
            return list(self.value or [])
        raise TypeError("not an aggregate reply: %r" % self.type)

    def to_python(self):
        """Plain Python structure: bytes/int/bool/None/list/dict (maps become lists of pairs
        when keys are not hashable)."""
        t = self.type
        if t in "*~>":
            return None if self.value is None else [e.to_python() for e in self.value]
        if t == "%":
            return [(k.to_python(), v.to_python()) for k, v in self.value]
        return self.value

    def __repr__(self):
        return "Reply(%s)" % escape(self.raw)


_INT_RE = re.compile(rb"-?[0-9]+\Z")


def _int(line, raw):
    if not _INT_RE.match(line):
        raise ProtocolError("bad integer %r" % line, raw)
    return int(line)


MAX_DEPTH = 64


def parse_reply(buf, pos=0, depth=0):
    """Parses one reply from buf[pos:]; returns (Reply, next_pos). Raises Incomplete when
    buf ends first, ProtocolError on bytes that are not RESP."""
    if depth > MAX_DEPTH:
        raise ProtocolError("replies nested too deep", buf[pos:pos + 64])
    if pos >= len(buf):
        raise Incomplete()
    start = pos
    t = chr(buf[pos])
    eol = buf.find(b"\r\n", pos + 1)
    if eol < 0:
        if t not in "+-:$*_,#!=(%~>|":
            raise ProtocolError("unknown reply type byte %r" % t, buf[pos:pos + 64])
        raise Incomplete()
    line = bytes(buf[pos + 1:eol])
    nxt = eol + 2
    if t in "+-(,":
        if t == "(" and not _INT_RE.match(line):
            raise ProtocolError("bad big number %r" % line, buf[start:nxt])
        return Reply(t, line, bytes(buf[start:nxt])), nxt
    if t == ":":
        return Reply(t, _int(line, buf[start:nxt]), bytes(buf[start:nxt])), nxt
    if t == "#":
        if line not in (b"t", b"f"):
            raise ProtocolError("bad boolean %r" % line, buf[start:nxt])
        return Reply(t, line == b"t", bytes(buf[start:nxt])), nxt
    if t == "_":
        if line:
            raise ProtocolError("bad null %r" % line, buf[start:nxt])
        return Reply(t, None, bytes(buf[start:nxt])), nxt
    if t in "$!=":
        n = _int(line, buf[start:nxt])
        if n == -1 and t == "$":
            return Reply(t, None, bytes(buf[start:nxt])), nxt
        if n < 0:
            raise ProtocolError("bad length %d" % n, buf[start:nxt])
        end = nxt + n
        if len(buf) < end + 2:
            raise Incomplete()
        if buf[end:end + 2] != b"\r\n":
            raise ProtocolError("bulk not followed by CRLF", buf[start:end + 2])
        data = bytes(buf[nxt:end])
        if t == "=" and (len(data) < 4 or data[3:4] != b":"):
            raise ProtocolError("bad verbatim string", buf[start:end + 2])
        return Reply(t, data, bytes(buf[start:end + 2])), end + 2
    if t in "*~>%|":
        n = _int(line, buf[start:nxt])
        if n == -1 and t == "*":
            return Reply(t, None, bytes(buf[start:nxt])), nxt
        if n < 0:
            raise ProtocolError("bad aggregate length %d" % n, buf[start:nxt])
        p = nxt
        if t in "%|":
            pairs = []
            for _ in range(n):
                k, p = parse_reply(buf, p, depth + 1)
                v, p = parse_reply(buf, p, depth + 1)
                pairs.append((k, v))
            if t == "|":
                # An attribute decorates the reply that follows it.
                inner, p = parse_reply(buf, p, depth + 1)
                return Reply(inner.type, inner.value, bytes(buf[start:p]), pairs), p
            return Reply(t, pairs, bytes(buf[start:p])), p
        items = []
        for _ in range(n):
            e, p = parse_reply(buf, p, depth + 1)
            items.append(e)
        return Reply(t, items, bytes(buf[start:p])), p
    raise ProtocolError("unknown reply type byte %r" % t, buf[start:start + 64])


def _bulk(arg):
    if isinstance(arg, str):
        arg = arg.encode("utf-8", "surrogateescape")
    elif isinstance(arg, int):
        arg = str(arg).encode()
    return b"$%d\r\n%s\r\n" % (len(arg), arg)


def encode_command(args):
    """A command as a RESP array of bulk strings (str, bytes or int arguments)."""
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


def escape(data, limit=None):
    """Bytes shown the way redis-cli quotes them: printable ASCII as is, else \\r \\n \\t
    \\\\ \\" or \\xHH. With limit, longer data is cut and says how long it was."""
    if data is None:
        return "(none)"
    data = bytes(data)
    cut = b""
    if limit is not None and len(data) > limit:
        data, cut = data[:limit], data[limit:]
    out = []
    for b in data:
        c = chr(b)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    s = '"' + "".join(out) + '"'
    if cut:
        s += "...(%d bytes in all)" % (len(data) + len(cut))
    return s


def _check_loopback(host):
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = host == "localhost"
    if not ok:
        raise ValueError("these tests only connect to loopback addresses, not %r" % host)


class Connection:
    """One TCP connection to a RESP server on a loopback address."""

    def __init__(self, port, host="127.0.0.1", connect_timeout=3.0):
        _check_loopback(host)
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False          # the server closed (or reset) the connection
        self.eof_reason = ""
        self.partial = b""        # bytes of an unfinished reply seen before EOF

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.eof = True
        self.eof_reason = self.eof_reason or "closed by the client"

    def send_raw(self, data):
        """Sends bytes; returns False (and notes it) when the connection is already gone."""
        try:
            self.sock.settimeout(10.0)
            self.sock.sendall(data)
            return True
        except OSError as e:
            self.eof_reason = self.eof_reason or "send failed: %s" % e
            return False

    def send_command(self, *args):
        return self.send_raw(encode_command(args))

    def command(self, *args, timeout=3.0):
        """Sends one command and reads its reply."""
        self.send_command(*args)
        return self.read_reply(timeout)

    def _try_parse(self):
        try:
            reply, end = parse_reply(self.buf, 0)
        except Incomplete:
            return None
        del self.buf[:end]
        return reply

    def read_reply(self, timeout=3.0):
        """One complete reply (Reply), or EOF, or TIMEOUT."""
        deadline = time.monotonic() + timeout
        while True:
            reply = self._try_parse()
            if reply is not None:
                return reply
            if self.eof:
                self.partial = bytes(self.buf)
                return EOF
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return TIMEOUT
            try:
                self.sock.settimeout(remaining)
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                return TIMEOUT
            except OSError as e:  # ECONNRESET and the like: the peer is gone
                chunk = b""
                self.eof_reason = "recv failed: %s" % e
            if not chunk:
                self.eof = True
                self.eof_reason = self.eof_reason or "closed by the server"
                continue
            self.buf += chunk

    def pending_bytes(self):
        return bytes(self.buf)


def _selftest():
    """python3 resp.py: parses one sample of each reply type."""
    samples = [
        (b"+OK\r\n", "+", b"OK"), (b"-ERR x\r\n", "-", b"ERR x"), (b":-12\r\n", ":", -12),
        (b"$3\r\na\r\n\r\n", "$", b"a\r\n"), (b"$-1\r\n", "$", None), (b"*-1\r\n", "*", None),
        (b"_\r\n", "_", None), (b",3.14\r\n", ",", b"3.14"), (b",inf\r\n", ",", b"inf"),
        (b"#t\r\n", "#", True), (b"#f\r\n", "#", False), (b"!5\r\nERR x\r\n", "!", b"ERR x"),
        (b"=8\r\ntxt:abcd\r\n", "=", b"txt:abcd"), (b"(123456789012345678901\r\n", "(",
                                                  b"123456789012345678901"),
    ]
    for raw, t, v in samples:
        r, end = parse_reply(raw)
        assert (r.type, r.value, r.raw, end) == (t, v, raw, len(raw)), (raw, r)
    agg = b"*3\r\n:1\r\n~1\r\n$1\r\nx\r\n%1\r\n+k\r\n>2\r\n+a\r\n_\r\n"
    r, end = parse_reply(agg)
    assert end == len(agg) and r.to_python() == [1, [b"x"], [(b"k", [b"a", None])]]
    attr = b"|1\r\n+key\r\n:7\r\n*1\r\n+v\r\n"
    r, end = parse_reply(attr)
    assert r.type == "*" and r.attrs[0][1].value == 7 and r.raw == attr and end == len(attr)
    for bad in (b"?x\r\n", b":1x\r\n", b"$2\r\nabcd\r\n", b"#x\r\n", b"_x\r\n"):
        try:
            parse_reply(bad)
        except ProtocolError:
            pass
        else:
            raise AssertionError(bad)
    for partial in (b"", b"+OK", b"$5\r\nab", b"*2\r\n:1\r\n", b"%1\r\n+k\r\n"):
        try:
            parse_reply(partial)
        except Incomplete:
            pass
        else:
            raise AssertionError(partial)
    assert escape(b'a\r\n\x00"\\') == '"a\\r\\n\\x00\\"\\\\"'
    assert encode_command(["SET", b"k", 5]) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n"
    print("resp.py: self-test passed")


if __name__ == "__main__":
    _selftest()
