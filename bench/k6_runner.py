"""The real k6 and the project's k6 script: where k6 is, how the script is run, and what
k6's summary export says about the run.

Used by bench/run.py --load k6 (one run per server) and by tests/k6/seed_script_test.py
(the script against plugin-host in the test suite). k6 is not in Debian: it is looked up on
PATH, then at ../shared/tools/k6 beside the project's folder.
"""

import json
import os
import shutil
import subprocess

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_DIR, "k6", "api_performance_test.js")
SHARED_K6 = os.path.normpath(os.path.join(REPO_DIR, "..", "shared", "tools", "k6"))

# What the script and k6's defaults fix, and the benchmark's figures depend on.
REQUEST_TIMEOUT_S = 120    # the script's params.timeout
GRACEFUL_STOP_S = 30       # k6's default gracefulStop: iterations still running get this long
CHECK_NAME = "status was 200"
TREND_STATS = "avg,min,med,max,p(90),p(95),p(99)"

EXIT_OK = 0
EXIT_THRESHOLDS_FAILED = 99  # k6 ran the test and a threshold failed: the run is a result


class K6Error(Exception):
    """k6 could not run the test: missing, a script error, no summary written."""


def find_k6():
    """The k6 to run: the one on PATH, else ../shared/tools/k6; None when neither exists."""
    on_path = shutil.which("k6")
    if on_path:
        return on_path
    if os.access(SHARED_K6, os.X_OK):
        return SHARED_K6
    return None


def not_found_message():
    return f"k6 not found: it is not on PATH and not at {SHARED_K6}"


def version(k6):
    """k6's version line, e.g. 'k6 v0.46.0 ((devel), go1.19.8, linux/amd64)'."""
    try:
        out = subprocess.run([k6, "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise K6Error(f"{k6} version: {error}") from error
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""


def run_argv(k6, *, vus, duration_s, base_url, summary_path, path_prefix=""):
    """The command that runs the project's script, as a user would, writing k6's summary
    (with p90, p95 and p99) to summary_path. --quiet leaves out the progress bars, not the
    end-of-test summary."""
    return [k6, "run", "--quiet", "--no-color",
            "--summary-export", summary_path, "--summary-trend-stats", TREND_STATS,
            "-e", f"VUS={vus}", "-e", f"DURATION={duration_s}s",
            "-e", f"BASE_URL={base_url}", "-e", f"PATH_PREFIX={path_prefix}",
            SCRIPT]


def read_summary(path, returncode, output_tail=""):
    """k6's summary export after a run that ended with returncode: the result of the test
    when k6 ran it (exit 0, or 99 for a failed threshold), else K6Error."""
    if returncode not in (EXIT_OK, EXIT_THRESHOLDS_FAILED):
        raise K6Error(f"k6 exited with {returncode} before finishing the test: {output_tail}")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        raise K6Error(f"k6 exited with {returncode} but its summary is unreadable: {error}")


def _seconds(trend, stat):
    value = trend.get(stat) if trend else None
    return value / 1000.0 if isinstance(value, (int, float)) else None


def counts(summary):
    """What a run did, from k6's summary export (k6 v0.46's format: trends in ms, a rate's
    "passes" counts its true samples, a threshold maps to true when it failed).

    requests: every request k6 made and saw end; failed: those k6 counts failed (another
    status than 2xx/3xx, the script's 120 s timeout, a connection error); completed: the
    others. The script's check (status 200) runs once all three requests of an iteration
    have ended, so an iteration cut by the graceful stop leaves its finished requests
    unchecked; checks_failed beyond the failed requests are 2xx/3xx answers other than 200.
    latency_*: of the requests that did not fail, in seconds."""
    metrics = summary.get("metrics", {})
    requests = int(metrics.get("http_reqs", {}).get("count", 0))
    failed = int(metrics.get("http_req_failed", {}).get("passes", 0))
    check = summary.get("root_group", {}).get("checks", {}).get(CHECK_NAME, {})
    checks_passed, checks_failed = int(check.get("passes", 0)), int(check.get("fails", 0))
    failed_thresholds = sorted(
        f"{name}: {expression}"
        for name, metric in metrics.items()
        for expression, crossed in (metric.get("thresholds") or {}).items() if crossed)
    latency = metrics.get("http_req_duration{expected_response:true}")
    return {
        "requests": requests,
        "completed": requests - failed,
        "failed": failed,
        "checks_passed": checks_passed,
        "checks_failed": checks_failed,
        "unchecked": requests - checks_passed - checks_failed,
        "failed_thresholds": failed_thresholds,
        "latency_mean_s": _seconds(latency, "avg"),
        "latency_p50_s": _seconds(latency, "med"),
        "latency_p90_s": _seconds(latency, "p(90)"),
        "latency_p95_s": _seconds(latency, "p(95)"),
        "latency_p99_s": _seconds(latency, "p(99)"),
        "latency_max_s": _seconds(latency, "max"),
    }
