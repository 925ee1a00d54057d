"""One case sent to one server, and what that server did with it, for run.py.

exchange() sends a case's bytes on a fresh connection, shuts the write side down so that
the server sees the end of the input, and reads until the server closes. verdict() turns
what came back into a Verdict: the messages the server framed (from its echo answers, in
order) and whether it refused the rest (an answer of its own >= 300, or a close or reset
without a whole answer).
"""

import json
import re
import socket
import time
from dataclasses import dataclass

STATUS_LINE = re.compile(rb"HTTP/\d\.\d (\d{3})[^\r\n]*\r?\n")


@dataclass(frozen=True)
class Verdict:
    # Framed; None for a 2xx answer that is not the echo's (the host's own, OPTIONS *); or
    # Declined for an answer >= 300 after which the server went on reading (405, 501).
    messages: tuple
    refused: bool
    note: str  # how it ended: "answered", "400", "closed without an answer", ...
    # Its last answer said Connection: close (HTTP/1.0, "Connection: close"): the server
    # read nothing after it, so it neither framed nor refused what followed.
    stopped: bool = False


@dataclass(frozen=True)
class Declined:
    status: int

    def __str__(self):
        return f"(answered {self.status} and went on)"


@dataclass(frozen=True)
class Framed:
    method: str
    path: str
    query: tuple  # of (name, value), decoded
    body_length: int
    body_fnv: str

    def __str__(self):
        query = "&".join(f"{name}={value}" for name, value in self.query)
        target = f"{self.path}{'?' + query if self.query else ''}"
        target = target.encode("latin-1", "replace").decode("ascii", "backslashreplace")  # \x80, not a blank
        return f"{self.method} {target} body {self.body_length} B fnv {self.body_fnv}"


def exchange(port, data, timeout_s):
    """The bytes the server sent back and how the connection ended: "closed", "reset",
    or "timeout" (no close within timeout_s of the connection's start)."""
    deadline = time.monotonic() + timeout_s
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # closed early: what it answered is still to be read
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                piece = sock.recv(65536)
            except socket.timeout:
                return bytes(received), "timeout"
            except ConnectionResetError:
                return bytes(received), "reset"
            if not piece:
                return bytes(received), "closed"
            received += piece


def read_responses(raw):
    """(status, body, says close) for each whole response in `raw`, and whether bytes are
    left over. Bodies are framed by Content-Length, or run to the close without one."""
    responses, at = [], 0
    while at < len(raw):
        status_line = STATUS_LINE.match(raw, at)
        head_end = raw.find(b"\r\n\r\n", at)
        if not status_line or head_end < 0:
            return responses, True
        head = raw[status_line.end():head_end].decode("latin-1")
        lengths = re.findall(r"(?im)^content-length:\s*(\d+)\s*$", head)
        status, body_start = int(status_line.group(1)), head_end + 4
        if status < 200 or status in (204, 304):
            body_end = body_start
        elif lengths:
            body_end = body_start + int(lengths[0])
            if body_end > len(raw):
                return responses, True
        else:
            body_end = len(raw)
        closes = re.search(r"(?im)^connection:[^\r\n]*\bclose\b", head) is not None
        responses.append((status, raw[body_start:body_end], closes))
        at = body_end
    return responses, False


def percent_decode(text, plus_is_space):
    """As the host decodes a query (host/http/percent_encoding.cpp); None if malformed."""
    out, at, data = bytearray(), 0, text.encode("latin-1")
    while at < len(data):
        byte = data[at]
        if byte == ord("%"):
            digits = data[at + 1:at + 3]
            if len(digits) < 2 or not all(chr(d) in "0123456789abcdefABCDEF" for d in digits):
                return None
            out.append(int(digits, 16))
            at += 3
            continue
        out.append(ord(" ") if plus_is_space and byte == ord("+") else byte)
        at += 1
    return out.decode("latin-1")


def split_target(target):
    """A reference's raw request target as the host reports it: the path of an absolute-form
    target, no fragment, "/" for an empty path, and the query decoded into pairs."""
    if not target.startswith("/") and "://" in target:
        rest = target.split("://", 1)[1]
        starts = [at for at in (rest.find(c) for c in "/?#") if at >= 0]
        target = rest[min(starts):] if starts else ""
    path, _, query = target.split("#", 1)[0].partition("?")
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((percent_decode(name, True), percent_decode(value, True)))
    return path or "/", tuple(pairs)


def framed(answer):
    """The Framed message of an echo answer (JSON), or None if the answer is not an echo's."""
    try:
        echo = json.loads(answer)
        if "target" in echo:
            path, query = split_target(echo["target"])
        else:
            path, query = echo["path"], tuple(tuple(pair) for pair in echo["query"])
        return Framed(echo["method"], path, query, echo["body_length"], echo["body_fnv"])
    except (ValueError, KeyError, TypeError):
        return None


def verdict(raw, ended):
    """What one server did with a case, from the bytes it answered and how it ended."""
    responses, left_over = read_responses(raw)
    final = [r for r in responses if r[0] >= 200]
    messages = []
    for number, (status, body, _) in enumerate(final, 1):
        if status >= 300 and number == len(final):
            return Verdict(tuple(messages), True, str(status))
        messages.append(Declined(status) if status >= 300 else framed(body))
    if left_over:
        return Verdict(tuple(messages), True, f"{ended} inside an answer")
    if ended != "closed":
        return Verdict(tuple(messages), True, ended)
    if not final:
        return Verdict((), True, "closed without an answer")
    return Verdict(tuple(messages), False, "answered", stopped=final[-1][2])
