#!/usr/bin/python3
"""Benchmarks plugin-host against the seed's servers, one after the other, in one run.

    bench/run.py                       # the seed scenario: N=500, 60 s, every server
    bench/run.py --duration 300        # the seed's full 5 minutes
    bench/run.py --vus 20 --duration 5 --servers host,flask-dev   # a quick look
    bench/run.py --target 127.0.0.1:8991 --label "nginx + 2 replicas"  # a running server
    bench/run.py --load k6 --duration 300     # the seed's own test, run by the real k6

Every server gets the same load. By default wrk makes it (bench/seed_load.lua): 3N
keep-alive connections spread over POST /first, /second and /third, each pausing 1 s
between its requests, with the repository waiting 2 s on each. With --load k6 the real k6
runs the project's k6 script (k6/api_performance_test.js) as it is against each server.
Results go to bench/results/ (results.csv, results.md, results.png, results.json) and the table is printed at the end.
docs/benchmark.md ("Load testing") says what each column means.
"""

import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chart  # noqa: E402
import dotnet_peer  # noqa: E402
import k6_runner  # noqa: E402
import options  # noqa: E402
import load  # noqa: E402
import ports  # noqa: E402
import report  # noqa: E402
import table_rows  # noqa: E402
import yardsticks  # noqa: E402
from progress import Progress, log  # noqa: E402
import servers as server_defs  # noqa: E402
from scenarios import ALL_SERVERS  # noqa: E402

REPO_DIR = server_defs.REPO_DIR


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
        "cpu_baseline": scenario.cpu_baseline,
        "host_settings": [list(t) for t in scenario.host_settings],
        "description": scenario.description,
    }


def rerender(out_dir):
    """Rewrites a results folder's CSV, Markdown and chart from its results.json."""
    with open(os.path.join(out_dir, "results.json")) as f:
        meta = json.load(f)
    rows = meta.pop("rows")
    if not chart.available():
        log("warning: " + chart.MISSING)
    header, summary, _ = report.write_all(out_dir, meta, rows)
    print("\n".join(header[2:]) + "\n\n" + report.markdown_table(summary))
    return 0


def planned_seconds(scenario, measured_count, repeat, load_tool):
    grace_s = k6_runner.GRACEFUL_STOP_S if load_tool == "k6" else scenario.grace_s
    per_server = 6 + load.SETTLE_S + scenario.duration_s + grace_s + 3
    return per_server * measured_count * repeat


def main(argv=None):
    args, scenario = options.parse_args(argv if argv is not None else sys.argv[1:])
    if args.rerender:
        return rerender(args.rerender)
    if args.list:
        for name in ALL_SERVERS:
            print(f"{name:10} {server_defs.SERVERS[name].label}")
        return 0

    for tool in (["wrk"] if args.load == "wrk" else []) + [server_defs.SYSTEM_PYTHON]:
        if not (os.path.exists(tool) or shutil.which(tool)):
            log(f"{tool} is missing: run scripts/install-dependencies.sh bench")
            return 2
    load_meta = {"tool": args.load}
    if args.load == "k6":
        k6 = k6_runner.find_k6()
        if not k6:
            log(k6_runner.not_found_message())
            return 2
        try:
            load_meta.update(path=k6, version=k6_runner.version(k6),
                             graceful_stop_s=k6_runner.GRACEFUL_STOP_S)
        except k6_runner.K6Error as error:
            log(str(error))
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
    not_installed = [s for s in selected if s.kind == "nginx" and not yardsticks.nginx_available()]
    no_dotnet = [s for s in selected if s.kind == "dotnet" and not dotnet_peer.available()]
    if no_dotnet:
        log(f"{dotnet_peer.MISSING}; its row shows the seed's published figures and the run "
            "exits 1")
    to_measure = [s for s in selected if s not in not_installed and s not in no_dotnet]

    build_type = ""
    if any(s.kind in ("host", "poco-minimal", "poco-sleeping", "epoll-timer") for s in to_measure):
        if args.no_build:
            build_type = server_defs.host_build_type(build_dir)
        else:
            build_type = server_defs.build_host(build_dir, log)
        if build_type != "Release":
            log(f"warning: {build_dir} is a '{build_type}' build, not Release")
    if any(s.kind == "dotnet" for s in to_measure):
        try:
            dotnet_peer.build(build_dir, os.path.join(log_dir, "dotnet-build.log"), log)
        except dotnet_peer.BuildError as error:
            log(f"the Kestrel peer did not build: {error}")
            return 2

    slack = scenario.window_slack_s()
    if slack < 0.5:
        log(f"warning: the window ends {slack:.2f} s after a scheduled send; a request "
            "due then may or may not go out: prefer a duration like 60 or 300")

    started_at = datetime.datetime.now().astimezone()
    host, port = args.target or ("127.0.0.1", args.port or ports.free_port())
    ctx = {"host": host, "port": port, "build_dir": build_dir, "log_dir": log_dir,
           "load": args.load, "k6": load_meta.get("path")}
    log(f"load: {load_meta.get('version') or 'wrk'}; "
        f"scenario {scenario.name}: N={scenario.vus} ({scenario.connections} connections), "
        f"{scenario.duration_s} s window + {scenario.grace_s} s for answers in flight, "
        f"delay {scenario.delay_ms} ms, pause {scenario.pause_ms} ms; "
        + (f"compared with {scenario.baseline}" if scenario.baseline else
           f"ceiling {scenario.ceiling_requests:,} requests ({scenario.ceiling_rps:,.0f} req/s)")
        + f"; {host}:{port}")
    if not chart.available():
        log("warning: " + chart.MISSING)
    progress = Progress(planned_seconds(scenario, len(to_measure), args.repeat, args.load))

    rows = []
    with tempfile.TemporaryDirectory(prefix="plugin-host-bench-") as work_dir:
        ctx["work_dir"] = work_dir
        total_steps = len(to_measure) * args.repeat
        step = 0
        for run in range(1, args.repeat + 1):
            for server in to_measure:
                step += 1
                try:
                    row = load.run_server(server, scenario, run, ctx, progress,
                                          f"{step}/{total_steps}")
                except k6_runner.K6Error as error:
                    progress.done_line()
                    log(f"{server.name}: {error}")
                    return 2
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
            rows.append(table_rows.skipped_row(server, "not installed here"))
        elif server not in to_measure:
            row = table_rows.published_row(server)
            if server in no_dotnet:
                row["note"] += "; not measured here: dotnet not found on PATH"
            rows.append(row)
    if scenario.baseline:
        table_rows.compare_with_baseline(rows, scenario.baseline)

    meta = {
        "date": f"{started_at:%Y-%m-%d %H:%M %Z}",
        "commit": git_commit(),
        "machine": machine_description(),
        "build_type": build_type,
        "repeat": args.repeat,
        "load": load_meta,
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
    not_run += [f"{s.name} ({dotnet_peer.MISSING.split(':')[0]})" for s in no_dotnet]
    if not_run:
        log("could not run: " + ", ".join(not_run))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
