"""Chart geometry for inline SVG: axes with round ticks, labelled points and bars.

The charts are drawn by jinja2 templates (``scenarios_charts.html``) from the plain data
computed here: positions in SVG user units and labels already written in the report's
language (the caller passes the formatters). Hand-written SVG keeps the report one offline
file whose bytes depend only on the figures, with every label escaped by the templates like
any other text.

>>> nice_ticks(0, 4.95e10)
[0.0, 10000000000.0, 20000000000.0, 30000000000.0, 40000000000.0, 50000000000.0]
>>> nice_ticks(72.8, 95.5, count=4)
[70.0, 80.0, 90.0, 100.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Format = Callable[[float], str]

#: width of every chart in SVG user units (the page scales it to the column)
WIDTH = 760.0
#: room for the axis labels: left, right, top, bottom
MARGIN = (118.0, 40.0, 28.0, 56.0)
#: colours of a chart's series (the first: the state before the plan)
BEFORE_COLOUR = "#9e9e9e"
SERIES_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#4292c6", "#08519c")
LINE_COLOUR = "#2171b5"


def shorten(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters with an ellipsis (axis labels have room for
    so many; the tooltip keeps the whole name).

    >>> shorten("Pegunungan Bintang", 12)
    'Pegunungan…'
    """
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def nice_ticks(lo: float, hi: float, *, count: int = 5) -> list[float]:
    """Round tick values covering ``lo``-``hi`` in about ``count`` steps of 1, 2, 2.5 or 5
    times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("ticks need finite limits")
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to SVG positions."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo) if self.hi != self.lo else 0.0
        return round(self.start + share * (self.end - self.start), 1)


@dataclass(frozen=True)
class Tick:
    at: float  #: position along its axis
    label: str


@dataclass(frozen=True)
class Box:
    """The plot area inside the chart's margins."""

    width: float
    height: float

    @property
    def left(self) -> float:
        return MARGIN[0]

    @property
    def right(self) -> float:
        return self.width - MARGIN[1]

    @property
    def top(self) -> float:
        return MARGIN[2]

    @property
    def bottom(self) -> float:
        return self.height - MARGIN[3]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  #: written beside the point
    title: str  #: the tooltip


@dataclass(frozen=True)
class LineChart:
    """Points joined by a line, each labelled, over a dashed reference level."""

    box: Box
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_label: str
    y_label: str
    points: list[Point]
    reference_y: float | None
    reference_label: str
    description: str

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  #: the value, written at the end of the bar
    label_x: float
    label_y: float
    title: str


@dataclass(frozen=True)
class Category:
    """A category's name on the axis (a budget, a regency), in one or more lines."""

    x: float
    y: float
    lines: list[str]
    title: str  #: the whole name


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    colour: str
    label: str


@dataclass(frozen=True)
class BarChart:
    """Vertical (``horizontal=False``) or horizontal bars with a value axis."""

    box: Box
    plot_top: float  #: top of the bars' area (below the legend)
    zero: float  #: position of the value 0 on the value axis
    horizontal: bool
    value_ticks: list[Tick]
    value_label: str
    bars: list[Bar]
    categories: list[Category]
    legend: list[LegendItem]
    description: str


def line_chart(
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    labels: Sequence[str],
    titles: Sequence[str],
    x_format: Format,
    y_format: Format,
    x_label: str,
    y_label: str,
    reference: float | None,
    reference_label: str,
    description: str,
) -> LineChart:
    """Points (xs, ys) on axes from 0 (x) and from just below the lowest value (y)."""
    box = Box(WIDTH, 340.0)
    x_values = nice_ticks(0.0, max([*xs, 1.0]))
    low = min([*ys, reference if reference is not None else math.inf])
    y_values = nice_ticks(max(0.0, low - 2.0), max([*ys, low + 1.0]), count=5)
    x_at = Scale(x_values[0], x_values[-1], box.left, box.right)
    y_at = Scale(y_values[0], y_values[-1], box.bottom, box.top)
    points = [
        Point(x_at(x), y_at(y), label, title)
        for x, y, label, title in zip(xs, ys, labels, titles, strict=True)
    ]
    return LineChart(
        box=box,
        x_ticks=[Tick(x_at(v), x_format(v)) for v in x_values],
        y_ticks=[Tick(y_at(v), y_format(v)) for v in y_values],
        x_label=x_label,
        y_label=y_label,
        points=points,
        reference_y=y_at(reference) if reference is not None else None,
        reference_label=reference_label,
        description=description,
    )


def column_chart(
    values: Sequence[float | None],
    *,
    categories: Sequence[Sequence[str]],
    value_format: Format,
    value_label: str,
    missing: str,
    description: str,
) -> BarChart:
    """One vertical bar per category (named in one or more lines); a missing value is
    written instead of drawn."""
    box = Box(WIDTH, 320.0)
    known = [v for v in values if v is not None]
    ticks = nice_ticks(min([0.0, *known]), max([*known, 1.0]))
    at = Scale(ticks[0], ticks[-1], box.bottom, box.top)
    slot = (box.right - box.left) / max(len(values), 1)
    bars, names = [], []
    for i, (value, name) in enumerate(zip(values, categories, strict=True)):
        centre = box.left + slot * (i + 0.5)
        names.append(Category(round(centre, 1), box.bottom + 18, list(name), " ".join(name)))
        width = min(slot * 0.6, 90.0)
        zero, top = at(0.0), at(value if value is not None else 0.0)
        text = value_format(value) if value is not None else missing
        bars.append(
            Bar(
                x=round(centre - width / 2, 1),
                y=min(zero, top),
                width=round(width, 1),
                height=round(abs(zero - top), 1),
                colour=LINE_COLOUR,
                label=text,
                label_x=round(centre, 1),
                label_y=round(min(zero, top) - 6, 1),
                title=f"{' '.join(name)}: {text}",
            )
        )
    return BarChart(
        box=box,
        plot_top=box.top,
        zero=at(0.0),
        horizontal=False,
        value_ticks=[Tick(at(v), value_format(v)) for v in ticks],
        value_label=value_label,
        bars=bars,
        categories=names,
        legend=[],
        description=description,
    )


def grouped_bar_chart(
    groups: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    value_format: Format,
    value_label: str,
    description: str,
) -> BarChart:
    """Horizontal bars: per group (a regency) one bar per series (before, each budget), on
    a 0-100 axis; ``values[g][s]`` is group g's value in series s."""
    bar_h = 9.0
    group_h = bar_h * len(series) + 12.0
    legend_h = 22.0 * math.ceil(len(series) / 4)
    box = Box(WIDTH, MARGIN[2] + legend_h + group_h * max(len(groups), 1) + MARGIN[3])
    top = box.top + legend_h
    at = Scale(0.0, 100.0, box.left, box.right)
    colours = [BEFORE_COLOUR, *(SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(99))]
    bars, names = [], []
    for g, name in enumerate(groups):
        y0 = top + g * group_h + 6.0
        middle = round(y0 + bar_h * len(series) / 2 + 4, 1)
        names.append(Category(box.left - 8, middle, [shorten(name, 17)], name))
        for s, label in enumerate(series):
            value = values[g][s]
            width = at(value or 0.0) - box.left
            text = value_format(value) if value is not None else ""
            y = round(y0 + s * bar_h, 1)
            bars.append(
                Bar(
                    x=box.left,
                    y=y,
                    width=round(width, 1),
                    height=bar_h - 1,
                    colour=colours[s],
                    label=text,
                    label_x=round(box.left + width + 4, 1),
                    label_y=round(y + bar_h - 1.5, 1),
                    title=f"{name}, {label}: {text}",
                )
            )
    legend = [
        LegendItem(box.left + 150.0 * (s % 4), box.top + 22.0 * (s // 4), colours[s], label)
        for s, label in enumerate(series)
    ]
    return BarChart(
        box=box,
        plot_top=top,
        zero=box.left,
        horizontal=True,
        value_ticks=[Tick(at(v), value_format(v)) for v in range(0, 101, 20)],
        value_label=value_label,
        bars=bars,
        categories=names,
        legend=legend,
        description=description,
    )
