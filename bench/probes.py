"""Probes that watch a server from the side while the load runs.

TurnedAwayProbe (the overload scenario): every 0.2 s it opens a fresh connection, sends
the seed's request and times the answer. A server at its capacity should answer at once
with 503 and Retry-After; a reset, a silent wait or a timeout is what the scenario exists
to catch.
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
