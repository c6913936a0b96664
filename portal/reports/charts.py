"""Server-rendered SVG charts: cumulative realisation against cumulative target.

Pure geometry, no Flask: the template draws the lines. Readable without colour —
the target is a dashed line with square markers, the realisation a solid line with
round markers — and every chart comes with its numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


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
        y_ticks=[(y(t), t) for t in ticks],
        baseline=TOP + plot_h,
        left=LEFT,
        right=WIDTH - RIGHT,
    )
