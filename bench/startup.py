#!/usr/bin/python3
"""How long plugin-host takes from exec to its first 200 on GET /healthz.

    /usr/bin/python3 bench/startup.py [--runs 10] [--build-dir build]

Starts the release build with the default configuration (config/server.ini, on a free
loopback port) `--runs` times; each time it polls /healthz every 2 ms from the moment of
exec and stops the server once /healthz answers 200 listing the three seed plugins.
Prints each time and the median and maximum, in milliseconds. Builds nothing: run
bench/run.py (or cmake --build) first.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402
import proctree  # noqa: E402
import servers as server_defs  # noqa: E402

SEED_PLUGINS = ["first", "second", "third"]
GIVE_UP_S = 10


def healthy(port):
    """True once /healthz answers 200 with the three seed plugins."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            body = json.loads(response.read())
            return response.status == 200 and body.get("plugins") == SEED_PLUGINS
    except (urllib.error.URLError, OSError, ValueError):
        return False


def time_to_healthy(executable, config, port):
    """Milliseconds from exec to the first healthy answer; None if it never came."""
    started = time.monotonic()
    process = subprocess.Popen([executable, "--config", config], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        while time.monotonic() - started < GIVE_UP_S:
            if healthy(port):
                return (time.monotonic() - started) * 1000
            if process.poll() is not None:
                return None
            time.sleep(0.002)
        return None
    finally:
        proctree.stop_process_group(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="start-ups to time (default 10)")
    parser.add_argument("--build-dir", default=os.path.join(server_defs.REPO_DIR, "build"),
                        help="plugin-host's CMake build folder (default build/)")
    args = parser.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    executable = server_defs.built_host(build_dir, "startup")

    times = []
    with tempfile.TemporaryDirectory(prefix="plugin-host-startup-") as work_dir:
        for run in range(1, args.runs + 1):
            port = ports.free_port()
            config = os.path.join(work_dir, "host.ini")
            server_defs.write_host_config(os.path.join(server_defs.REPO_DIR, "config", "server.ini"),
                                          config, build_dir, port, 2000)
            elapsed = time_to_healthy(executable, config, port)
            if elapsed is None:
                sys.exit(f"startup: run {run}: /healthz did not answer 200 within {GIVE_UP_S} s")
            times.append(elapsed)
            print(f"run {run}/{args.runs}: /healthz 200 after {elapsed:.1f} ms", flush=True)
    print(f"start-up to /healthz 200 with {', '.join(SEED_PLUGINS)}: median "
          f"{statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} runs")


if __name__ == "__main__":
    main()
