"""Writes a benchmark's results: results.csv, results.md and results.png."""

import csv
import json
import os
import statistics

import chart
import per_request

# Every column of results.csv, in order. One row per server and run.
CSV_COLUMNS = (
    "server", "label", "source", "run", "vus", "connections", "duration_s", "pause_ms",
    "delay_ms", "timeout_s", "ceiling_requests", "ceiling_rps",
    "sent", "completed", "rps", "pct_ceiling",
    "failed", "non_2xx", "turned_away", "unanswered", "never_connected", "late",
    "errors_connect", "errors_read", "errors_write",
    "latency_mean_s", "latency_p50_s", "latency_p90_s", "latency_p95_s", "latency_p99_s",
    "latency_max_s", "peak_rss_mib", "rss_kib_per_connection", "peak_processes", "cpu_s",
    "cpu_us_per_request", "load_cpu_s", "load_peak_rss_mib",
    "probes", "probe_503", "probe_other", "probe_resets", "probe_503_p50_ms", "probe_503_max_ms",
    "note",
)

# The figures a summary row takes the median of, over a server's runs.
MEDIAN_COLUMNS = (
    "sent", "completed", "rps", "pct_ceiling", "failed", "non_2xx", "turned_away", "unanswered",
    "never_connected", "late",
    "errors_connect", "errors_read", "errors_write", "latency_mean_s", "latency_p50_s",
    "latency_p90_s", "latency_p95_s", "latency_p99_s", "latency_max_s", "peak_rss_mib",
    "rss_kib_per_connection", "peak_processes", "cpu_s", "cpu_us_per_request", "load_cpu_s",
    "load_peak_rss_mib",
    "probes", "probe_503", "probe_other", "probe_resets", "probe_503_p50_ms", "probe_503_max_ms",
)


def failure_note(row):
    """Why a measured row's requests failed, from its counts."""
    def count(column):
        value = row.get(column)
        return value if isinstance(value, (int, float)) else 0

    notes = []
    if count("never_connected"):
        notes.append(f"{count('never_connected'):,.0f} of {count('connections'):,} "
                     "connections still connecting when the window closed")
    if count("unanswered"):
        notes.append(f"{count('unanswered'):,.0f} requests sent, never answered")
    if count("late"):
        notes.append(f"{count('late'):,.0f} answered after the {row.get('timeout_s')} s "
                     "timeout")
    if count("turned_away"):
        notes.append(f"{count('turned_away'):,.0f} answers were 503s to clients beyond max_connections")
    if count("non_2xx") - count("turned_away"):
        notes.append(f"{count('non_2xx') - count('turned_away'):,.0f} answered another non-2xx")
    return notes


def probe_note(row):
    """What the overload probe saw of fresh connections while the server was full."""
    if not row.get("probes"):
        return ""
    note = (f"fresh connections during the load: {row['probe_503']:,.0f} of {row['probes']:,.0f} "
            f"answered 503 with Retry-After")
    if isinstance(row.get("probe_503_p50_ms"), (int, float)):
        note += f" (median {row['probe_503_p50_ms']:.1f} ms, max {row['probe_503_max_ms']:.1f} ms)"
    if row.get("probe_resets"):
        note += f", {row['probe_resets']:,.0f} reset"
    return note


def summarize(rows):
    """One row per server: the median of each figure over that server's runs."""
    by_server = {}
    for row in rows:
        by_server.setdefault(row["server"], []).append(row)
    summary = []
    for server, runs in by_server.items():
        if len(runs) == 1:
            summary.append(runs[0])
            continue
        merged = dict(runs[0])
        merged["run"] = "median"
        merged["runs"] = len(runs)
        for column in MEDIAN_COLUMNS:
            values = [r[column] for r in runs if isinstance(r.get(column), (int, float))]
            if values:
                merged[column] = statistics.median(values)
        if merged["source"] == "measured":
            notes = failure_note(merged) + list(filter(None, [probe_note(merged)]))
            completed = [r["completed"] for r in runs if "completed" in r]
            if completed and min(completed) != max(completed):
                notes.append("completed per run: "
                             + ", ".join(f"{c:,}" for c in completed))
            merged["note"] = "; ".join(notes)
        summary.append(merged)
    return summary


def header_lines(meta):
    """The description of a run above its table in results.md."""
    sc = meta["scenario"]
    settings = "; ".join(f"[{s}] {k} = {v}" for s, k, v in sc.get("host_settings", []))
    return [
        f"# {sc['name']} scenario: N={sc['vus']}, {sc['duration_s']} s",
        "",
        f"- Scenario: {sc.get('description', sc['name'])}"
        + (f"; plugin-host with {settings}" if settings else ""),
        "",
        f"- Date: {meta['date']}; commit {meta.get('commit') or 'unknown'}; "
        f"plugin-host build: {meta.get('build_type') or 'n/a'}",
        f"- Machine: {meta['machine']}",
    ] + load_lines(meta, sc)


def ceiling_line(sc):
    if sc.get("baseline"):
        return (f"- Compared with: {sc['baseline']}; \"% of ceiling\" is each server's req/s "
                f"as a percentage of {sc['baseline']}'s (no pause and no delay: no ceiling)")
    admitted = sc.get("admitted_connections") or 0
    return (f"- Ceiling: {sc['ceiling_requests']:,} requests "
            f"({sc['requests_per_connection']} per connection"
            + (f", of the {admitted:,} connections plugin-host admits" if admitted else "")
            + f"), {sc['ceiling_rps']:,.1f} req/s over the window (steady state: "
            f"{sc['steady_rps']:,.0f} req/s)")


def load_lines(meta, sc):
    """How the load was made, and what each row's figures count, for wrk or for k6."""
    paths = ", ".join("/" + p for p in sc["paths"])
    repeat = meta.get("repeat", 1)
    medians = f"; {repeat} runs per server, each figure the median" if repeat > 1 else ""
    load = meta.get("load") or {"tool": "wrk"}
    if load["tool"] == "k6":
        return [
            f"- Load: {load.get('version') or 'k6'} running k6/api_performance_test.js as it "
            f"is: {sc['vus']:,} virtual users, each posting to {paths} in parallel "
            f"(http.batch, up to {sc['connections_per_vu']} keep-alive connections per user), "
            f"checking for 200, then sleeping 1 s; repository delay {sc['delay_ms']} ms; "
            f"{sc['duration_s']} s, then up to {load.get('graceful_stop_s')} s for iterations "
            f"still running (k6's gracefulStop); timeout {sc['timeout_s']} s{medians}",
            ceiling_line(sc),
            "- completed: answered 2xx/3xx within the timeout (the seed's servers answer 200, "
            "which the script checks); failed: every other request k6 made (another status, "
            "a timeout, a connection error), k6's http_req_failed; latency: of the completed "
            "(k6's http_req_duration{expected_response:true})",
        ]
    return [
        f"- Load: wrk, {sc['connections']:,} keep-alive connections "
        f"({sc['connections_per_vu']} per virtual user) over POST {paths}; a "
        f"{sc['pause_ms']} ms pause before each request; repository delay "
        f"{sc['delay_ms']} ms; {sc['duration_s']} s window, then {sc['grace_s']} s for "
        f"answers in flight; timeout {sc['timeout_s']} s{medians}",
        ceiling_line(sc),
        "- completed: answered 2xx within the timeout; failed: every other request "
        "(non-2xx, answered late, sent and never answered, or never sent because its "
        "connection was still being opened when the window closed)"
        + ("; except the 503s of clients beyond max_connections, counted apart as turned "
           "away" if sc.get("admitted_connections") else "")
        + "; latency: of the answers within the timeout"
        + (", 503s included" if sc.get("admitted_connections") else ""),
    ]


def load_generator_line(meta, summary):
    """The load generator's own CPU and memory per server: it shares the cores it loads."""
    used = [f"{row['label']}: {row['load_cpu_s']:.1f} CPU s, {row['load_peak_rss_mib']:.0f} MiB"
            for row in summary if isinstance(row.get("load_cpu_s"), (int, float))]
    if not used:
        return []
    tool = (meta.get("load") or {}).get("tool", "wrk")
    return [f"- {tool}'s own use of the shared cores and memory, per server: "
            + "; ".join(used)]


def write_all(out_dir, meta, rows):
    """Writes results.csv, .md, .png and .json; returns (header lines, summary, paths)."""
    for row in rows:
        per_request.add_figures(row)
    summary = summarize(rows)
    paths = outputs(out_dir)
    sc = meta["scenario"]
    header = (header_lines(meta) + load_generator_line(meta, summary)
              + per_request.cpu_line(sc, summary))
    write_csv(paths["results.csv"], rows)
    write_markdown(paths["results.md"], summary, header)
    compared = (f"compared with {sc['baseline']}" if sc.get("baseline")
                else f"ceiling {sc['ceiling_requests']:,} requests")
    if chart.available():
        chart.write_chart(paths["results.png"], summary,
                    f"{sc['name']} scenario, N={sc['vus']}, {sc['duration_s']} s, "
                    f"{(meta.get('load') or {}).get('tool', 'wrk')}, {meta['date'][:10]}, "
                    f"{meta['machine'].split(' (')[0]}; {compared}"
                    + (f"; medians of {meta['repeat']} runs" if meta.get("repeat", 1) > 1 else ""),
                    f"req/s, % of {sc['baseline']}'s" if sc.get("baseline")
                    else "completed requests, % of the ceiling (dashed: the ceiling)")
    else:
        del paths["results.png"]
    with open(paths["results.json"], "w") as f:
        json.dump(dict(meta, rows=rows), f, indent=2, default=str)
    return header, summary, paths


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k)) for k in CSV_COLUMNS})


def _csv_value(value):
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return "" if value is None else value


def _count(value):
    return f"{value:,.0f}" if isinstance(value, (int, float)) else "–"


def _seconds(value):
    return f"{value:.3f}" if isinstance(value, (int, float)) else "–"


def _fixed(value, digits=1):
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else "–"


def markdown_table(summary):
    lines = [
        "| server | completed | req/s | % of ceiling | failed | mean s | p50 s | p95 s | p99 s "
        "| peak memory MiB | KiB/connection | CPU s | CPU µs/request | note |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in summary:
        label = row["label"]
        if row["source"] == "published":
            label += " *(published by the seed, not measured here)*"
        lines.append("| " + " | ".join((
            label,
            _count(row.get("completed")),
            _fixed(row.get("rps")),
            _fixed(row.get("pct_ceiling")),
            _count(row.get("failed")),
            _seconds(row.get("latency_mean_s")),
            _seconds(row.get("latency_p50_s")),
            _seconds(row.get("latency_p95_s")),
            _seconds(row.get("latency_p99_s")),
            _fixed(row.get("peak_rss_mib")),
            _fixed(row.get("rss_kib_per_connection")),
            _fixed(row.get("cpu_s")),
            _fixed(row.get("cpu_us_per_request"), 0),
            row.get("note") or "",
        )) + " |")
    return "\n".join(lines)


def write_markdown(path, summary, header_lines):
    with open(path, "w") as f:
        f.write("\n".join(header_lines) + "\n\n")
        f.write(markdown_table(summary) + "\n")


def outputs(out_dir):
    return {name: os.path.join(out_dir, name)
            for name in ("results.csv", "results.md", "results.png", "results.json")}
