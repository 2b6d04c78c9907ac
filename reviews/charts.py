"""The scorecard's trend chart, laid out here and drawn as SVG by the template: no JavaScript,
no chart library. The page beside it has the same figures as a table (the text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
# Room at the right for the last period's label, centred under its dot.
LEFT, RIGHT, TOP, BOTTOM = 40, 32, 12, 36


@dataclass
class Point:
    x: float
    y: float
    label: str
    value: Decimal


@dataclass
class Band:
    standing: str
    y: float
    height: float


@dataclass
class Chart:
    width: int
    height: int
    points: list[Point]
    bands: list[Band]
    gridlines: list[tuple[float, int]]  # (y, score)
    polyline: str
    left: int
    right: int
    plot_width: int
    baseline: float


def _y(score: Decimal | float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (1 - float(score) / 100), 1)


def trend_chart(
    series: Sequence[tuple[str, Decimal | None]],
    bands: Sequence[tuple[str, Decimal, Decimal]],
) -> Chart:
    """Lays out (label, score) pairs oldest first; periods without a score leave a gap in
    the dots but not in the axis."""
    plot_width = WIDTH - LEFT - RIGHT
    step = plot_width / max(len(series) - 1, 1)
    points = [
        Point(x=round(LEFT + index * step, 1), y=_y(score), label=label, value=score)
        for index, (label, score) in enumerate(series)
        if score is not None
    ]
    if len(series) == 1 and points:
        points[0].x = LEFT + plot_width / 2
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        bands=[
            Band(standing=standing, y=_y(upper), height=round(_y(lower) - _y(upper), 1))
            for standing, lower, upper in bands
        ],
        gridlines=[(_y(score), score) for score in (0, 25, 50, 75, 100)],
        polyline=" ".join(f"{point.x},{point.y}" for point in points),
        left=LEFT,
        right=WIDTH - RIGHT,
        plot_width=WIDTH - RIGHT - LEFT,
        baseline=_y(0),
    )
