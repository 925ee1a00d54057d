#!/usr/bin/python3
"""The project's k6 script, run by the real k6 against the built plugin-host.

    tests/k6/seed_script_test.py BUILD_DIR [--vus 50] [--duration 20]

1. The seed's load as users run it (50 VUs for 20 s by default): k6 exits 0, every
   threshold passes, every request was answered 200, and the requests k6 counts are the
   requests the host counts in /metrics for POST /first, /second and /third.
2. A failed threshold is a result, not an error: the same script against paths the host
   does not serve (PATH_PREFIX) exits 99, and its summary still makes a benchmark row that
   counts every request as failed.

k6 is looked up on PATH, then at ../shared/tools/k6; where neither exists the test says so
and exits 77, which ctest reports as skipped.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_DIR, "bench"))

import k6_runner  # noqa: E402
import ports  # noqa: E402
import proctree  # noqa: E402
import servers  # noqa: E402
import table_rows  # noqa: E402
from load import ServerUsage  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402

SKIPPED = 77
# The host starts in well under a second; a sanitizer build and a busy machine take longer.
START_TIMEOUT_S = 60
SEED_ENDPOINTS = ("POST /first", "POST /second", "POST /third")


def fail(message):
    print(f"FAILED: {message}", flush=True)
    sys.exit(1)


def get(url, timeout_s=5):
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return response.status, response.read().decode()


def seed_requests_counted(base_url):
    """The host's count of requests to the seed's three endpoints, any status."""
    _, text = get(f"{base_url}/metrics")
    total = 0
    for line in text.splitlines():
        match = re.match(r'plugin_host_requests_total\{endpoint="([^"]+)",status="\d+"\} (\d+)$',
                         line)
        if match and match.group(1) in SEED_ENDPOINTS:
            total += int(match.group(2))
    return total


def run_k6(k6, work_dir, name, **settings):
    summary_path = os.path.join(work_dir, f"{name}-summary.json")
    argv = k6_runner.run_argv(k6, summary_path=summary_path, **settings)
    print("$ " + " ".join(argv), flush=True)
    completed = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=settings["duration_s"] + k6_runner.GRACEFUL_STOP_S + 60)
    print(completed.stdout, flush=True)
    tail = " ".join(completed.stdout.strip().splitlines()[-3:])
    summary = k6_runner.read_summary(summary_path, completed.returncode, tail)
    return completed.returncode, k6_runner.counts(summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir")
    parser.add_argument("--vus", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    args = parser.parse_args()

    k6 = k6_runner.find_k6()
    if not k6:
        print(f"SKIPPED: {k6_runner.not_found_message()}; the project's k6 script was not "
              "run against the host. Install k6 (https://k6.io) to run this test.", flush=True)
        return SKIPPED
    print(f"k6: {k6} ({k6_runner.version(k6)})", flush=True)

    build_dir = os.path.abspath(args.build_dir)
    servers.built_host(build_dir, "seed_script_test")
    port = ports.free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="k6-seed-script-") as work_dir:
        # The shipped configuration, as the benchmark runs it: this port, the build's plugins.
        launch = servers.launch_for(servers.SERVERS["host"], port=port, delay_ms=2000,
                                    build_dir=build_dir, work_dir=work_dir)
        host_log = open(os.path.join(work_dir, "host.log"), "w+")
        host = subprocess.Popen(launch.argv, cwd=launch.cwd, env=launch.env,
                                stdin=subprocess.DEVNULL, stdout=host_log,
                                stderr=subprocess.STDOUT)
        try:
            proctree.wait_until(lambda: host.poll() is not None
                                or servers.is_ready(launch, port, timeout_s=1),
                                START_TIMEOUT_S, interval_s=0.1)
            if host.poll() is not None:
                fail(f"the host exited with {host.returncode} at start")
            if not servers.is_ready(launch, port, timeout_s=1):
                fail(f"the host did not answer /healthz within {START_TIMEOUT_S} s")

            returncode, counts = run_k6(k6, work_dir, "seed", vus=args.vus,
                                        duration_s=args.duration, base_url=base_url)
            if returncode != k6_runner.EXIT_OK or counts["failed_thresholds"]:
                fail(f"k6 exited with {returncode}; failed thresholds: "
                     f"{counts['failed_thresholds'] or 'none'}")
            if counts["requests"] < 3 * args.vus:
                fail(f"k6 made {counts['requests']} requests, fewer than one iteration of "
                     f"each of the {args.vus} virtual users")
            if counts["checks_passed"] != counts["requests"]:
                fail(f"{counts['requests'] - counts['checks_passed']} of {counts['requests']} "
                     "requests were not answered 200")
            # The host counts a request once its answer is written: k6 can have read the
            # last answers a moment before.
            deadline = time.monotonic() + 10
            while (counted := seed_requests_counted(base_url)) != counts["requests"]:
                if time.monotonic() > deadline:
                    fail(f"k6 made {counts['requests']} requests, the host's /metrics counts "
                         f"{counted} on {', '.join(SEED_ENDPOINTS)}")
                time.sleep(0.1)
            print(f"k6 and the host agree: {counted} requests, all answered 200; "
                  f"p95 {counts['latency_p95_s']:.3f} s", flush=True)

            returncode, counts = run_k6(k6, work_dir, "unserved", vus=5, duration_s=3,
                                        base_url=base_url, path_prefix="/not-served")
            if returncode != k6_runner.EXIT_THRESHOLDS_FAILED:
                fail(f"k6 against unserved paths exited with {returncode}, not "
                     f"{k6_runner.EXIT_THRESHOLDS_FAILED} (a failed threshold)")
            scenario = SCENARIOS["seed"].with_overrides(
                vus=5, duration_s=3, timeout_s=k6_runner.REQUEST_TIMEOUT_S)
            row = table_rows.k6_row(servers.SERVERS["host"], scenario, 1, counts,
                                    ServerUsage())
            if not (row["sent"] > 0 and row["completed"] == 0 and row["failed"] == row["sent"]
                    and "http_req_failed: rate==0" in row["note"]):
                fail(f"the failed run's row does not count every request as failed: {row}")
            print(f"a failed threshold made a row: {row['failed']} failed; {row['note']}",
                  flush=True)
        finally:
            if host.poll() is None:
                host.send_signal(signal.SIGTERM)
                try:
                    host.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    host.kill()
                    host.wait()
            host_log.seek(0)
            host_output = host_log.read()
            host_log.close()
        if host.returncode != 0:
            print(host_output[-4000:])
            fail(f"the host exited with {host.returncode} after SIGTERM")
    print("PASSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
