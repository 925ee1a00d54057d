"""The rows of a benchmark's table: what a run measured (with wrk or with k6), a published
figure, a server that was skipped or could not run. docs/benchmark.md ("Load testing") says what each column means."""

import statistics

import report


def measured_row(server, scenario, run, result, never_connected, usage):
    """Turns wrk's counts (and the server's `usage`, load.ServerUsage) into a row. Every request the scenario tried to make ends up
    either completed or failed: attempted = sent + never_connected = completed + failed."""
    sent = result["sent"]
    answered = result["answered"]
    late = result["errors_timeout"]
    completed = max(0, result["answered_2xx"] - late)
    attempted = sent + never_connected
    unanswered = max(0, sent - answered)
    non_2xx = answered - result["answered_2xx"]
    duration_s = scenario.duration_s
    row = {
        "server": server.name,
        "label": server.label,
        "source": "measured",
        "run": run,
        "sent": sent,
        "completed": completed,
        "rps": completed / duration_s,
        "pct_ceiling": 100.0 * completed / scenario.ceiling_requests
        if scenario.ceiling_requests else 0.0,
        # Overload: the 503s of clients beyond capacity are the behaviour under test, not
        # failures. Some of them answer a connection that waited a second without sending
        # (wrk pauses before a connection's first request), so answers can outnumber
        # requests; what failed is every other answer, the late ones, and requests sent
        # and never answered.
        "failed": (non_2xx - result.get("answered_503", 0) + late + unanswered + never_connected)
        if scenario.admitted_connections else attempted - completed,
        "non_2xx": non_2xx,
        "turned_away": result.get("answered_503", 0),
        "unanswered": unanswered,
        "never_connected": never_connected,
        "late": late,
        "errors_connect": result["errors_connect"],
        "errors_read": result["errors_read"],
        "errors_write": result["errors_write"],
        "latency_mean_s": result["latency_mean_us"] / 1e6 if answered else None,
        "latency_p50_s": result["latency_p50_us"] / 1e6 if answered else None,
        "latency_p90_s": result["latency_p90_us"] / 1e6 if answered else None,
        "latency_p95_s": result["latency_p95_us"] / 1e6 if answered else None,
        "latency_p99_s": result["latency_p99_us"] / 1e6 if answered else None,
        "latency_max_s": result["latency_max_us"] / 1e6 if answered else None,
        **_usage_columns(usage),
        "connections": scenario.connections,
        "timeout_s": scenario.timeout_s,
    }
    notes = report.failure_note(row)
    if answered != result["wrk_requests"]:
        notes.append(f"wrk counted {result['wrk_requests']} answers, the script {answered}")
    row["note"] = "; ".join(notes)
    return row


def k6_row(server, scenario, run, counts, usage):
    """Turns k6's counts (k6_runner.counts) into a row. k6 reports no request it did not
    make, so sent = requests made = completed + failed."""
    row = {
        "server": server.name,
        "label": server.label,
        "source": "measured",
        "run": run,
        "sent": counts["requests"],
        "completed": counts["completed"],
        "rps": counts["completed"] / scenario.duration_s,
        "pct_ceiling": 100.0 * counts["completed"] / scenario.ceiling_requests,
        "failed": counts["failed"],
        **{k: v for k, v in counts.items() if k.startswith("latency_")},
        **_usage_columns(usage),
        "connections": scenario.connections,
        "timeout_s": scenario.timeout_s,
    }
    notes = []
    if counts["failed"]:
        notes.append(f"{counts['failed']:,} requests failed (another status than 2xx/3xx, "
                     f"no answer within {scenario.timeout_s} s, or a connection error)")
    if counts["checks_failed"] > counts["failed"]:
        notes.append(f"{counts['checks_failed'] - counts['failed']:,} answered 2xx/3xx "
                     "other than 200")
    if counts["unchecked"]:
        notes.append(f"{counts['unchecked']:,} answered in iterations cut at the end of "
                     "k6's graceful stop (their check never ran)")
    if counts["failed_thresholds"]:
        notes.append("k6 thresholds failed: " + ", ".join(counts["failed_thresholds"]))
    row["note"] = "; ".join(notes)
    return row


def _usage_columns(usage):
    return {
        "peak_rss_mib": usage.peak_rss_bytes / 2**20 if usage.peak_rss_bytes is not None
        else None,
        "peak_processes": usage.peak_processes,
        "cpu_s": usage.cpu_s,
    }


def published_row(server):
    p = server.published
    return {
        "server": server.name,
        "label": server.label,
        "source": "published",
        "run": "seed",
        "vus": 500, "connections": 1500, "duration_s": 300, "pause_ms": 1000,
        "delay_ms": 2000, "ceiling_requests": 150_000, "ceiling_rps": 500,
        "completed": p.requests,
        "rps": p.rps,
        "pct_ceiling": p.pct_ceiling,
        "failed": round(p.requests * (100 - p.checks_passed_pct) / 100),
        "latency_mean_s": p.latency_mean_s,
        "note": f"seed's figures: 500 VUs, 5 min, i7-1165G7 laptop; {p.note}",
    }


def skipped_row(server, note):
    return {"server": server.name, "label": server.label, "source": "skipped", "run": "-",
            "note": note}


def compare_with_baseline(rows, baseline):
    """Raw scenario: every measured row's req/s as a percentage of the baseline server's
    (its median over its runs), in place of the percentage of a ceiling."""
    reference = [r["rps"] for r in rows if r["server"] == baseline and r["source"] == "measured"]
    if not reference:
        return
    median = statistics.median(reference)
    for row in rows:
        if row.get("source") == "measured" and median:
            row["pct_ceiling"] = 100.0 * row["rps"] / median


def failed_row(server, run, note):
    return {"server": server.name, "label": server.label, "source": "not run",
            "run": run, "note": note}
