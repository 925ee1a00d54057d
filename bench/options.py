"""The command line of bench/run.py: its options, checked, and the scenario they make."""

import argparse
import ipaddress
import os

import k6_runner
import servers as server_defs
from scenarios import ALL_SERVERS, SCENARIOS


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark plugin-host against the seed's servers with wrk or k6.",
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
    parser.add_argument("--load", choices=("wrk", "k6"), default="wrk",
                        help="what makes the load: wrk emulating the seed's k6 test "
                        "(default; every scenario), or the real k6 running "
                        "k6/api_performance_test.js as it is (seed and seed-4x: the "
                        "script's pause, timeout and paths are its own). k6 is looked up "
                        "on PATH, then at ../shared/tools/k6")
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
    parser.add_argument("--host-setting", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="change plugin-host's configuration for this run beyond the "
                        "scenario's, e.g. server.listen_backlog=32768 (repeatable)")
    parser.add_argument("--out", default=os.path.join(server_defs.BENCH_DIR, "results"),
                        help="output folder (default bench/results)")
    parser.add_argument("--build-dir", default=os.path.join(server_defs.REPO_DIR, "build"),
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

    if args.load == "k6":
        check_k6_scenario(parser, args)  # refuses --timeout: the script's is the timeout
        args.timeout = k6_runner.REQUEST_TIMEOUT_S
    scenario = SCENARIOS[args.scenario].with_overrides(
        vus=args.vus, duration_s=args.duration, delay_ms=args.delay_ms,
        pause_ms=args.pause_ms, timeout_s=args.timeout, wrk_threads=args.wrk_threads,
        servers=tuple(s.strip() for s in args.servers.split(",") if s.strip())
        if args.servers else None)
    if args.host_setting:
        scenario = scenario.with_overrides(host_settings=scenario.host_settings + tuple(
            parse_host_setting(parser, text) for text in args.host_setting))
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


def check_k6_scenario(parser, args):
    """k6 runs the seed's script as it is: only the scenarios shaped like it, and none of
    wrk's knobs."""
    shape = SCENARIOS[args.scenario]
    if (shape.connections_per_vu, shape.pause_ms, shape.paths) != (3, 1000, (
            "first", "second", "third")) or shape.admitted_connections or shape.baseline:
        parser.error(f"--load k6 runs the seed's k6 script, which the {args.scenario} "
                     "scenario is not: use --scenario seed or seed-4x")
    given = [flag for flag, value in (("--pause-ms", args.pause_ms),
                                      ("--timeout", args.timeout),
                                      ("--wrk-threads", args.wrk_threads)) if value is not None]
    if given:
        parser.error(f"--load k6 runs the script as it is (its own 1 s sleep and 120 s "
                     f"timeout): {', '.join(given)} set wrk's load only")


def parse_host_setting(parser, text):
    """(section, key, value) of --host-setting SECTION.KEY=VALUE."""
    name, equals, value = text.partition("=")
    section, dot, key = name.strip().partition(".")
    if not (equals and dot and section and key and value.strip()):
        parser.error(f"--host-setting {text}: expected SECTION.KEY=VALUE, e.g. "
                     "server.listen_backlog=32768")
    return section, key.strip(), value.strip()


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
