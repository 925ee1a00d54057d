"""Probes that watch a server from the side while the load runs.

TurnedAwayProbe (the overload scenario): every 0.2 s it opens a fresh connection, sends
the seed's request and times the answer. A server at its capacity should answer at once
with 503 and Retry-After; a reset, a silent wait or a timeout is what the scenario exists
to catch.

SlowClientProbe (seed-12x): two clients that stall a few seconds into the load, one within
its request head, one within its body; the host must answer each 408 at its deadline.
"""

import socket
import statistics
import threading
import time

REQUEST = (b"POST /first HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: 31\r\n\r\n" b'{"info": {"sequence": "first"}}')


def probe_once(port, timeout_s=5.0):
    """(status or None, has Retry-After, seconds, what happened)."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
            s.sendall(REQUEST)
            received = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                received += chunk
                head, _, body = received.partition(b"\r\n\r\n")
                if _ and b"content-length:" in head.lower():
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(body) >= length:
                        break
    except socket.timeout:
        return None, False, time.monotonic() - started, "timeout"
    except ConnectionResetError:
        return None, False, time.monotonic() - started, "reset"
    except OSError as error:
        return None, False, time.monotonic() - started, f"error {error.errno}"
    elapsed = time.monotonic() - started
    if not received.startswith(b"HTTP/1.1 "):
        return None, False, elapsed, "closed without an answer"
    status = int(received[9:12])
    return status, b"\r\nretry-after:" in received.lower(), elapsed, "answered"


class TurnedAwayProbe:
    """Probes `port` every `interval_s` from `start_after_s` on, at most `limit` times."""

    def __init__(self, port, start_after_s=3.0, interval_s=0.2, limit=50):
        self.port = port
        self.start_after_s = start_after_s
        self.interval_s = interval_s
        self.limit = limit
        self.results = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        if self._stop.wait(self.start_after_s):
            return
        while len(self.results) < self.limit and not self._stop.is_set():
            self.results.append(probe_once(self.port))
            self._stop.wait(self.interval_s)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)

    def summary(self):
        """Counts and timings for a results row."""
        turned_away = [r for r in self.results if r[0] == 503 and r[1]]
        times = [r[2] for r in turned_away]
        return {
            "probes": len(self.results),
            "probe_503": len(turned_away),
            "probe_other": len(self.results) - len(turned_away),
            "probe_resets": sum(1 for r in self.results if r[3] == "reset"),
            "probe_503_p50_ms": 1000 * statistics.median(times) if times else None,
            "probe_503_max_ms": 1000 * max(times) if times else None,
        }


SLOW_HEADER = b"POST /first HTTP/1.1\r\nHost: x\r\n"  # the head's first part, then nothing
SLOW_BODY = REQUEST[:REQUEST.index(b"\r\n\r\n") + 4 + 10]  # the whole head, 10 of 31 body bytes


class SlowClientProbe:
    """Opens two stalling connections `start_after_s` into the load: `header` sends only
    SLOW_HEADER, `body` only SLOW_BODY. The host must answer each 408 and close, at its
    header deadline (keep_alive_timeout_ms + header_timeout_ms after the connection opened)
    and at its body deadline (body_timeout_ms after the head). A deadline is enforced when
    the 408 came no earlier than it and at most LATE_S after it. `server_settings`: the
    host's [server] values (servers.host_server_settings); `window_s`: the load's window,
    which must hold the later deadline, or the probe is skipped. Gives up when stopped."""

    LATE_S = 2.0

    def __init__(self, port, server_settings, window_s, start_after_s=3.0):
        def seconds(key):
            return int(server_settings[key]) / 1000
        self.port = port
        self.start_after_s = start_after_s
        self.deadlines = {"header": seconds("keep_alive_timeout_ms") + seconds("header_timeout_ms"),
                          "body": seconds("body_timeout_ms")}
        self.results = {}  # kind -> (status or None, seconds, what happened)
        needed = start_after_s + max(self.deadlines.values()) + self.LATE_S
        self.skipped = "" if window_s >= needed else (
            f"the {window_s:g} s window is shorter than the {max(self.deadlines.values()):g} s "
            f"deadline + {start_after_s + self.LATE_S:g} s")
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(kind,), daemon=True)
                         for kind in self.deadlines]

    def start(self):
        for thread in [] if self.skipped else self._threads:
            thread.start()
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def _run(self, kind):
        if self._stop.wait(self.start_after_s):
            self.results[kind] = (None, 0.0, "not opened: the load ended first")
            return
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                started = time.monotonic()
                s.sendall(SLOW_HEADER if kind == "header" else SLOW_BODY)
                if kind == "body":  # its deadline runs from the head
                    started = time.monotonic()
                self.results[kind] = self._answer(s, started, self.deadlines[kind] + 10)
        except OSError as error:
            self.results[kind] = (None, 0.0, f"could not connect ({error})")

    def _answer(self, s, started, limit_s):
        """(status, seconds until it began to arrive, what happened), waiting at most
        limit_s and no longer than the load."""
        s.settimeout(0.25)
        received, answered_s = b"", None
        while b"\r\n" not in received:
            elapsed = time.monotonic() - started
            if self._stop.is_set() or elapsed > limit_s:
                why = "the load ended first" if self._stop.is_set() else "no answer"
                return None, elapsed, f"gave up after {elapsed:.1f} s: {why}"
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                continue
            except OSError as error:
                return None, time.monotonic() - started, f"{error.strerror or error}"
            if not chunk:
                return None, time.monotonic() - started, "closed without an answer"
            if answered_s is None:
                answered_s = time.monotonic() - started
            received += chunk
        status = int(received[9:12]) if received[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 ") else None
        s.settimeout(self.LATE_S)
        try:
            while s.recv(4096):
                pass
            closed = True
        except socket.timeout:
            closed = False
        except OSError:
            closed = True
        return status, answered_s, "closed" if closed else "left open"

    def enforced(self, kind):
        status, seconds, _ = self.results.get(kind, (None, 0.0, ""))
        deadline = self.deadlines[kind]
        return status == 408 and deadline <= seconds <= deadline + self.LATE_S

    def summary(self):
        """slow_header_s, slow_header_status, slow_header_deadline_s, and slow_body_...
        for a results row: seconds until the answer came, its status, the deadline."""
        row = {}
        for kind, deadline in self.deadlines.items():
            status, seconds, _ = self.results.get(kind, (None, None, ""))
            row[f"slow_{kind}_s"] = seconds if status is not None else None
            row[f"slow_{kind}_status"] = status
            row[f"slow_{kind}_deadline_s"] = deadline
        return row

    def note(self):
        """A sentence for the row's note."""
        if self.skipped:
            return f"slow clients not probed: {self.skipped}"
        parts = []
        for kind, deadline in self.deadlines.items():
            status, seconds, what = self.results.get(kind, (None, 0.0, "not run"))
            if status is None:
                parts.append(f"{kind} no answer, {what} (deadline {deadline:g} s)")
            else:
                parts.append(f"{kind} {status} after {seconds:.1f} s (deadline {deadline:g} s"
                             + (", connection left open)" if what == "left open" else ")"))
        unseen = [kind for kind in self.deadlines
                  if "the load ended first" in self.results.get(kind, (None, 0.0, ""))[2]]
        missed = [kind for kind in self.deadlines if not self.enforced(kind) and kind not in unseen]
        verdict = ", ".join(filter(None, [
            missed and "not enforced: " + " and ".join(missed),
            unseen and "not seen before the load ended: " + " and ".join(unseen)]))
        return "slow clients: " + ", ".join(parts) + ": " + (verdict or "both deadlines enforced")
