"""Charts as inline SVG, drawn on the server: no script, nothing loaded, styled by the page's own stylesheet
(classes, never `style` attributes, which the pages' policy refuses). Each chart names itself for screen readers
(`role="img"`, a `<title>`), and the page shows its figures in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

from ledgerd.formats import amount_str

WIDTH, HEIGHT, PAD = 640, 240, 36


def _scale(values: Sequence[Decimal]) -> tuple[float, float]:
    top = float(max([*values, Decimal(0)]))
    bottom = float(min([*values, Decimal(0)]))
    return top, (top - bottom) or 1.0


def bars(title: str, points: Sequence[tuple[str, Decimal]]) -> Markup:
    """A bar per point; bars below zero point down and wear the `neg` class."""
    values = [value for _, value in points]
    top, span = _scale(values)
    inner = HEIGHT - 2 * PAD
    zero = PAD + inner * top / span
    step = (WIDTH - 2 * PAD) / max(len(points), 1)
    parts = [f'<line class="axis" x1="{PAD}" y1="{zero:.1f}" x2="{WIDTH - PAD}" y2="{zero:.1f}"/>']
    for n, (label, value) in enumerate(points):
        height = inner * abs(float(value)) / span
        x = PAD + n * step + step * 0.15
        y = zero - height if value >= 0 else zero
        css = "bar neg" if value < 0 else "bar"
        parts.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}">'
                     f'<title>{escape(label)}: {amount_str(value)}</title></rect>')
        parts.append(f'<text class="label" x="{x + step * 0.35:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    return _svg(title, parts)


def line(title: str, points: Sequence[tuple[str, Decimal]]) -> Markup:
    """A line through the points, with a dot on each."""
    values = [value for _, value in points]
    top, span = _scale(values)
    inner = HEIGHT - 2 * PAD
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    coords = [(PAD + n * step, PAD + inner * (top - float(value)) / span) for n, value in enumerate(values)]
    zero = PAD + inner * top / span
    parts = [f'<line class="axis" x1="{PAD}" y1="{zero:.1f}" x2="{WIDTH - PAD}" y2="{zero:.1f}"/>']
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline class="trend" points="{path}"/>')
    for (x, y), (label, value) in zip(coords, points, strict=True):
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{escape(label)}: '
                     f'{amount_str(value)}</title></circle>')
        parts.append(f'<text class="label" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(label)}</text>')
    return _svg(title, parts)


def _svg(title: str, parts: list[str]) -> Markup:
    # Every text in `parts` and the title went through `escape`; the rest is numbers this module wrote.
    svg = (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
           f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>{"".join(parts)}</svg>')
    return Markup(svg)  # noqa: S704
