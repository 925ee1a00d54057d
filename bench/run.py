#!/usr/bin/python3
"""Benchmarks plugin-host against the seed's servers, one after the other, in one run.

    bench/run.py                       # the seed scenario: N=500, 60 s, every server
    bench/run.py --duration 300        # the seed's full 5 minutes
    bench/run.py --vus 20 --duration 5 --servers host,flask-dev   # a quick look
    bench/run.py --target 127.0.0.1:8991 --label "nginx + 2 replicas"  # a running server

Every server gets the same load from wrk (bench/seed_load.lua): 3N keep-alive
connections spread over POST /first, /second and /third, each pausing 1 s between its
requests, with the repository waiting 2 s on each. Results go to bench/results/
(results.csv, results.md, results.png, results.json) and the table is printed at the end.
docs/benchmark.md ("Load testing") says what each column means.
"""

import argparse
import datetime
import ipaddress
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import probes  # noqa: E402
import proctree  # noqa: E402
import report  # noqa: E402
import servers as server_defs  # noqa: E402
from scenarios import ALL_SERVERS, SCENARIOS  # noqa: E402

BENCH_DIR = server_defs.BENCH_DIR
REPO_DIR = server_defs.REPO_DIR
LUA_SCRIPT = os.path.join(BENCH_DIR, "seed_load.lua")

START_TIMEOUT_S = 90       # a server must answer within this after it was started
SETTLE_S = 1.0             # after the first answer, before the load: workers finish booting
STOP_TIMEOUT_S = 15        # SIGTERM, then SIGKILL
PORT_FREE_TIMEOUT_S = 15


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---- progress ----

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


# ---- ports ----

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port):
    """True when nothing listens on 127.0.0.1:port and a server could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# ---- one server ----

def stop_process_group(process):
    """SIGTERM to the server's process group, SIGKILL after STOP_TIMEOUT_S."""
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


def wrk_threads_for(connections, wanted):
    """wrk gives every thread connections // threads: use a divisor so none is lost."""
    for threads in range(min(wanted, connections), 0, -1):
        if connections % threads == 0:
            return threads
    return 1


def parse_wrk_result(stdout):
    for line in stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    return None


def connecting_sockets(port):
    """Client sockets on this machine still trying to connect (SYN-SENT) to port."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if remote_port == port and fields[3] == "02":  # TCP_SYN_SENT
                        count += 1
        except OSError:
            pass
    return count


def measured_row(server, scenario, run, result, never_connected, peak_rss,
                 peak_processes, cpu_s):
    """Turns wrk's counts into a row. Every request the scenario tried to make ends up
    either completed or failed: attempted = sent + never_connected = completed + failed."""
    sent = result["sent"]
    answered = result["answered"]
    late = result["errors_timeout"]
    completed = max(0, result["answered_2xx"] - late)
    attempted = sent + never_connected
    unanswered = max(0, sent - answered)
    non_2xx = answered - result["answered_2xx"]
    duration_s = scenario.duration_s
    row = {
        "server": server.name,
        "label": server.label,
        "source": "measured",
        "run": run,
        "sent": sent,
        "completed": completed,
        "rps": completed / duration_s,
        "pct_ceiling": 100.0 * completed / scenario.ceiling_requests
        if scenario.ceiling_requests else 0.0,
        # Overload: the 503s of clients beyond capacity are the behaviour under test, not
        # failures. Some of them answer a connection that waited a second without sending
        # (wrk pauses before a connection's first request), so answers can outnumber
        # requests; what failed is every other answer, the late ones, and requests sent
        # and never answered.
        "failed": (non_2xx - result.get("answered_503", 0) + late + unanswered + never_connected)
        if scenario.admitted_connections else attempted - completed,
        "non_2xx": non_2xx,
        "turned_away": result.get("answered_503", 0),
        "unanswered": unanswered,
        "never_connected": never_connected,
        "late": late,
        "errors_connect": result["errors_connect"],
        "errors_read": result["errors_read"],
        "errors_write": result["errors_write"],
        "latency_mean_s": result["latency_mean_us"] / 1e6 if answered else None,
        "latency_p50_s": result["latency_p50_us"] / 1e6 if answered else None,
        "latency_p99_s": result["latency_p99_us"] / 1e6 if answered else None,
        "latency_max_s": result["latency_max_us"] / 1e6 if answered else None,
        "peak_rss_mib": peak_rss / 2**20 if peak_rss is not None else None,
        "peak_processes": peak_processes,
        "cpu_s": cpu_s,
        "connections": scenario.connections,
        "timeout_s": scenario.timeout_s,
    }
    notes = report.failure_note(row)
    if answered != result["wrk_requests"]:
        notes.append(f"wrk counted {result['wrk_requests']} answers, the script {answered}")
    row["note"] = "; ".join(notes)
    return row


def published_row(server):
    p = server.published
    return {
        "server": server.name,
        "label": server.label,
        "source": "published",
        "run": "seed",
        "vus": 500, "connections": 1500, "duration_s": 300, "pause_ms": 1000,
        "delay_ms": 2000, "ceiling_requests": 150_000, "ceiling_rps": 500,
        "completed": p.requests,
        "rps": p.rps,
        "pct_ceiling": p.pct_ceiling,
        "failed": round(p.requests * (100 - p.checks_passed_pct) / 100),
        "latency_mean_s": p.latency_mean_s,
        "note": f"seed's figures: 500 VUs, 5 min, i7-1165G7 laptop; {p.note}",
    }


def skipped_row(server, note):
    return {"server": server.name, "label": server.label, "source": "skipped", "run": "-",
            "note": note}


def compare_with_baseline(rows, baseline):
    """Raw scenario: every measured row's req/s as a percentage of the baseline server's
    (its median over its runs), in place of the percentage of a ceiling."""
    import statistics
    reference = [r["rps"] for r in rows if r["server"] == baseline and r["source"] == "measured"]
    if not reference:
        return
    median = statistics.median(reference)
    for row in rows:
        if row.get("source") == "measured" and median:
            row["pct_ceiling"] = 100.0 * row["rps"] / median


def failed_row(server, run, note):
    return {"server": server.name, "label": server.label, "source": "not run",
            "run": run, "note": note}


def run_server(server, scenario, run, ctx, progress, step):
    """Starts `server`, loads it, stops it; returns its row."""
    port = ctx["port"]
    where = f"{server.name} ({step})"
    if server.kind == "external":  # running already: only loaded
        launch = server_defs.launch_for(server, port=port, delay_ms=scenario.delay_ms,
                                        build_dir=ctx["build_dir"], work_dir=ctx["work_dir"])
        return _load_running_server(server, scenario, run, ctx, progress, where, None,
                                    launch, None)

    progress.show(f"{where}: waiting for port {port} to be free", force=True)
    if not proctree.wait_until(lambda: port_is_free(port), PORT_FREE_TIMEOUT_S):
        return failed_row(server, run, f"port {port} stayed busy")

    work_dir = tempfile.mkdtemp(prefix=f"{server.name}-", dir=ctx["work_dir"])
    try:
        launch = server_defs.launch_for(server, port=port, delay_ms=scenario.delay_ms,
                                        build_dir=ctx["build_dir"], work_dir=work_dir,
                                        host_settings=scenario.host_settings)
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        return failed_row(server, run, f"could not prepare: {error}")

    log_path = os.path.join(ctx["log_dir"], f"{server.name}-run{run}.log")
    with open(log_path, "wb") as server_log:
        process = subprocess.Popen(launch.argv, cwd=launch.cwd, env=launch.env,
                                   stdin=subprocess.DEVNULL, stdout=server_log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return _load_running_server(server, scenario, run, ctx, progress, where,
                                    process, launch, log_path)
    finally:
        progress.show(f"{where}: stopping", force=True)
        stop_process_group(process)
        if not proctree.wait_until(lambda: port_is_free(port), PORT_FREE_TIMEOUT_S):
            log(f"port {port} still busy after stopping {server.name}")


def _load_running_server(server, scenario, run, ctx, progress, where, process, launch,
                         log_path):
    """Loads a started server; `process` is None for an external one (--target): its
    memory and CPU are then not measured."""
    host, port = ctx["host"], ctx["port"]
    ready_timeout = scenario.delay_ms / 1000 + 10
    deadline = time.monotonic() + START_TIMEOUT_S
    progress.show(f"{where}: starting", force=True)
    while True:
        progress.show(f"{where}: starting")
        if process is not None and process.poll() is not None:
            return failed_row(server, run, f"exited with {process.returncode} at start; "
                              f"see {os.path.relpath(log_path, REPO_DIR)}")
        if server_defs.is_ready(launch, port, ready_timeout, host):
            break
        if time.monotonic() > deadline:
            return failed_row(server, run, f"not answering after {START_TIMEOUT_S} s")
        time.sleep(0.25)
    time.sleep(SETTLE_S)

    threads = wrk_threads_for(scenario.connections, scenario.wrk_threads)
    run_s = scenario.duration_s + scenario.grace_s
    argv = ["wrk", "-t", str(threads), "-c", str(scenario.connections),
            "-d", f"{run_s}s", "--timeout", f"{scenario.timeout_s}s",
            "-s", LUA_SCRIPT, f"http://{host}:{port}", "--",
            str(scenario.duration_s), str(scenario.pause_ms), server.path_prefix,
            ",".join(scenario.paths)]

    cpu_before = proctree.tree_cpu_seconds(process.pid) if process else None
    sampler = proctree.TreeSampler(process.pid).start() if process else None
    probe = probes.TurnedAwayProbe(port).start() if scenario.probe_turned_away else None
    started = time.monotonic()
    progress.show(f"{where}: load 0/{scenario.duration_s} s", force=True)
    wrk_out_path = os.path.join(ctx["log_dir"], f"{server.name}-run{run}.wrk.txt")
    with open(wrk_out_path, "w+") as wrk_out:
        wrk = subprocess.Popen(argv, stdout=wrk_out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
        hard_stop = started + run_s + 30
        never_connected = None
        while wrk.poll() is None:
            elapsed = time.monotonic() - started
            if never_connected is None and elapsed >= scenario.duration_s:
                # Their requests were never sent, and no request starts after the window.
                never_connected = connecting_sockets(port)
            if elapsed < scenario.duration_s:
                phase = f"load {elapsed:.0f}/{scenario.duration_s} s"
            else:
                phase = (f"answers in flight {elapsed - scenario.duration_s:.0f}"
                         f"/{scenario.grace_s} s")
            progress.show(f"{where}: {phase}")
            if time.monotonic() > hard_stop:
                log("wrk did not finish in time: stopping it")
                wrk.kill()
            time.sleep(0.2)
        cpu_after = proctree.tree_cpu_seconds(process.pid) if process else None
        if sampler:
            sampler.stop()
        if probe:
            probe.stop()
        wrk_out.seek(0)
        wrk_text = wrk_out.read()

    result = parse_wrk_result(wrk_text)
    if wrk.returncode != 0 or result is None:
        tail = " ".join(wrk_text.strip().splitlines()[-2:])
        return failed_row(server, run, f"wrk failed ({wrk.returncode}): {tail}")
    if process is not None and process.poll() is not None:
        log(f"{server.name} exited during the run with {process.returncode}")
    row = measured_row(server, scenario, run, result, never_connected or 0,
                       sampler.peak_rss_bytes if sampler else None,
                       sampler.peak_processes if sampler else None,
                       cpu_after - cpu_before if process else None)
    if probe:
        row.update(probe.summary())
        row["note"] = "; ".join(filter(None, [row["note"], report.probe_note(row)]))
    progress.show(f"{where}: {row['completed']:,} completed, {row['failed']:,} failed",
                  force=True)
    return row


# ---- the whole run ----

def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark plugin-host against the seed's servers with wrk.",
        epilog="Servers: " + ", ".join(ALL_SERVERS) + ". Scenarios: "
               + ", ".join(SCENARIOS) + ".")
    parser.add_argument("--scenario", default="seed", choices=sorted(SCENARIOS))
    parser.add_argument("--vus", "-n", type=int, help="virtual users N (default 500): "
                        "3N connections, ceiling N req/s")
    parser.add_argument("--duration", type=int, help="load window in seconds "
                        "(default 60; 300 reproduces the seed)")
    parser.add_argument("--servers", help="comma-separated servers (default: all)")
    parser.add_argument("--delay-ms", type=int, help="repository delay (default 2000)")
    parser.add_argument("--pause-ms", type=int, help="pause between a connection's "
                        "requests (default 1000)")
    parser.add_argument("--timeout", type=int, help="seconds after which an answer "
                        "counts as failed (default 10, at least 10)")
    parser.add_argument("--wrk-threads", type=int, help="wrk threads (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server; the "
                        "table shows medians (default 1)")
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--target", metavar="HOST:PORT",
                        help="load a server that is already running there instead of "
                        "starting any (HOST on this machine's loopback, 127.0.0.0/8 or "
                        "localhost), e.g. nginx in front of plugin-host replicas: nothing "
                        "is built, started or stopped, it is ready once GET /healthz "
                        "answers 200, and its memory and CPU are not measured. "
                        "--delay-ms must match its repository delay (the ceiling counts "
                        "on it). Excludes --servers and --port")
    parser.add_argument("--label", help="the --target's name in the results "
                        "(default: 'server at HOST:PORT')")
    parser.add_argument("--out", default=os.path.join(BENCH_DIR, "results"),
                        help="output folder (default bench/results)")
    parser.add_argument("--build-dir", default=os.path.join(REPO_DIR, "build"),
                        help="plugin-host's CMake build folder (default build/)")
    parser.add_argument("--no-build", action="store_true",
                        help="use the build folder as it is")
    parser.add_argument("--list", action="store_true", help="list servers and exit")
    parser.add_argument("--rerender", metavar="DIR", help="rewrite DIR's CSV, Markdown "
                        "and chart from its results.json, without running anything")
    args = parser.parse_args(argv)
    if args.target:
        if args.servers or args.port:
            parser.error("--target excludes --servers and --port")
        args.target = parse_target(parser, args.target)
        args.servers = "external"
    elif args.label:
        parser.error("--label names a --target")

    scenario = SCENARIOS[args.scenario].with_overrides(
        vus=args.vus, duration_s=args.duration, delay_ms=args.delay_ms,
        pause_ms=args.pause_ms, timeout_s=args.timeout, wrk_threads=args.wrk_threads,
        servers=tuple(s.strip() for s in args.servers.split(",") if s.strip())
        if args.servers else None)
    unknown = [s for s in scenario.servers
               if s not in server_defs.SERVERS and not args.target]
    if unknown:
        parser.error(f"unknown servers {', '.join(unknown)} (known: {', '.join(ALL_SERVERS)})")
    if scenario.vus < 1 or scenario.duration_s < 1 or args.repeat < 1:
        parser.error("--vus, --duration and --repeat must be at least 1")
    if scenario.timeout_s < 10:
        parser.error("--timeout must be at least 10 s: the seed's handler alone takes 2 s")
    if scenario.delay_ms < 0 or scenario.pause_ms < 0:
        parser.error("--delay-ms and --pause-ms must not be negative")
    return args, scenario


def parse_target(parser, text):
    """(host, port) of --target, whose host must be on this machine's loopback."""
    host, _, port = text.rpartition(":")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not port.isdigit() or not 0 < int(port) < 65536:
        parser.error(f"--target {text}: expected 127.x.x.x:PORT or localhost:PORT")
    return host, int(port)


def machine_description():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({model or platform.machine()}), "
            f"{memory_gib:.0f} GiB, {platform.system()} {platform.release()}")


def git_commit():
    try:
        out = subprocess.run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def scenario_description(scenario):
    return {
        "name": scenario.name, "vus": scenario.vus, "connections": scenario.connections,
        "connections_per_vu": scenario.connections_per_vu, "paths": list(scenario.paths),
        "pause_ms": scenario.pause_ms, "delay_ms": scenario.delay_ms,
        "duration_s": scenario.duration_s, "timeout_s": scenario.timeout_s,
        "grace_s": scenario.grace_s, "ceiling_requests": scenario.ceiling_requests,
        "requests_per_connection": scenario.requests_per_connection,
        "ceiling_rps": scenario.ceiling_rps, "steady_rps": scenario.steady_rps,
        "admitted_connections": scenario.admitted_connections,
        "baseline": scenario.baseline,
        "host_settings": [list(t) for t in scenario.host_settings],
        "description": scenario.description,
    }


def rerender(out_dir):
    """Rewrites a results folder's CSV, Markdown and chart from its results.json."""
    with open(os.path.join(out_dir, "results.json")) as f:
        meta = json.load(f)
    rows = meta.pop("rows")
    header, summary, _ = report.write_all(out_dir, meta, rows)
    print("\n".join(header[2:]) + "\n\n" + report.markdown_table(summary))
    return 0


def planned_seconds(scenario, measured_count, repeat):
    per_server = 6 + SETTLE_S + scenario.duration_s + scenario.grace_s + 3
    return per_server * measured_count * repeat


def main(argv=None):
    args, scenario = parse_args(argv if argv is not None else sys.argv[1:])
    if args.rerender:
        return rerender(args.rerender)
    if args.list:
        for name in ALL_SERVERS:
            print(f"{name:10} {server_defs.SERVERS[name].label}")
        return 0

    for tool in ("wrk", server_defs.SYSTEM_PYTHON):
        if not (os.path.exists(tool) or shutil.which(tool)):
            log(f"{tool} is missing: run scripts/install-dependencies.sh bench")
            return 2

    out_dir = os.path.abspath(args.out)
    log_dir = os.path.join(out_dir, "logs")
    os.makedirs(log_dir, exist_ok=True)
    build_dir = os.path.abspath(args.build_dir)

    if args.target:
        selected = [server_defs.external_server(
            args.label or f"server at {args.target[0]}:{args.target[1]}")]
    else:
        selected = [server_defs.SERVERS[name] for name in scenario.servers]
    not_installed = [s for s in selected if s.kind == "nginx" and not server_defs.nginx_available()]
    to_measure = [s for s in selected
                  if (s.kind != "dotnet" or server_defs.dotnet_available()) and s not in not_installed]

    build_type = ""
    if any(s.kind in ("host", "poco-minimal") for s in to_measure):
        if args.no_build:
            build_type = server_defs.host_build_type(build_dir)
        else:
            build_type = server_defs.build_host(build_dir, log)
        if build_type != "Release":
            log(f"warning: {build_dir} is a '{build_type}' build, not Release")

    slack = scenario.window_slack_s()
    if slack < 0.5:
        log(f"warning: the window ends {slack:.2f} s after a scheduled send; a request "
            "due then may or may not go out: prefer a duration like 60 or 300")

    started_at = datetime.datetime.now().astimezone()
    host, port = args.target or ("127.0.0.1", args.port or free_port())
    ctx = {"host": host, "port": port, "build_dir": build_dir, "log_dir": log_dir}
    log(f"scenario {scenario.name}: N={scenario.vus} ({scenario.connections} connections), "
        f"{scenario.duration_s} s window + {scenario.grace_s} s for answers in flight, "
        f"delay {scenario.delay_ms} ms, pause {scenario.pause_ms} ms; "
        + (f"compared with {scenario.baseline}" if scenario.baseline else
           f"ceiling {scenario.ceiling_requests:,} requests ({scenario.ceiling_rps:,.0f} req/s)")
        + f"; {host}:{port}")
    progress = Progress(planned_seconds(scenario, len(to_measure), args.repeat))

    rows = []
    with tempfile.TemporaryDirectory(prefix="plugin-host-bench-") as work_dir:
        ctx["work_dir"] = work_dir
        total_steps = len(to_measure) * args.repeat
        step = 0
        for run in range(1, args.repeat + 1):
            for server in to_measure:
                step += 1
                row = run_server(server, scenario, run, ctx, progress,
                                 f"{step}/{total_steps}")
                rows.append(row)
    progress.done_line()

    for row in rows:
        row.update(vus=scenario.vus, connections=scenario.connections,
                   duration_s=scenario.duration_s, pause_ms=scenario.pause_ms,
                   delay_ms=scenario.delay_ms, timeout_s=scenario.timeout_s,
                   ceiling_requests=scenario.ceiling_requests,
                   ceiling_rps=scenario.ceiling_rps)
    for server in selected:
        if server in not_installed:
            rows.append(skipped_row(server, "not installed here"))
        elif server not in to_measure:
            rows.append(published_row(server))
    if scenario.baseline:
        compare_with_baseline(rows, scenario.baseline)

    meta = {
        "date": f"{started_at:%Y-%m-%d %H:%M %Z}",
        "commit": git_commit(),
        "machine": machine_description(),
        "build_type": build_type,
        "repeat": args.repeat,
        "scenario": scenario_description(scenario),
        "versions": server_defs.describe_versions(),
    }
    header, summary, paths = report.write_all(out_dir, meta, rows)

    print()
    print("\n".join(header[2:]))
    print()
    print(report.markdown_table(summary))
    print()
    print("Written: " + ", ".join(os.path.relpath(p, os.getcwd()) for p in paths.values()))
    not_run = [r["server"] for r in rows if r["source"] == "not run"]
    if not_run:
        log("could not run: " + ", ".join(not_run))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
