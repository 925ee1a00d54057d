"""One server under the benchmark's load: started (unless it runs already), loaded by wrk
with bench/seed_load.lua, measured and stopped; the result is a row of the table."""

import json
import os
import subprocess
import tempfile
import time

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
        return table_rows.failed_row(server, run, f"wrk failed ({wrk.returncode}): {tail}")
    if process is not None and process.poll() is not None:
        log(f"{server.name} exited during the run with {process.returncode}")
    row = table_rows.measured_row(server, scenario, run, result, never_connected or 0,
                                  sampler.peak_rss_bytes if sampler else None,
                                  sampler.peak_processes if sampler else None,
                                  cpu_after - cpu_before if process else None)
    if probe:
        row.update(probe.summary())
        row["note"] = "; ".join(filter(None, [row["note"], report.probe_note(row)]))
    progress.show(f"{where}: {row['completed']:,} completed, {row['failed']:,} failed",
                  force=True)
    return row
