"""The console's plots: small SVG documents written by hand, inline in the pages.

Hand-written because what the pages need is three simple shapes (bars, horizontal bars, a
line) and the alternatives cost more than they give: a server-side chart library
(matplotlib, plotly) takes tens of milliseconds a plot and megabytes of dependencies, and a
JavaScript one needs a build step or a CDN, which the console has neither of. Each plot is a
function of plain values returning ``Markup``; every label passes through ``escape`` (a
student's test name or a criterion title is text, never markup), every mark carries a
``<title>`` the browser shows as a tooltip, and numbers are written as text too, so the plot
reads without hovering and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from grader.report.wording import format_number

LABEL_CHARS = 40
"""Labels longer than this are cut (the whole label stays in the tooltip)."""


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and the tooltip (the label and value when empty)."""

    label: str
    value: float
    tooltip: str = ""


@dataclass(frozen=True)
class Point:
    """One point of a line: its label on the x axis, its value, and its tooltip."""

    label: str
    value: float
    tooltip: str = ""


def _cut(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    """The document around the marks: sized, labelled for screen readers, styled by the page."""
    head = (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    # Every piece was escaped above or in the callers: the document is markup by construction.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  # nosec B704


def _tip(bar_or_point: Bar | Point) -> str:
    return bar_or_point.tooltip or f"{bar_or_point.label}: {format_number(bar_or_point.value)}"


def histogram(bars: Sequence[Bar], *, title: str, width: int = 520, height: int = 220) -> Markup:
    """Vertical bars, one per bin (e.g. a score range), the count above each, the bin below."""
    if not bars:
        return _empty(title, width)
    top, bottom, side = 20, 40, 10
    plot_height = height - top - bottom
    slot = (width - 2 * side) / len(bars)
    tallest = max((bar.value for bar in bars), default=0) or 1
    body = [
        f'<line class="axis" x1="{side}" y1="{top + plot_height}" x2="{width - side}"'
        f' y2="{top + plot_height}"/>'
    ]
    for index, bar in enumerate(bars):
        bar_height = plot_height * bar.value / tallest
        x = side + index * slot + slot * 0.1
        y = top + plot_height - bar_height
        middle = x + slot * 0.4
        body.append(
            f"<g><title>{escape(_tip(bar))}</title>"
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}"'
            f' height="{bar_height:.1f}"/>'
            f'<text class="value" x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
            f"{escape(format_number(bar.value))}</text>"
            f'<text class="label" x="{middle:.1f}" y="{top + plot_height + 16}"'
            f' text-anchor="middle">{escape(_cut(bar.label, 12))}</text></g>'
        )
    return _svg(width, height, title, body)


def horizontal_bars(
    bars: Sequence[Bar], *, maximum: Sequence[float], title: str, width: int = 520
) -> Markup:
    """One row per bar (e.g. a criterion's average), drawn against its own ``maximum``: the
    bar fills the share reached, its label on the left and ``value / maximum`` on the right."""
    if not bars:
        return _empty(title, width)
    row, top, label_width, number_width = 24, 6, 200, 90
    height = top * 2 + row * len(bars)
    track = width - label_width - number_width
    body: list[str] = []
    for index, (bar, most) in enumerate(zip(bars, maximum, strict=True)):
        y = top + index * row
        share = 0.0 if most <= 0 else max(0.0, min(1.0, bar.value / most))
        body.append(
            f"<g><title>{escape(_tip(bar))}</title>"
            f'<text class="label" x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(_cut(bar.label, 28))}</text>"
            f'<rect class="track" x="{label_width}" y="{y + 4}" width="{track}" height="14"/>'
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{track * share:.1f}"'
            f' height="14"/>'
            f'<text class="value" x="{label_width + track + 6}" y="{y + 16}">'
            f"{escape(format_number(round(bar.value, 2)))} / {escape(format_number(most))}</text>"
            "</g>"
        )
    return _svg(width, height, title, body)


def line(
    points: Sequence[Point],
    *,
    maximum: float,
    title: str,
    width: int = 520,
    height: int = 200,
) -> Markup:
    """A line through the points in order (e.g. a student's score at each commit), on a
    y axis from 0 to ``maximum``, each point marked with its value and its label below."""
    if not points:
        return _empty(title, width)
    top, bottom, side = 20, 40, 30
    plot_height = height - top - bottom
    step = (width - 2 * side) / max(1, len(points) - 1)
    most = maximum if maximum > 0 else max((point.value for point in points), default=1) or 1

    def place(index: int, value: float) -> tuple[float, float]:
        x = side + index * step if len(points) > 1 else width / 2
        share = max(0.0, min(1.0, value / most))
        return x, top + plot_height * (1 - share)

    places = [place(index, point.value) for index, point in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in places)
    body = [
        f'<line class="axis" x1="{side}" y1="{top + plot_height}" x2="{width - side}"'
        f' y2="{top + plot_height}"/>',
        f'<line class="grid" x1="{side}" y1="{top}" x2="{width - side}" y2="{top}"/>',
        f'<text class="label" x="{side - 4}" y="{top + 4}" text-anchor="end">'
        f"{escape(format_number(most))}</text>",
        f'<text class="label" x="{side - 4}" y="{top + plot_height + 4}" text-anchor="end">0</text>',
        f'<polyline class="line" points="{path}"/>',
    ]
    for (x, y), point in zip(places, points, strict=True):
        body.append(
            f"<g><title>{escape(_tip(point))}</title>"
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
            f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
            f"{escape(format_number(round(point.value, 2)))}</text>"
            f'<text class="label" x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
            f"{escape(_cut(point.label, 10))}</text></g>"
        )
    return _svg(width, height, title, body)


def _empty(title: str, width: int) -> Markup:
    """A plot with nothing to draw says so, in the space the plot would take."""
    body = [f'<text class="label" x="{width / 2}" y="24" text-anchor="middle">no data yet</text>']
    return _svg(width, 40, title, body)
