#!/usr/bin/python3
"""What an idle plugin-host's time-driven work costs, by the keep-alive connections it holds.

    /usr/bin/python3 bench/idle_cost.py [--connections 0,1500,18000] [--seconds 60] [--out FILE]

The host's deadlines (its loops' heaps) should cost what the deadlines due cost, not the connections
open. This starts the release build (--build-dir; it builds nothing) with config/server.ini
changed to max_connections = 18400, keep_alive_timeout_ms = 120000 and no repository delay.
Once /healthz answers, for each count N it opens N keep-alive connections (a seed
request and its 200 on each), leaves them idle --seconds while it counts the host's CPU
time, reads its descriptors, threads and RSS, closes them and waits until the host holds
none. The host is stopped (SIGTERM, then wait) however this ends.
"""

import argparse
import datetime
import errno
import os
import resource
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402
import proctree  # noqa: E402
import servers as server_defs  # noqa: E402
from servers import metrics  # noqa: E402
from probes import REQUEST as SEED_REQUEST  # noqa: E402
from progress import Progress, log  # noqa: E402

KEEP_ALIVE_MS = 120_000
IN_FLIGHT = 1000        # connecting or awaiting their answer at once: under the backlog of 4096
STALL_S = 30            # opening gives up when no connection progressed for this long
SETTLE_S = 3            # after the last answer, before CPU time is counted
SPARE_DESCRIPTORS = 64  # beyond the connections: this program's (or the host's) own files
CLOSE_TIMEOUT_S = 60
HEALTHZ = server_defs.Launch([], server_defs.REPO_DIR, {}, "GET", "/healthz")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--connections", default="0,1500,18000", help="counts of idle connections to hold, in turn")
    add("--seconds", type=float, default=60, help="idle time measured for each count (default 60)")
    add("--out", help="also write the results to this file")
    add("--build-dir", default=os.path.join(server_defs.REPO_DIR, "build"), help="the CMake build folder")
    add("--max-connections", type=int, default=18400, help="the host's [server] max_connections")
    add("--ready-timeout", type=float, default=900, help="seconds the host gets to answer /healthz")
    args = parser.parse_args(argv)
    try:
        args.counts = [int(n) for n in args.connections.split(",") if n.strip()]
    except ValueError:
        parser.error(f"--connections: not a list of numbers: {args.connections}")
    if not args.counts or min(args.counts) < 0 or args.seconds <= 0:
        parser.error("--connections needs counts of 0 or more, --seconds a positive number")
    return args


def check_limits(largest, max_connections):
    """Raises the soft descriptor limit to the hard one; exits saying why if `largest`
    connections cannot be held."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(x) for x in f.read().split())
    problems = [why for broken, why in (
        (hard != resource.RLIM_INFINITY and largest + SPARE_DESCRIPTORS > hard,
         f"{largest:,} connections need about {largest + SPARE_DESCRIPTORS:,} descriptors here "
         f"and as many in plugin-host, but RLIMIT_NOFILE's hard limit is {hard:,}: raise it "
         f"(ulimit -Hn as root, LimitNOFILE=, docker run --ulimit nofile=) or hold fewer"),
        (largest >= max_connections, f"{largest:,} connections: the host serves {max_connections:,} "
         "at once (--max-connections), and one more must read its /metrics"),
        (largest > high - low + 1, f"{largest:,} connections from 127.0.0.1 need as many local "
         f"ports; net.ipv4.ip_local_port_range has {high - low + 1:,}")) if broken]
    if problems:
        sys.exit("idle_cost: cannot measure: " + "; ".join(problems))


def wait_ready(process, port, log_path, timeout_s, progress):
    """Until /healthz answers 200: connections hold no thread, so nothing is started ahead."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            with open(log_path, errors="replace") as f:
                sys.exit(f"idle_cost: plugin-host exited ({process.returncode}) at start:\n"
                         + "".join(f.readlines()[-5:]))
        if server_defs.is_ready(HEALTHZ, port, 2):
            return
        if time.monotonic() > deadline:
            sys.exit(f"idle_cost: gave up after {timeout_s:.0f} s: /healthz never answered 200")
        progress.show("starting: waiting for /healthz")
        time.sleep(1)


def answer_status(received):
    """The status of a complete answer in `received`, or None while it is incomplete."""
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return None
    length = next((int(value) for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
                   if name.strip().lower() == b"content-length"), 0)
    return int(head[9:12]) if len(body) >= length else None


def open_connections(port, count, progress, label):
    """`count` keep-alive connections, each after the seed's request and its 200, opened
    IN_FLIGHT at a time with non-blocking sockets."""
    selector = selectors.DefaultSelector()
    held, pending = [], {}  # pending: socket -> None while connecting, else the bytes read
    started, last_progress = 0, time.monotonic()

    def fail(why):
        raise RuntimeError(f"{label}: opening failed ({why}) after {len(held):,} of {count:,} opened")

    try:
        while len(held) < count:
            while started < count and len(pending) < IN_FLIGHT:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                started += 1
                pending[sock] = None
                if (error := sock.connect_ex(("127.0.0.1", port))) not in (0, errno.EINPROGRESS):
                    fail(f"connect: {os.strerror(error)}")
                selector.register(sock, selectors.EVENT_WRITE)
            events = selector.select(timeout=1)
            if events:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > STALL_S:
                fail(f"none progressed for {STALL_S} s; {len(pending):,} waiting")
            for key, _ in events:
                sock = key.fileobj
                try:
                    if pending[sock] is None:
                        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if error:
                            fail(f"connect: {os.strerror(error)}")
                        if sock.send(SEED_REQUEST) != len(SEED_REQUEST):
                            fail("the request did not fit the send buffer")
                        pending[sock] = b""
                        selector.modify(sock, selectors.EVENT_READ)
                        continue
                    chunk = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as error:
                    fail(str(error))
                pending[sock] += chunk
                status = answer_status(pending[sock])
                if status == 200:
                    selector.unregister(sock)
                    del pending[sock]
                    held.append(sock)
                elif status is not None or not chunk:
                    fail(f"answered {status}" if status else "closed without an answer")
            progress.show(f"{label}: {len(held):,} of {count:,} connections open")
    except BaseException:
        for sock in held + list(pending):
            sock.close()
        raise
    finally:
        selector.close()
    return held


def process_figures(pid):
    """(descriptors, threads, RSS bytes) of the host."""
    with open(f"/proc/{pid}/status") as f:
        status = {name: value.split() for name, _, value in (line.partition(":") for line in f)}
    return len(os.listdir(f"/proc/{pid}/fd")), int(status["Threads"][0]), int(status["VmRSS"][0]) * 1024


def measure(process, port, count, seconds, progress):
    """One row: the host holding `count` idle connections for `seconds`."""
    label = f"N={count:,}"
    opened_at = time.monotonic()
    held = open_connections(port, count, progress, label)
    try:
        opened_s = time.monotonic() - opened_at
        if opened_s + SETTLE_S + seconds > KEEP_ALIVE_MS / 1000 - 5:
            log(f"{label}: opening took {opened_s:.0f} s: the first connections may reach "
                f"their {KEEP_ALIVE_MS / 1000:.0f} s keep-alive timeout before the end")
        time.sleep(SETTLE_S)
        cpu_before = proctree.tree_cpu_seconds(process.pid)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            progress.show(f"{label}: idle {elapsed:.0f}/{seconds:.0f} s ({count:,} opened in {opened_s:.1f} s)")
            time.sleep(min(1.0, seconds - elapsed))
        cpu_s = proctree.tree_cpu_seconds(process.pid) - cpu_before
        wall_s = time.monotonic() - started
        descriptors, threads, rss = process_figures(process.pid)
        with selectors.DefaultSelector() as selector:  # readable now: closed or written to by the host
            for sock in held:
                selector.register(sock, selectors.EVENT_READ)
            touched = len(selector.select(timeout=0))
    finally:
        for sock in held:
            sock.close()
    progress.show(f"{label}: closing", force=True)
    open_now = lambda: metrics(port).get("plugin_host_connections_open", 2)  # noqa: E731
    if not proctree.wait_until(lambda: open_now() <= 1, CLOSE_TIMEOUT_S):  # 1: the one asking
        raise RuntimeError(f"{label}: the host still holds connections {CLOSE_TIMEOUT_S} s after they closed")
    if touched:
        log(f"{label}: the host closed or wrote to {touched:,} of the idle connections")
    return {"count": count, "cpu_per_min": cpu_s / wall_s * 60, "descriptors": descriptors,
            "threads": threads, "rss": rss, "touched": touched}


def table(rows):
    base = next((r for r in rows if r["count"] == 0), None)
    lines = [f"{'connections':>11} {'CPU s/min':>9} {'descriptors':>11} {'fd/conn':>7} "
             f"{'threads':>7} {'RSS MiB':>8} {'KiB/conn':>8}  note"]
    for r in rows:
        above = base is not None and r["count"] > 0
        fd_each = f"{(r['descriptors'] - base['descriptors']) / r['count']:.2f}" if above else "–"
        kib_each = f"{(r['rss'] - base['rss']) / 1024 / r['count']:.1f}" if above else "–"
        note = f"{r['touched']:,} closed by the host while idle" if r["touched"] else ""
        lines.append(f"{r['count']:>11,} {r['cpu_per_min']:>9.3f} {r['descriptors']:>11,} {fd_each:>7} "
                     f"{r['threads']:>7,} {r['rss'] / 2**20:>8.1f} {kib_each:>8}  {note}".rstrip())
    measured = [r for r in rows if r["count"] > 0]
    if len(measured) >= 2:
        largest = max(measured, key=lambda r: r["count"])
        reference = next((r for r in measured if r["count"] == 1500), min(measured, key=lambda r: r["count"]))
        ratio = (f"{largest['cpu_per_min'] / reference['cpu_per_min']:.2f} times"
                 if reference["cpu_per_min"] > 0 else "not comparable (no CPU time) with")
        lines += ["", f"CPU per minute idle at {largest['count']:,} connections: {ratio} that at "
                      f"{reference['count']:,} ({largest['cpu_per_min']:.3f} against {reference['cpu_per_min']:.3f} s)"]
    return lines


def header(args, build_dir):
    commit = subprocess.run(["git", "-C", server_defs.REPO_DIR, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    return [f"plugin-host idle cost, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, commit "
            f"{commit}, {server_defs.host_build_type(build_dir) or 'unknown'} build, {os.cpu_count()} cores",
            "command: " + " ".join(shlex.quote(a) for a in ["bench/idle_cost.py"] + sys.argv[1:]),
            f"host: config/server.ini with [server] max_connections = {args.max_connections}, "
            f"keep_alive_timeout_ms = {KEEP_ALIVE_MS}, [repository] delay_ms = 0; each count held "
            f"idle {args.seconds:g} s after one seed request per connection",
            "CPU s/min: the host's utime + stime per minute idle; fd/conn and KiB/conn: "
            "descriptors and RSS per connection above the N = 0 row", ""]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    build_dir = os.path.abspath(args.build_dir)
    executable = server_defs.built_host(build_dir, "idle_cost")
    check_limits(max(args.counts), args.max_connections)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the host is stopped too
    text = header(args, build_dir)
    progress = Progress(30 + sum(n / 500 + SETTLE_S + args.seconds + 3 for n in args.counts))
    with tempfile.TemporaryDirectory(prefix="plugin-host-idle-") as work_dir:
        port = ports.free_port()
        config = os.path.join(work_dir, "host.ini")
        server_defs.write_host_config(
            os.path.join(server_defs.REPO_DIR, "config", "server.ini"), config, build_dir, port, 0,
            (("server", "max_connections", str(args.max_connections)),
             ("server", "keep_alive_timeout_ms", str(KEEP_ALIVE_MS))))
        log_path = os.path.join(work_dir, "host.log")
        with open(log_path, "wb") as host_log:
            process = subprocess.Popen([executable, "--config", config], cwd=server_defs.REPO_DIR,
                                       stdin=subprocess.DEVNULL, stdout=host_log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        started, rows = time.monotonic(), []
        try:
            progress.show(f"starting plugin-host on port {port}", force=True)
            wait_ready(process, port, log_path, args.ready_timeout, progress)
            log(f"plugin-host ready after {time.monotonic() - started:.0f} s")
            for count in args.counts:
                rows.append(measure(process, port, count, args.seconds, progress))
                progress.show(f"N={count:,}: {rows[-1]['cpu_per_min']:.3f} CPU s per minute idle", force=True)
        except (RuntimeError, KeyboardInterrupt) as error:
            sys.exit(f"idle_cost: {error or 'interrupted'}")
        finally:
            progress.show("stopping plugin-host", force=True)
            proctree.stop_process_group(process, log)
            progress.done_line()
    if process.returncode:
        log(f"plugin-host exited with {process.returncode} on SIGTERM")
    text += table(rows)
    print("\n".join(text))
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(text) + "\n")
        log(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
