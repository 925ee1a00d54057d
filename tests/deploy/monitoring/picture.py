"""The dashboard's panels drawn from the run's Prometheus data, laid out as plugin-host.json places them."""

import math
import os


def draw_dashboard(panels, series_of, start, end, picture):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    width_in, row_in = 16.0, 0.42
    figure = plt.figure(figsize=(width_in, rows * row_in + 0.5))
    height_in = rows * row_in + 0.5
    inch_x, inch_y = 1 / width_in, 1 / height_in
    for panel in panels:
        g = panel["gridPos"]
        left, top = g["x"] / 24 * width_in, 0.5 + g["y"] * row_in  # inches from the left, from the top
        box = [(left + 0.55) * inch_x, 1 - (top + g["h"] * row_in - 0.45) * inch_y,
               (g["w"] / 24 * width_in - 0.75) * inch_x, (g["h"] * row_in - 0.8) * inch_y]
        axes = figure.add_axes(box)
        axes.set_title(panel["title"], fontsize=9, loc="left")
        unit = panel["fieldConfig"]["defaults"].get("unit", "short")
        drawn = [(legend, points) for legend, points in series_of[panel["id"]]
                 if any(not math.isnan(v) for _, v in points)]
        if panel["type"] == "stat":
            values = [v for _, points in drawn for _, v in points if not math.isnan(v)]
            last = values[-1] if values else float("nan")
            text = {"percentunit": f"{last:.1%}", "reqps": f"{last:.1f} req/s"}.get(unit, f"{last:g}")
            axes.text(0.5, 0.45, text, ha="center", va="center", fontsize=22, transform=axes.transAxes)
            axes.set_xticks([])
            axes.set_yticks([])
            continue
        bars = panel["fieldConfig"]["defaults"].get("custom", {}).get("drawStyle") == "bars"
        for legend, points in drawn:
            xs = [t - start for t, _ in points]
            ys = [0 if math.isnan(v) else v for _, v in points] if bars else [v for _, v in points]
            line, = axes.step(xs, ys, where="mid", linewidth=1, label=legend) if bars else \
                axes.plot(xs, ys, linewidth=1, label=legend)
            if bars:
                axes.fill_between(xs, ys, step="mid", alpha=0.35, color=line.get_color())
        axes.set_xlim(0, end - start)
        axes.set_ylim(bottom=0)
        axes.tick_params(labelsize=7)
        axes.set_xlabel("seconds into the run", fontsize=7)
        axes.set_ylabel({"s": "seconds", "reqps": "per second"}.get(unit, ""), fontsize=7)
        axes.grid(alpha=0.3)
        if drawn:
            axes.legend(fontsize=6, loc="upper left", ncol=2 if len(drawn) > 4 else 1, frameon=False)
    figure.suptitle("The plugin-host dashboard's queries over a real Prometheus scraping one host "
                    "(tests/deploy/monitoring_test.py --picture)", fontsize=10, y=1 - 0.15 * inch_y)
    os.makedirs(os.path.dirname(os.path.abspath(picture)), exist_ok=True)
    figure.savefig(picture, dpi=90)
