"""Helpers for command_docs_test.py: its two servers (servers.py: stopped by PID on every
way out), RESP replies in a comparable form, and the normalisations that leave out free text
(summaries, notes, complexity prose) and Redis's hash-table order.
Standard library only (and resp.py and servers.py next to this file).
"""

import re
import subprocess

import resp
from servers import HOST, Server, stop_all_servers as stop_all  # noqa: F401


# ------------------------------------------------------------------------ servers

class Side:
    """One server and a RESP2 and a RESP3 connection to it (made anew when lost)."""

    def __init__(self, server):
        self.server = server
        self.conns = {}

    def conn(self, proto):
        c = self.conns.get(proto)
        if c is None or c.eof:
            c = resp.Connection(self.server.port)
            if proto == 3:
                r = c.command("HELLO", "3", timeout=5)
                if not isinstance(r, resp.Reply) or r.is_error():
                    raise RuntimeError("%s: HELLO 3 failed: %r" % (self.server.label, r))
            self.conns[proto] = c
        return c

    def call(self, proto, *args, timeout=10.0):
        r = self.conn(proto).command(*args, timeout=timeout)
        if not isinstance(r, resp.Reply):
            raise RuntimeError("%s: no reply to %s (%s)" % (self.server.label,
                                                           " ".join(map(str, args))[:80], r))
        return r

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns = {}


# ------------------------------------------------------------------------ reply forms

def canon(r):
    """A reply as (type, value): aggregates hold tuples of canon children, maps pairs."""
    if r.type in "*~>":
        return (r.type, None if r.value is None else tuple(canon(e) for e in r.value))
    if r.type == "%":
        return ("%", tuple((canon(k), canon(v)) for k, v in r.value))
    return (r.type, r.value)


def show(c, limit=240):
    text = repr(c)
    return text if len(text) <= limit else text[:limit] + "...(%d chars)" % len(text)


def first_diff(a, b, path="reply"):
    """Where two canon replies first differ, as a readable line (None if equal)."""
    if a == b:
        return None
    if a[0] != b[0] or not isinstance(a[1], tuple) or not isinstance(b[1], tuple):
        return "%s: corio %s, redis %s" % (path, show(a), show(b))
    if len(a[1]) != len(b[1]):
        return "%s: corio has %d elements, redis %d (corio %s, redis %s)" % (
            path, len(a[1]), len(b[1]), show(a), show(b))
    for i, (x, y) in enumerate(zip(a[1], b[1])):
        if a[0] == "%":
            label = x[0][1] if isinstance(x[0][1], bytes) else i
            d = first_diff(x[0], y[0], "%s key %d" % (path, i)) or \
                first_diff(x[1], y[1], "%s[%s]" % (path, label.decode() if isinstance(label, bytes) else label))
        else:
            d = first_diff(x, y, "%s[%d]" % (path, i))
        if d:
            return d
    return None


def pairs_of(c):
    """The (key, value) pairs of a map, RESP3 or RESP2-flattened."""
    if c[0] == "%":
        return list(c[1])
    items = list(c[1] or ())
    return list(zip(items[0::2], items[1::2]))


def remake(like, pairs):
    if like[0] == "%":
        return ("%", tuple(pairs))
    return (like[0], tuple(x for p in pairs for x in p))


def o_classes(text):
    """The O(...) expressions of a complexity text, spaces dropped, as a sorted tuple."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    out, i = set(), 0
    while True:
        j = text.find("O(", i)
        if j < 0:
            return tuple(sorted(out))
        depth, k = 0, j + 1
        while k < len(text):
            if text[k] == "(":
                depth += 1
            elif text[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out.add(text[j:k + 1].replace(" ", ""))
        i = k + 1


def first_command_named(text):
    m = re.search(rb"`([^`]+)`", text or b"")
    return m.group(1).split()[0].lstrip(b"!") if m else text


def name_of(info_entry):
    return info_entry[1][0][1]


def norm_info(e, keep=None):
    """A COMMAND INFO entry with key spec notes blanked and its subcommands (those in keep,
    if given) sorted by name: Redis lists them in hash order."""
    if e[0] not in "*" or e[1] is None or len(e[1]) != 10:
        return e
    items = list(e[1])
    specs = []
    for ks in items[8][1] or ():
        specs.append(remake(ks, [(k, (v[0], b"<notes>") if k[1] == b"notes" else v)
                                 for k, v in pairs_of(ks)]))
    items[8] = (items[8][0], tuple(specs))
    subs = items[9]
    if subs[1]:
        kids = [norm_info(s) for s in subs[1]
                if keep is None or name_of(s).decode() in keep]
        items[9] = (subs[0], tuple(sorted(kids, key=name_of)))
    return ("*", tuple(items))


def norm_docs(m, keep=None):
    """A COMMAND DOCS map with its free text blanked (complexity reduced to its O classes,
    replaced_by to the command it names) and its subcommands (those in keep) sorted."""
    out = []
    for k, v in pairs_of(m):
        key = k[1]
        if key == b"summary":
            v = (v[0], b"<summary>")
        elif key == b"complexity":
            v = (v[0], o_classes(v[1]))
        elif key == b"replaced_by":
            v = (v[0], first_command_named(v[1]))
        elif key == b"history":
            v = (v[0], tuple((e[0], (e[1][0], (e[1][1][0], b"<text>"))) for e in v[1]))
        elif key == b"subcommands":
            subs = [(sk, norm_docs(sv)) for sk, sv in pairs_of(v)
                    if keep is None or sk[1].decode() in keep]
            v = remake(v, sorted(subs, key=lambda p: p[0][1]))
        out.append((k, v))
    return remake(m, out)


def run_tool(argv, timeout=30):
    """Runs a program (redis-cli); (exit status or None on timeout, stdout, stderr)."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ss" % timeout


def mask_cli(text):
    """redis-cli's output with the free text blanked: the line after "summary" (RESP2), or
    what follows "summary" => (RESP3); complexity likewise."""
    out, blank_next = [], False
    for line in text.split("\n"):
        if blank_next:
            line = re.sub(r'"(?:[^"\\]|\\.)*"\s*$', '"<text>"', line)
            blank_next = False
        if re.search(r'"(summary|complexity)"\s*$', line):
            blank_next = True
        line = re.sub(r'("(?:summary|complexity)" => )"(?:[^"\\]|\\.)*"', r'\1"<text>"', line)
        out.append(line)
    return "\n".join(out)
