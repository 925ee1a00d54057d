"""Progress of a long benchmark run on standard error: which server, how far, and what
went wrong on the way."""

import sys
import time


class Progress:
    """Prints which server is running and how far the whole run is, every few seconds."""

    def __init__(self, planned_s):
        self.planned_s = planned_s
        self.started = time.monotonic()
        self.last_print = 0.0
        self.tty = sys.stderr.isatty()

    @staticmethod
    def _clock(seconds):
        seconds = int(seconds)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def show(self, what, force=False):
        now = time.monotonic()
        if not force and now - self.last_print < (1.0 if self.tty else 10.0):
            return
        self.last_print = now
        elapsed = now - self.started
        total = max(self.planned_s, elapsed)
        line = f"[{self._clock(elapsed)} of ~{self._clock(total)}] {what}"
        if self.tty:
            print("\r\033[K" + line, end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def done_line(self):
        if self.tty:
            print(file=sys.stderr, flush=True)


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)
