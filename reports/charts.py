"""Chart geometry for server-rendered SVG: Python computes where each bar, point and bubble
goes; templates/reports/charts/*.html draw it, each with a title, a description and a
data table as its text alternative. No JavaScript and no CDN: the charts print as they show."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 130
CHART_WIDTH = 420


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    url: str = ""
    css: str = ""
    y: float = 0
    width: float = 0

    @property
    def text_y(self) -> float:
        return round(self.y + BAR_HEIGHT * 0.7, 1)

    @property
    def value_x(self) -> float:
        return round(LABEL_WIDTH + self.width + 5, 1)


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    height: float
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - 40


def bar_chart(bars: Sequence[Bar]) -> BarChart:
    """Horizontal bars scaled to the largest value (an empty chart when all are zero)."""
    top = max((bar.value for bar in bars), default=0) or 1
    plot = CHART_WIDTH - LABEL_WIDTH - 40
    placed = tuple(
        Bar(
            bar.label,
            bar.value,
            bar.url,
            bar.css,
            y=index * (BAR_HEIGHT + BAR_GAP),
            width=round(plot * bar.value / top, 1),
        )
        for index, bar in enumerate(bars)
    )
    return BarChart(bars=placed, height=max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP))


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: Any


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class LineChart:
    series: tuple[Series, ...]
    x_labels: tuple[Point, ...]
    y_ticks: tuple[Point, ...]
    width: int = CHART_WIDTH
    height: int = 220


def line_chart(
    columns: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None]]]
) -> LineChart:
    """Lines over ``columns`` (quarters) on a 0-100 scale; a None value leaves a gap."""
    left, right, top, bottom = 40, CHART_WIDTH - 36, 12, 190
    step = (right - left) / max(len(columns) - 1, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * value / 100, 1)

    lines = tuple(
        Series(
            name,
            css,
            tuple(
                Point(round(left + index * step, 1), y_of(float(value)), columns[index], value)
                for index, value in enumerate(values)
                if value is not None
            ),
        )
        for name, css, values in series
    )
    x_labels = tuple(
        Point(round(left + index * step, 1), bottom + 18, label, None)
        for index, label in enumerate(columns)
    )
    y_ticks = tuple(Point(left - 6, y_of(tick), str(tick), tick) for tick in (0, 25, 50, 75, 100))
    return LineChart(series=lines, x_labels=x_labels, y_ticks=y_ticks)


@dataclass(frozen=True)
class Bubble:
    x: float
    y: float
    r: float
    count: int
    label: str
    url: str


def bubble_radius(count: int, largest: int, *, biggest: float = 26) -> float:
    """Area grows with the count, so the eye compares counts fairly."""
    if not count:
        return 0
    return round(max(4.0, biggest * math.sqrt(count / max(largest, 1))), 1)
