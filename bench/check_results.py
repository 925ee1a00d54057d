#!/usr/bin/python3
"""Checks a benchmark's output folder: every file there and complete, every expected
server measured, and plugin-host without a single failed request.

    bench/check_results.py DIR --servers host,flask-dev

Prints one line per check and a closing "smoke: N passed, N failed"; exits 1 on any
failure. CI runs it after a short benchmark (.ci/run).
"""

import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from report import CSV_COLUMNS  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--servers", required=True,
                        help="comma-separated servers that must have been measured")
    args = parser.parse_args(argv)
    expected = [s for s in args.servers.split(",") if s]

    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))
        return ok

    paths = {n: os.path.join(args.out_dir, n)
             for n in ("results.csv", "results.md", "results.png", "results.json")}
    for name, path in paths.items():
        check(f"{name} exists and is not empty",
              os.path.isfile(path) and os.path.getsize(path) > 0, path)

    rows = []
    if os.path.isfile(paths["results.csv"]):
        with open(paths["results.csv"], newline="") as f:
            reader = csv.DictReader(f)
            header_ok = tuple(reader.fieldnames or ()) == CSV_COLUMNS
            rows = list(reader)
        check("results.csv has the expected columns", header_ok)
    by_server = {row["server"]: row for row in rows}
    for server in expected:
        row = by_server.get(server)
        measured = row is not None and row["source"] == "measured"
        detail = "" if measured else (row["note"] if row else "no row")
        if check(f"{server} was measured", measured, detail):
            complete = all(row[c] != "" for c in (
                "sent", "completed", "rps", "pct_ceiling", "failed", "latency_mean_s",
                "latency_p50_s", "latency_p99_s", "peak_rss_mib", "cpu_s"))
            check(f"{server}'s row is complete", complete)
            check(f"{server} completed requests", int(row["completed"]) > 0,
                  f"{row['completed']} of {row['ceiling_requests']}")

    host = by_server.get("host")
    if "host" in expected and host is not None and host["source"] == "measured":
        check("host had no failed request", int(host["failed"]) == 0,
              f"failed {host['failed']} (non-2xx {host['non_2xx']}, unanswered "
              f"{host['unanswered']}, late {host['late']})")
        check("host completed every request it sent",
              int(host["completed"]) == int(host["sent"]),
              f"{host['completed']} of {host['sent']}")

    if os.path.isfile(paths["results.md"]):
        with open(paths["results.md"]) as f:
            table_rows = [line for line in f if line.startswith("| ")]
        labels_ok = all(any(by_server[s]["label"] in line for line in table_rows)
                        for s in expected if s in by_server)
        check("results.md has a table row per server", labels_ok and
              len(table_rows) >= len(expected) + 1)

    if os.path.isfile(paths["results.png"]):
        with open(paths["results.png"], "rb") as f:
            png = f.read()
        check("results.png is a PNG image", png.startswith(PNG_SIGNATURE)
              and len(png) > 10_000, f"{len(png)} bytes")

    if os.path.isfile(paths["results.json"]):
        try:
            with open(paths["results.json"]) as f:
                data = json.load(f)
            ok = {"date", "scenario", "rows", "machine"} <= set(data)
        except ValueError:
            ok = False
        check("results.json parses and has the run's description", ok)

    passed = sum(results)
    failed = len(results) - passed
    print(f"smoke: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
