#!/usr/bin/python3
"""Checks deploy/prometheus and deploy/grafana against promtool, the real host and a real
Prometheus, all on loopback:

    tests/deploy/monitoring_test.py [BUILD_DIR] [--seconds N] [--picture PNG]

1. promtool: `check config` on prometheus.yml, `check rules` on alerts.yml, and
   `test rules` on alerts.test.yml (each alert's unit tests).
2. BUILD_DIR's plugin-host on a free port of 127.0.0.1 (config/server.ini with
   max_connections lowered to 48, the seed plugins, and three test plugins: swap, published
   in a scratch folder, throwing, whose handlers fail, and metered, with a counter and a
   histogram of its own), and Debian's prometheus with
   deploy/prometheus/prometheus.yml and alerts.yml, its target moved to the host's port and
   its intervals to 1 s. For N seconds (default 30): the seed's requests from 12 clients,
   requests to a path nothing serves, a burst of requests whose handler throws (500), a new
   version of swap published (a swap), then a file that is not a plugin (a refusal), then
   every connection held open while more clients arrive (503s at capacity). A live scrape
   of /metrics, with metered's counter and histogram in it, passes `promtool check metrics`.
3. Every metric name the dashboard's queries and the alert rules use is a sample name in a
   live scrape of /metrics; every dashboard query, evaluated by that Prometheus, returns data,
   and each panel shows what the run did (the 500s, the seed's 2 s latency, generation 2,
   the swap and the refusal, connections at capacity, the 503s); the alerts become active:
   a plugin refused, at capacity and 5xx rate while the host runs, host down once it stops.
4. With --picture: the dashboard's panels drawn from that Prometheus's data (Grafana itself
   is not installed here), laid out as plugin-host.json places them.

Prints one line per check and "monitoring: N passed, N failed"; exits 1 on any failure and
keeps its scratch folder (logs of both servers) then.
"""

import argparse
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
from ports import free_port  # noqa: E402
from probes import probe_once  # noqa: E402
from proctree import stop_process_group, wait_until  # noqa: E402
from servers import Launch, is_ready, write_host_config  # noqa: E402

# This script's folder, first on sys.path when it runs as a script, holds the package.
from monitoring.picture import draw_dashboard  # noqa: E402
from monitoring.prometheus import JOB, active_alerts, prometheus_api, write_prometheus_config  # noqa: E402
from monitoring.queries import (PROMETHEUS_DIR, dashboard_panels, metric_names, panel_query,  # noqa: E402
                                rule_expressions, sample_names)
from monitoring.traffic import SEED_BODY, Traffic, http_get, metric_value, send, until  # noqa: E402

MAX_CONNECTIONS = 48

results = []


class Abort(Exception):
    """A check the rest of the run depends on has failed."""


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + str(detail) if detail != '' else ''}", flush=True)
    return bool(ok)


def run(argv, cwd=REPO):
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def publish(folder, name, content):
    """As docs/hot-swap.md says: write beside, then rename over."""
    beside = os.path.join(folder, name + ".tmp")
    with open(beside, "wb") as f:
        f.write(content)
    os.chmod(beside, 0o644)
    os.replace(beside, os.path.join(folder, name))


# ---- The run ----

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", nargs="?", default=os.path.join(REPO, "build"))
    parser.add_argument("--seconds", type=float, default=30, help="length of the traffic (default 30)")
    parser.add_argument("--picture", help="draw the dashboard's panels from the run into this PNG")
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    if args.seconds < 20:
        parser.error("--seconds must be 20 or more (each phase needs a few scrapes)")
    for tool in ("promtool", "prometheus"):
        if not shutil.which(tool):
            sys.exit(f"monitoring: {tool} is not installed (scripts/install-dependencies.sh monitoring)")
    needed = [os.path.join(build_dir, "bin", "plugin-host"), os.path.join(build_dir, "plugins", "first.so"),
              os.path.join(build_dir, "test-plugins", "swap_v1.so"),
              os.path.join(build_dir, "test-plugins", "swap_v2.so"),
              os.path.join(build_dir, "test-plugins", "throwing_plugin.so"),
              os.path.join(build_dir, "test-plugins", "metered_v1.so")]
    for path in needed:
        if not os.path.exists(path):
            sys.exit(f"monitoring: {path} is missing: build first")

    print("== promtool")
    ok, out = run(["promtool", "check", "config", os.path.join(PROMETHEUS_DIR, "prometheus.yml")])
    check("promtool check config deploy/prometheus/prometheus.yml", ok, "" if ok else out)
    ok, out = run(["promtool", "check", "rules", os.path.join(PROMETHEUS_DIR, "alerts.yml")])
    check("promtool check rules deploy/prometheus/alerts.yml", ok, "" if ok else out)
    ok, out = run(["promtool", "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS_DIR)
    check("promtool test rules deploy/prometheus/alerts.test.yml (each alert fires and stays quiet)",
          ok, "" if ok else out)

    panels = dashboard_panels()
    dashboard_exprs = [t["expr"] for p in panels for t in p["targets"]]
    wanted_names = metric_names(dashboard_exprs) | metric_names(rule_expressions())

    scratch = tempfile.mkdtemp(prefix="plugin-host-monitoring.")
    os.chmod(scratch, 0o755)
    plugins = os.path.join(scratch, "plugins")
    os.mkdir(plugins, 0o755)
    shutil.copy(os.path.join(build_dir, "test-plugins", "swap_v1.so"), os.path.join(plugins, "swap.so"))
    host_port, prometheus_port = free_port(), free_port()
    config = os.path.join(scratch, "server.ini")
    write_host_config(os.path.join(REPO, "config", "server.ini"), config, build_dir, host_port, 2000,
                      [("server", "max_connections", str(MAX_CONNECTIONS))])
    with open(config, "a") as f:
        f.write(f"\n[plugin.swap]\nlibrary = {os.path.join(plugins, 'swap.so')}\n"
                f"\n[plugin.throwing]\nlibrary = {os.path.join(build_dir, 'test-plugins', 'throwing_plugin.so')}\n"
                f"\n[plugin.metered]\nlibrary = {os.path.join(build_dir, 'test-plugins', 'metered_v1.so')}\n")
    write_prometheus_config(os.path.join(scratch, "prometheus.yml"), host_port)

    host = prometheus = None
    traffic = Traffic(host_port)
    try:
        print(f"== plugin-host on 127.0.0.1:{host_port}, prometheus on 127.0.0.1:{prometheus_port}")
        with open(os.path.join(scratch, "host.log"), "w") as log:
            host = subprocess.Popen([os.path.join(build_dir, "bin", "plugin-host"), "--config", config],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        launch = Launch([], REPO, {}, "GET", "/healthz")
        if not check("the host starts", wait_until(lambda: is_ready(launch, host_port, 1), 20)):
            raise Abort()
        with open(os.path.join(scratch, "prometheus.log"), "w") as log:
            prometheus = subprocess.Popen(
                ["prometheus", f"--config.file={scratch}/prometheus.yml", f"--storage.tsdb.path={scratch}/data",
                 f"--web.listen-address=127.0.0.1:{prometheus_port}", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def prometheus_ready():
            try:
                return "Ready" in http_get(prometheus_port, "/-/ready", 1)
            except OSError:
                return False
        if not check("prometheus starts with the rules", wait_until(prometheus_ready, 30)):
            raise Abort()
        scraped = wait_until(lambda: prometheus_api(prometheus_port, "query", query=f'up{{job="{JOB}"}}')["result"], 15)
        if not check("prometheus scrapes the host", scraped and scraped[0]["value"][1] == "1", scraped):
            raise Abort()

        print(f"== {args.seconds:g} s of traffic")
        seconds = args.seconds
        started = time.monotonic()
        start_time = time.time()
        at = lambda fraction: started + seconds * fraction  # noqa: E731
        traffic.start(ramp_s=seconds * 0.1)
        statuses = {"404": 0, "500": 0, "503": 0, "other": 0}

        def unmatched():
            statuses["404" if send(host_port, "GET", "/no-such-path") == 404 else "other"] += 1
        until(at(0.2), unmatched, 0.5)

        print("-- a new version of swap")
        publish(plugins, "swap.so", open(os.path.join(build_dir, "test-plugins", "swap_v2.so"), "rb").read())
        generation = wait_until(lambda: metric_value(host_port, "plugin_host_plugin_generation", {"plugin": "swap"}) == 2, 10)
        check("the host loads swap's new version (generation 2)", generation)

        print("-- /metrics, with a plugin's own metrics, as promtool reads it")
        for size in (3, 30):
            send(host_port, "POST", "/metered", b"x" * size)
        check("metered's counter counts its requests",
              metric_value(host_port, "metered_requests_total", {"plugin": "metered"}) == 2)
        lint = subprocess.run(["promtool", "check", "metrics"], input=http_get(host_port, "/metrics"),
                              capture_output=True, text=True)
        check("promtool check metrics accepts a live scrape", lint.returncode == 0,
              "" if lint.returncode == 0 else (lint.stdout + lint.stderr).strip())

        print("-- handlers that throw")
        def errors():
            statuses["500" if send(host_port, "POST", "/throws/std", b"{}") == 500 else "other"] += 1
        until(at(0.45), errors, 0.1)

        print("-- a file that is not a plugin")
        publish(plugins, "swap.so", b"this is not a shared object\n")
        refused = wait_until(lambda: metric_value(host_port, "plugin_host_plugin_refusals_total", {"plugin": "swap"}) == 1, 10)
        check("the host refuses it (refusals 1), version 2 serves on", refused and
              send(host_port, "POST", "/swap", SEED_BODY) == 200)
        until(at(0.6), unmatched, 0.5)

        print(f"-- every one of the {MAX_CONNECTIONS} connections held")
        held = []
        for _ in range(MAX_CONNECTIONS):
            held.append(socket.create_connection(("127.0.0.1", host_port), timeout=5))

        def turned_away():
            status, _, _, _ = probe_once(host_port)
            statuses["503" if status == 503 else "other"] += 1
        until(min(at(0.8), time.monotonic() + 8), turned_away, 0.2)  # within header_timeout_ms
        for s in held:
            s.close()
        until(at(1.0), unmatched, 0.5)
        traffic.finish()
        end_time = time.time()
        check("clients got what each phase asked for", statuses["404"] and statuses["500"] and statuses["503"],
              f"{statuses}; seed clients {traffic.statuses}")

        print("== the metric names the dashboard and the rules use, in a live scrape")
        scrape = http_get(host_port, "/metrics")
        with open(os.path.join(scratch, "metrics.txt"), "w") as f:
            f.write(scrape)
        missing = sorted(wanted_names - sample_names(scrape))
        check(f"all {len(wanted_names)} metric names are in /metrics", not missing,
              "missing " + ", ".join(missing) if missing else "")

        print("== every dashboard query, evaluated by Prometheus, returns data")
        series_of = {}
        for panel in panels:
            series_of[panel["id"]] = []
            for target in panel["targets"]:
                query = panel_query(target["expr"])
                now = prometheus_api(prometheus_port, "query", query=query, time=f"{end_time:.3f}")["result"]
                check(f"{panel['title']} [{target['refId']}] returns data", now, query if not now else len(now))
                ranged = prometheus_api(prometheus_port, "query_range", query=query, start=f"{start_time:.3f}",
                                        end=f"{end_time:.3f}", step="1")["result"]
                for series in ranged:
                    legend = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: series["metric"].get(m.group(1), ""),
                                    target["legendFormat"]).strip()
                    series_of[panel["id"]].append(
                        (legend, [(float(t), float(v)) for t, v in series["values"]]))

        def peak(title, legend_part):
            panel = next(p for p in panels if p["title"] == title)
            values = [v for legend, points in series_of[panel["id"]] if legend_part in legend
                      for _, v in points if not math.isnan(v)]
            return max(values) if values else None

        print("== what each panel shows of the run")
        check("requests: the seed's 200s", (peak("Requests a second by endpoint and status", "POST /first 200") or 0) > 0)
        check("requests: the throwing handler's 500s",
              (peak("Requests a second by endpoint and status", "POST /throws/std 500") or 0) > 0)
        check("requests: 404s for the path nothing serves",
              (peak("Requests a second by endpoint and status", "unmatched 404") or 0) > 0)
        p50 = peak("Latency p50 and p99 by endpoint", "p50 POST /first")
        check("latency: the seed's p50 is its repository's 2 s", p50 is not None and 1.0 <= p50 <= 2.5, p50)
        check("connections: open reached max_connections",
              peak("Connections against capacity", "open") == MAX_CONNECTIONS,
              peak("Connections against capacity", "open"))
        check("503s at capacity: above zero", (peak("503s at capacity", "turned away") or 0) > 0)
        check("requests in flight: above zero", (peak("Requests in flight", "") or 0) > 0)
        check("plugin generations: swap reached 2", peak("Plugin generations", "swap") == 2)
        check("swaps and refusals: swap's swap", (peak("Swaps and refusals", "loaded swap") or 0) > 0)
        check("swaps and refusals: swap's refusal", (peak("Swaps and refusals", "refused swap") or 0) > 0)
        check("5xx share: above zero", (peak("5xx share (5 min)", "5xx") or 0) > 0)
        if args.picture:
            draw_dashboard(panels, series_of, start_time, end_time, args.picture)
            print(f"wrote {args.picture}")

        print("== the alerts, evaluated by Prometheus")
        alerts = wait_until(lambda: (a := active_alerts(prometheus_port)).get(("PluginHostPluginRefused", "swap")) == "firing"
                            and ("PluginHostAtCapacity", "") in a and ("PluginHostServerErrors", "") in a and a, 15)
        alerts = alerts or active_alerts(prometheus_port)
        check("PluginHostPluginRefused fires for swap",
              alerts.get(("PluginHostPluginRefused", "swap")) == "firing", alerts)
        check("PluginHostAtCapacity is active (pending until its 2 min have passed)",
              ("PluginHostAtCapacity", "") in alerts, alerts)
        check("PluginHostServerErrors is active (pending until its 5 min have passed)",
              ("PluginHostServerErrors", "") in alerts, alerts)
        check("PluginHostDown is not", ("PluginHostDown", "") not in alerts, alerts)
        stop_process_group(host)
        check("the host stops on SIGTERM (exit 0)", host.returncode == 0, host.returncode)
        host = None
        down = wait_until(lambda: ("PluginHostDown", "") in active_alerts(prometheus_port), 15)
        check("PluginHostDown is active once the host has stopped", down)
    except Abort:
        pass
    finally:
        traffic.finish()
        for process in (host, prometheus):
            if process:
                stop_process_group(process)
    passed = sum(results)
    failed = len(results) - passed
    if failed:
        print(f"monitoring: files kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"monitoring: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
