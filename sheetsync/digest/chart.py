"""The organizers' digest chart, a PNG: needs opened and met each week over the last eight
weeks, and how the last four weeks' tasks were spread across volunteers.

matplotlib's object API with the Agg canvas: no pyplot, no window, no global state.
"""

from __future__ import annotations

import io

from sheetsync.summary.outcomes import WeekCount

WIDTH_PX, HEIGHT_PX, DPI = 1120, 900, 200  # shown at 560 px wide: sharp on any screen
MAX_BARS = 12  # volunteers shown by name; the rest in one bar


def chart_png(weeks: list[WeekCount], spread: list[tuple[str, int]]) -> bytes:
    """The two panels as PNG bytes. `spread` is (volunteer, tasks), busiest first."""
    # Imported here: matplotlib takes a second to load, and only the digest needs it.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=(1, 1.1))
    x = range(len(weeks))
    width = 0.4
    top.bar([i - width / 2 for i in x], [w.opened for w in weeks], width, label="opened")
    top.bar([i + width / 2 for i in x], [w.met for w in weeks], width, label="met")
    top.set_xticks(list(x), [w.label for w in weeks], fontsize=6)
    top.set_title("Needs opened and met, week by week", fontsize=8)
    top.tick_params(axis="y", labelsize=6)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.legend(fontsize=6, frameon=False)

    shown = spread[:MAX_BARS]
    rest = sum(n for _, n in spread[MAX_BARS:])
    if rest:
        shown = [*shown, (f"{len(spread) - MAX_BARS} others", rest)]
    if shown:
        names = [name for name, _ in shown][::-1]
        bottom.barh(names, [n for _, n in shown][::-1], color="#8a6fb0")
        bottom.tick_params(axis="y", labelsize=6)
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        bottom.text(0.5, 0.5, "No tasks taken on yet", ha="center", va="center", fontsize=7)
        bottom.set_xticks([])
        bottom.set_yticks([])
    bottom.set_title("Tasks per volunteer, last four weeks", fontsize=8)
    bottom.tick_params(axis="x", labelsize=6)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
