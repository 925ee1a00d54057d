"""What a server spends per completed request and per connection: the columns
"CPU µs/request" and "KiB/connection", and the line that sets each server's CPU per
request against the scenario's yardstick (the seed scenario's poco-sleeping)."""


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def add_figures(row):
    """Sets a row's cpu_us_per_request (the server's CPU seconds over its completed
    requests) and rss_kib_per_connection (its peak memory over the load's connections),
    where the row has what they are made of; rows written before these columns existed
    get them from their own figures."""
    cpu_s, completed = row.get("cpu_s"), row.get("completed")
    if _number(cpu_s) and _number(completed) and completed > 0:
        row["cpu_us_per_request"] = cpu_s * 1e6 / completed
    peak_mib, connections = row.get("peak_rss_mib"), row.get("connections")
    if _number(peak_mib) and _number(connections) and connections > 0:
        row["rss_kib_per_connection"] = peak_mib * 1024 / connections


def _short(label):
    return label.split(" (")[0]


def _seconds(value):
    return f"{value:.3f} s" if _number(value) else "–"


def cpu_line(scenario, summary):
    """The header line comparing each measured server's CPU per completed request with the
    scenario's cpu_baseline (summary rows: medians over runs); none when the scenario has
    no such baseline or it was not measured."""
    name = scenario.get("cpu_baseline")
    base = next((row for row in summary if row["server"] == name
                 and row["source"] == "measured"), None) if name else None
    if base is None or not _number(base.get("cpu_us_per_request")) \
            or base["cpu_us_per_request"] <= 0:
        return []
    base_us = base["cpu_us_per_request"]
    compared = [
        f"{_short(row['label'])} {row['cpu_us_per_request'] / base_us:.2f} "
        f"({row['cpu_us_per_request']:,.0f} µs against {base_us:,.0f} µs; "
        f"p99 {_seconds(row.get('latency_p99_s'))} against {_seconds(base.get('latency_p99_s'))})"
        for row in summary
        if row["source"] == "measured" and row["server"] != name
        and _number(row.get("cpu_us_per_request"))]
    if not compared:
        return []
    return [f"- CPU per completed request against {name} ({_short(base['label'])}): "
            + "; ".join(compared)]
