"""One server under the benchmark's load: started (unless it runs already), loaded by wrk
with bench/seed_load.lua or by k6 with k6/api_performance_test.js, measured and stopped;
the result is a row of the table."""

from dataclasses import dataclass
import json
import os
import subprocess
import tempfile
import time

import k6_runner
import ports
import probes
import proctree
import report
import servers as server_defs
import table_rows
from progress import log

LUA_SCRIPT = os.path.join(server_defs.BENCH_DIR, "seed_load.lua")

START_TIMEOUT_S = 90       # a server must answer within this after it was started
SETTLE_S = 1.0             # after the first answer, before the load: workers finish booting
PORT_FREE_TIMEOUT_S = 15


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
    if not proctree.wait_until(lambda: ports.port_is_free(port), PORT_FREE_TIMEOUT_S):
        return table_rows.failed_row(server, run, f"port {port} stayed busy")

    work_dir = tempfile.mkdtemp(prefix=f"{server.name}-", dir=ctx["work_dir"])
    try:
        launch = server_defs.launch_for(server, port=port, delay_ms=scenario.delay_ms,
                                        connections=scenario.connections,
                                        build_dir=ctx["build_dir"], work_dir=work_dir,
                                        host_settings=scenario.host_settings)
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        return table_rows.failed_row(server, run, f"could not prepare: {error}")

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
        proctree.stop_process_group(process, log)
        if not proctree.wait_until(lambda: ports.port_is_free(port), PORT_FREE_TIMEOUT_S):
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
            return table_rows.failed_row(server, run, f"exited with {process.returncode} at start; "
                                         f"see {os.path.relpath(log_path, server_defs.REPO_DIR)}")
        if server_defs.is_ready(launch, port, ready_timeout, host):
            break
        if time.monotonic() > deadline:
            return table_rows.failed_row(server, run, f"not answering after {START_TIMEOUT_S} s")
        time.sleep(0.25)
    time.sleep(SETTLE_S)

    if ctx["load"] == "k6":
        return _drive_with_k6(server, scenario, run, ctx, progress, where, process)
    return _drive_with_wrk(server, scenario, run, ctx, progress, where, process)


def _drive_with_wrk(server, scenario, run, ctx, progress, where, process):
    host, port = ctx["host"], ctx["port"]
    threads = wrk_threads_for(scenario.connections, scenario.wrk_threads)
    run_s = scenario.duration_s + scenario.grace_s
    argv = ["wrk", "-t", str(threads), "-c", str(scenario.connections),
            "-d", f"{run_s}s", "--timeout", f"{scenario.timeout_s}s",
            "-s", LUA_SCRIPT, f"http://{host}:{port}", "--",
            str(scenario.duration_s), str(scenario.pause_ms), server.path_prefix,
            ",".join(scenario.paths)]
    probe = probes.TurnedAwayProbe(port) if scenario.probe_turned_away else None
    # Late enough that the load's own connections have been accepted: a deadline counts from
    # the host's acceptance, and a connection that waits in a full listen queue starts late.
    slow = (probes.SlowClientProbe(port, server_defs.host_server_settings(scenario.host_settings),
                                   scenario.duration_s, start_after_s=15.0)
            if scenario.probe_slow_clients and server.kind == "host" else None)
    # Requests of connections still opening when the window closes are never sent, and
    # no request starts after the window.
    outcome = _run_load(argv, os.path.join(ctx["log_dir"], f"{server.name}-run{run}.wrk.txt"),
                        process, scenario, progress, where, grace_s=scenario.grace_s,
                        stop_after_s=run_s + 30, side_probes=[p for p in (probe, slow) if p],
                        at_window_end=lambda: connecting_sockets(port))
    result = parse_wrk_result(outcome.text)
    if outcome.returncode != 0 or result is None:
        tail = " ".join(outcome.text.strip().splitlines()[-2:])
        return table_rows.failed_row(server, run, f"wrk failed ({outcome.returncode}): {tail}")
    row = table_rows.measured_row(server, scenario, run, result,
                                  outcome.at_window_end or 0, outcome.server)
    if probe:
        row.update(probe.summary())
        row["note"] = "; ".join(filter(None, [row["note"], report.probe_note(row)]))
    if slow:
        row.update(slow.summary())
        row["note"] = "; ".join(filter(None, [row["note"], slow.note()]))
    return _finished(row, outcome, server, process, progress, where)


def _drive_with_k6(server, scenario, run, ctx, progress, where, process):
    """The project's k6 script, as it is, against the server: k6's summary export becomes
    the row. A failed threshold is a result; k6 failing to run the test raises K6Error."""
    summary_path = os.path.join(ctx["log_dir"], f"{server.name}-run{run}.k6-summary.json")
    if os.path.exists(summary_path):
        os.remove(summary_path)
    argv = k6_runner.run_argv(ctx["k6"], vus=scenario.vus, duration_s=scenario.duration_s,
                              base_url=f"http://{ctx['host']}:{ctx['port']}",
                              summary_path=summary_path, path_prefix=server.path_prefix)
    outcome = _run_load(argv, os.path.join(ctx["log_dir"], f"{server.name}-run{run}.k6.txt"),
                        process, scenario, progress, where, grace_s=k6_runner.GRACEFUL_STOP_S,
                        stop_after_s=scenario.duration_s + k6_runner.GRACEFUL_STOP_S + 60)
    tail = " ".join(outcome.text.strip().splitlines()[-3:])
    summary = k6_runner.read_summary(summary_path, outcome.returncode, tail)
    row = table_rows.k6_row(server, scenario, run, k6_runner.counts(summary), outcome.server)
    return _finished(row, outcome, server, process, progress, where)


def _finished(row, outcome, server, process, progress, where):
    row["load_cpu_s"] = outcome.load_cpu_s
    row["load_peak_rss_mib"] = outcome.load_peak_rss_bytes / 2**20
    if process is not None and process.poll() is not None:
        log(f"{server.name} exited during the run with {process.returncode}")
    progress.show(f"{where}: {row['completed']:,} completed, {row['failed']:,} failed",
                  force=True)
    return row


@dataclass
class ServerUsage:
    """The server's process tree during the load; None for an external server."""
    peak_rss_bytes: int = None
    peak_processes: int = None
    cpu_s: float = None


@dataclass
class LoadOutcome:
    returncode: int
    text: str                 # the load generator's output
    at_window_end: object     # what at_window_end() returned when the window closed
    server: ServerUsage
    load_cpu_s: float         # the load generator's own CPU and memory
    load_peak_rss_bytes: int


def _run_load(argv, out_path, process, scenario, progress, where, *, grace_s, stop_after_s,
              side_probes=(), at_window_end=None):
    """Runs the load generator `argv` (its output into out_path) while the server's process
    tree is measured, and `side_probes` watch it; kills it if it runs past stop_after_s."""
    cpu_before = proctree.tree_cpu_seconds(process.pid) if process else None
    sampler = proctree.TreeSampler(process.pid).start() if process else None
    for probe in side_probes:
        probe.start()
    started = time.monotonic()
    window_end_value = None
    killed = False
    progress.show(f"{where}: load 0/{scenario.duration_s} s", force=True)
    with open(out_path, "w+") as out:
        generator = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        while (ended := proctree.poll_with_usage(generator)) is None:
            elapsed = time.monotonic() - started
            if at_window_end and window_end_value is None and elapsed >= scenario.duration_s:
                window_end_value = at_window_end()
            if elapsed < scenario.duration_s:
                phase = f"load {elapsed:.0f}/{scenario.duration_s} s"
            else:
                phase = f"answers in flight {elapsed - scenario.duration_s:.0f}/{grace_s} s"
            progress.show(f"{where}: {phase}")
            if elapsed > stop_after_s and not killed:
                log(f"{os.path.basename(argv[0])} did not finish in time: stopping it")
                generator.kill()
                killed = True
            time.sleep(0.2)
        server = ServerUsage()
        if process:
            server.cpu_s = proctree.tree_cpu_seconds(process.pid) - cpu_before
            sampler.stop()
            server.peak_rss_bytes = sampler.peak_rss_bytes
            server.peak_processes = sampler.peak_processes
        for probe in side_probes:
            probe.stop()
        out.seek(0)
        text = out.read()
    returncode, load_cpu_s, load_peak_rss_bytes = ended
    return LoadOutcome(returncode, text, window_end_value, server, load_cpu_s,
                       load_peak_rss_bytes)
