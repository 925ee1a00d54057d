"""Draws a benchmark's results.png: each server's share of the ceiling and its peak memory."""

import importlib.util

MISSING = ("python3-matplotlib is not installed (scripts/install-dependencies.sh bench "
           "installs it): no results.png")


def available():
    """Whether matplotlib can be imported; without it the results have no chart."""
    return importlib.util.find_spec("matplotlib") is not None


def write_chart(path, summary, title, percent_label):
    """Per server: % of the ceiling (req/s written beside), and peak memory."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def number(value):
        return value if isinstance(value, (int, float)) else 0

    labels = [row["label"] + ("\n(published by the seed, not measured here)"
                              if row["source"] == "published" else "") for row in summary]
    published = [row["source"] == "published" for row in summary]
    percent = [number(row.get("pct_ceiling")) for row in summary]
    rps = [number(row.get("rps")) for row in summary]
    memory = [number(row.get("peak_rss_mib")) for row in summary]
    positions = list(range(len(summary)))[::-1]

    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 1.2 + 0.7 * len(summary)), sharey=True,
        gridspec_kw={"width_ratios": [3, 2]})

    def bars(axis, values, colour):
        drawn = axis.barh(positions, values, edgecolor="black", linewidth=0.5,
                          color=["#bdbdbd" if p else colour for p in published])
        for bar, is_published in zip(drawn, published):
            if is_published:
                bar.set_hatch("//")

    bars(left, percent, "#1f77b4")
    left.axvline(100, color="#d62728", linestyle="--", linewidth=1)
    for y, pct, rate, row in zip(positions, percent, rps, summary):
        text = f" {pct:.1f} % ({rate:,.1f} req/s)" if row.get("rps") is not None else " not run"
        left.text(pct, y, text, va="center", fontsize=8)
    left.set_yticks(positions)
    left.set_yticklabels(labels, fontsize=8)
    left.set_xlim(0, max(percent + [100]) * 1.35)
    left.set_xlabel(percent_label)

    bars(right, memory, "#ff7f0e")
    for y, value in zip(positions, memory):
        right.text(value, y, f" {value:,.0f} MiB" if value else " –", va="center",
                   fontsize=8)
    right.set_xlim(0, max(memory + [1]) * 1.35)
    right.set_xlabel("peak memory (summed RSS), MiB")

    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
