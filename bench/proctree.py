"""A server's whole process tree: its memory and CPU, read from /proc, and stopping it.

Gunicorn and Uvicorn serve from several processes, so every figure is summed over the
process a benchmark started and all of its descendants; the benchmark starts each server
in a session of its own (start_new_session=True) so that the whole group can be stopped.
"""

import os
import signal
import subprocess
import sys
import threading
import time

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read_stat(pid):
    """(ppid, cpu_ticks, rss_bytes) of one process, or None if it is gone.

    cpu_ticks is utime + stime + cutime + cstime: the process's own CPU time and that of
    the children it has already waited for, so workers that exit are not lost."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain anything.
    fields = data[data.rindex(")") + 2:].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    rss_pages = int(fields[21])
    return ppid, utime + stime + cutime + cstime, rss_pages * PAGE_SIZE


def tree_snapshot(root_pid):
    """{pid: (cpu_ticks, rss_bytes)} for root_pid and its descendants."""
    stats = {}
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read_stat(int(name))
        if stat is None:
            continue
        stats[int(name)] = stat
        children.setdefault(stat[0], []).append(int(name))
    tree = {}
    pending = [root_pid] if root_pid in stats else []
    while pending:
        pid = pending.pop()
        if pid in tree:
            continue
        tree[pid] = stats[pid][1:]
        pending.extend(children.get(pid, []))
    return tree


def tree_cpu_seconds(root_pid):
    return sum(cpu for cpu, _ in tree_snapshot(root_pid).values()) / CLOCK_TICKS


class TreeSampler:
    """Samples the summed RSS of a process tree every `interval` seconds in a thread."""

    def __init__(self, root_pid, interval=0.2):
        self.root_pid = root_pid
        self.interval = interval
        self.peak_rss_bytes = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            tree = tree_snapshot(self.root_pid)
            rss = sum(r for _, r in tree.values())
            self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
            self.peak_processes = max(self.peak_processes, len(tree))
            self.samples += 1
            self._stop.wait(self.interval)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)


def poll_with_usage(process):
    """None while `process` (a Popen) runs; once it has ended, (returncode, cpu_seconds,
    peak_rss_bytes) of that one process, from wait4(2): how much of the shared cores and
    memory a load generator took. Reaps the process, so call this instead of poll()."""
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid == 0:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def wait_until(predicate, timeout_s, interval_s=0.25):
    """Polls predicate() until it is true or timeout_s has passed; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval_s)


STOP_TIMEOUT_S = 15  # SIGTERM, then SIGKILL


def stop_process_group(process, log=lambda message: print(message, file=sys.stderr)):
    """SIGTERM to the process group `process` leads, SIGKILL after STOP_TIMEOUT_S."""
    if process.poll() is not None:
        _kill_group(process, signal.SIGKILL)  # leftovers of a server that already exited
        return
    _kill_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log(f"pid {process.pid} did not stop within {STOP_TIMEOUT_S} s: SIGKILL")
        _kill_group(process, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
    # Workers that outlived their parent.
    _kill_group(process, signal.SIGKILL)


def _kill_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
