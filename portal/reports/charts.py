"""Server-rendered SVG charts: cumulative realisation against cumulative target.

Pure geometry, no Flask: the template draws the lines. Readable without colour —
the target is a dashed line with square markers, the realisation a solid line with
round markers — and every chart comes with its numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

# The SVG scales with its box, its text too. It is drawn for the narrowest box it gets
# (a 360 px phone leaves about 296 px) and never grows past MAX_RENDERED_WIDTH (the
# stylesheet's max-width), so that a label of LABEL_SIZE user units renders at
# LABEL_SIZE * rendered width / WIDTH: 12.3 px on that phone, 18.7 px at most.
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 30
LABEL_SIZE = 15
MIN_RENDERED_WIDTH, MAX_RENDERED_WIDTH = 296, 448
# More months than this and only every other one is named under the axis (the table
# below the chart names them all): at LABEL_SIZE three letters need about two slots.
ALL_LABELS_UP_TO = 6


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    planned: list[Point]
    accepted: list[Point]
    x_labels: list[tuple[float, str]]
    axis_every: int  # name every n-th month under the axis
    label_size: int
    y_ticks: list[tuple[float, int]]
    baseline: float
    left: float
    right: float

    @staticmethod
    def polyline(points: list[Point]) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def _nice_max(value: int) -> int:
    if value <= 5:
        return max(value, 1)
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return value


def cumulative_chart(rows: list[tuple[int, int, int]], labels: list[str], elapsed: int) -> Chart:
    """``rows`` are (month, cumulative planned, cumulative accepted) for each month; the
    realisation is drawn only for the ``elapsed`` months that have begun."""
    top_value = _nice_max(max([1] + [max(p, a) for _, p, a in rows]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(rows), 1)

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / count)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top_value

    planned = [Point(x(i), y(p), p) for i, (_, p, _) in enumerate(rows)]
    accepted = [Point(x(i), y(a), a) for i, (_, _, a) in enumerate(rows[:elapsed])]
    step = next((top_value // n for n in (4, 5, 2) if top_value % n == 0), top_value)
    ticks = list(range(0, top_value + 1, max(step, 1)))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        planned=planned,
        accepted=accepted,
        x_labels=[(x(i), labels[i]) for i in range(len(rows))],
        axis_every=1 if len(rows) <= ALL_LABELS_UP_TO else 2,
        label_size=LABEL_SIZE,
        y_ticks=[(y(t), t) for t in ticks],
        baseline=TOP + plot_h,
        left=LEFT,
        right=WIDTH - RIGHT,
    )
