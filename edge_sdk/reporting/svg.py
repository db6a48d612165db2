"""Inline SVG charts: drawn on the server, so the page needs no JavaScript and no network to show them.

Five chart shapes cover the report: a histogram with its CDF, grouped horizontal bars with error
whiskers, plain horizontal bars, a filled line with a marked peak, and a labelled scatter. Each
returns one ``<svg>`` string with a ``<title>`` (read by screen readers) and a ``data-marks``
count of the data marks drawn, so tests can check a chart is not empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

MEASURED = "#2563eb"
ESTIMATED = "#d97706"
BUDGET = "#dc2626"
NEUTRAL = "#64748b"
SERIES = ("#2563eb", "#0d9488", "#d97706", "#7c3aed", "#db2777", "#65a30d")

Formatter = Callable[[float], str]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) covering [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.5:
        ticks.append(round(value, 12))
        value += step
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    """Powers of ten (and 2x, 5x when the range is narrow) covering [low, high] for a log axis."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    multipliers = (1, 2, 5) if last - first <= 3 else (1,)
    return [m * 10**e for e in range(first, last + 1) for m in multipliers if low / 1.01 <= m * 10**e <= high * 1.01]


def shorten(label: str, limit: int = 44) -> str:
    """Keep both ends of a long label (model names differ at the end: _float32 vs _int8)."""
    return label if len(label) <= limit else label[: limit // 2 - 1] + "..." + label[-(limit // 2 - 2):]


def label_width(labels: Sequence[str], size: int = 11, minimum: int = 60) -> int:
    """Pixels a column of labels needs (an average glyph is ~0.6 em wide in a sans-serif font)."""
    return max([minimum] + [int(len(label) * size * 0.6) + 16 for label in labels])


@dataclass
class Scale:
    """Maps data values to pixels on one axis (linear or log10)."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            value, low, high = math.log10(max(value, 1e-12)), math.log10(self.low), math.log10(self.high)
        else:
            low, high = self.low, self.high
        span = (high - low) or 1.0
        return self.start + (value - low) / span * (self.end - self.start)


def _svg(width: int, height: int, title: str, body: list[str], marks: int) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" data-marks="{marks}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11, color: str = "#334155",
          weight: str = "normal", rotate: bool = False, halo: bool = False) -> str:
    """A label; ``halo`` paints a white outline under it so it stays legible over bars and lines."""
    transform = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    outline = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
            f'font-weight="{weight}"{outline}{transform}>{escape(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, color: str = "#cbd5e1", width: float = 1,
          dash: str | None = None) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{dashed}/>')


def _x_axis(scale: Scale, ticks: list[float], y_top: float, y_bottom: float, fmt: Formatter, label: str) -> list[str]:
    parts = []
    for tick in ticks:
        if scale.low - 1e-12 <= tick <= scale.high + 1e-12:
            x = scale(tick)
            parts.append(_line(x, y_top, x, y_bottom, "#e2e8f0"))
            parts.append(_text(x, y_bottom + 14, fmt(tick) if tick else "0", anchor="middle", size=10))
    parts.append(_text((scale.start + scale.end) / 2, y_bottom + 30, label, anchor="middle", weight="bold"))
    return parts


def histogram_chart(edges: Sequence[float], counts: Sequence[int], cdf: Sequence[tuple[float, float]],
                    markers: Sequence[tuple[float, str, str]], *, title: str, fmt: Formatter,
                    x_label: str = "latency per run", overflow: int = 0, overflow_max: float | None = None) -> str:
    """Bars = runs per latency bin (left axis); line = share of runs at or below (right axis, %).

    ``markers`` are vertical lines (value, label, colour): p50, p90 and the budget. ``overflow``
    runs beyond the last edge are not drawn but stated in the top right corner.
    """
    width, height, left, right, top, bottom = 640, 276 if overflow else 260, 48, 48, 28, 210
    span = edges[-1] - edges[0]
    # A marker (a budget) far from every run would squeeze the bars into a sliver: it stays off the
    # axis and is written at the edge it lies beyond instead.
    values = list(edges) + [m[0] for m in markers if edges[0] - span <= m[0] <= edges[-1] + span]
    low, high = min(values), max(values)
    pad = (high - low) * 0.03 or 1.0
    xs = Scale(low - pad, high + pad, left, width - right)
    peak = max(counts) if counts else 1
    ys = Scale(0, peak * 1.1, bottom, top)
    body = [_text(left, 16, title, weight="bold", size=12)]
    body += _x_axis(xs, nice_ticks(xs.low, xs.high, 6), top, bottom, fmt, x_label)
    for tick in nice_ticks(0, peak, 4):
        if tick <= peak * 1.1:
            body.append(_text(left - 6, ys(tick) + 3, f"{tick:g}", anchor="end", size=10))
    body.append(_text(12, (top + bottom) / 2, "runs", anchor="middle", rotate=True))
    marks = 0
    for i, count in enumerate(counts):
        x0, x1 = xs(edges[i]), xs(edges[i + 1])
        if count:
            marks += 1
            body.append(f'<rect class="mark" x="{x0 + 0.5:.1f}" y="{ys(count):.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
                        f'height="{bottom - ys(count):.1f}" fill="{MEASURED}" fill-opacity="0.55">'
                        f"<title>{escape(fmt(edges[i]))} - {escape(fmt(edges[i + 1]))}: {count} runs</title></rect>")
    if overflow:
        body.append(_text(left, bottom + 46, f"+ {overflow} slower run{'s' if overflow > 1 else ''} beyond the axis "
                          f"(up to {fmt(overflow_max or 0)}), left out of the bars, counted in the CDF",
                          size=10, color=BUDGET))
    cdf = [(x, f) for x, f in cdf if x <= xs.high]
    if cdf:
        share = Scale(0, 1, bottom, top)
        points = " ".join(f"{xs(x):.1f},{share(f):.1f}" for x, f in cdf)
        body.append(f'<polyline class="mark" points="{points}" fill="none" stroke="#0f172a" stroke-width="1.5"/>')
        marks += 1
        for frac in (0, 0.5, 1):
            body.append(_text(width - right + 6, share(frac) + 3, f"{frac:.0%}", size=10))
        body.append(_text(width - 10, (top + bottom) / 2, "runs at or below", anchor="middle", rotate=True))
    for index, (value, label, color) in enumerate(markers):
        if not xs.low <= value <= xs.high:
            right_side = value > xs.high
            body.append(_text(width - right if right_side else left + 4, top + 10 + 12 * index,
                              f"{label} {fmt(value)} (off the axis) ->" if right_side
                              else f"<- {label} {fmt(value)} (off the axis)",
                              anchor="end" if right_side else "start", color=color, size=10, weight="bold",
                              halo=True))
            continue
        x = xs(value)
        body.append(_line(x, top, x, bottom, color, 2, "5 3" if color != BUDGET else None))
        body.append(_text(x + 3, top + 10 + 12 * index, f"{label} {fmt(value)}", color=color, size=10, weight="bold",
                          halo=True))
    body.append(_line(left, bottom, width - right, bottom, "#94a3b8"))
    return _svg(width, height, title, body, marks)


@dataclass(frozen=True)
class Bar:
    """One bar: value, optional (low, high) whisker, colour, and the text printed after it."""

    series: str
    value: float
    band: tuple[float, float] | None
    color: str
    text: str
    opacity: float = 0.85


@dataclass(frozen=True)
class BarGroup:
    """The bars of one row label (one device), and the budget that applies to that row, if any."""

    label: str
    bars: Sequence[Bar]
    budget: float | None = None


def grouped_bar_chart(groups: Sequence[BarGroup], *, title: str, fmt: Formatter, x_label: str,
                      legend: Sequence[tuple[str, str]] = ()) -> str:
    """Horizontal bars grouped per row, error whiskers, a red budget mark per row; log axis past 30x."""
    groups = [BarGroup(shorten(g.label, 64), g.bars, g.budget) for g in groups]
    bar_h, gap, right, top = 13, 16, 150, 34
    left = label_width([g.label for g in groups], minimum=120)
    rows = sum(len(group.bars) for group in groups)
    bottom = top + rows * (bar_h + 2) + len(groups) * gap
    width, height = left + 590, bottom + 40
    values = [v for group in groups for b in group.bars for v in ((b.value,) + (b.band or ())) if v > 0]
    values += [group.budget for group in groups if group.budget]
    if not values:
        values = [1.0]
    low, high = min(values), max(values)
    log = high / low > 30
    xs = Scale(low / 1.5, high * 1.3, left, width - right, log=True) if log else Scale(0, high * 1.08, left, width - right)
    ticks = log_ticks(xs.low, xs.high) if log else nice_ticks(0, xs.high, 6)
    body = [_text(8, 16, title, weight="bold", size=12)]
    body += _x_axis(xs, ticks, top, bottom, fmt, x_label + (" (log scale)" if log else ""))
    for i, (name, color) in enumerate(legend):
        x = width - right - 260 + i * 130
        body.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{color}"/>')
        body.append(_text(x + 14, 17, name, size=10))
    y, marks = top + gap / 2, 0
    for group in groups:
        label, bars, group_top = group.label, group.bars, y
        body.append(_text(left - 8, y + (len(bars) * (bar_h + 2)) / 2 + 3, label, anchor="end", size=11))
        for bar in bars:
            x0 = xs.start
            x1 = xs(bar.value) if bar.value > 0 else x0
            marks += 1
            body.append(f'<rect class="mark" x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                        f'fill="{bar.color}" fill-opacity="{bar.opacity}"><title>{escape(label)} {escape(bar.series)}: '
                        f"{escape(bar.text)}</title></rect>")
            end = x1
            if bar.band:
                bx0, bx1 = xs(max(bar.band[0], xs.low)), xs(bar.band[1])
                mid = y + bar_h / 2
                body.append(_line(bx0, mid, bx1, mid, "#0f172a", 1.2))
                body.append(_line(bx0, y + 2, bx0, y + bar_h - 2, "#0f172a", 1.2))
                body.append(_line(bx1, y + 2, bx1, y + bar_h - 2, "#0f172a", 1.2))
                end = max(end, bx1)
            body.append(_text(end + 5, y + bar_h - 3, f"{bar.series} {bar.text}", size=10))
            y += bar_h + 2
        if group.budget:
            budget_x = xs(group.budget)
            body.append(_line(budget_x, group_top - 3, budget_x, y + 1, BUDGET, 2.5))
            body.append(_text(budget_x + 3, group_top - 4, f"budget {fmt(group.budget)}", color=BUDGET, size=9,
                              weight="bold", halo=True))
        y += gap
    body.append(_line(left, top, left, bottom, "#94a3b8"))
    return _svg(width, height, title, body, marks)


def bar_chart(items: Sequence[tuple[str, float, str]], *, title: str, color: str = MEASURED,
              max_items: int = 12) -> str:
    """Horizontal bars (label, value, text shown after the bar), largest first; the rest summed as 'other'."""
    items = list(items)
    if len(items) > max_items:
        rest = items[max_items - 1:]
        items = items[: max_items - 1] + [(f"{len(rest)} others", sum(v for _, v, _ in rest), "")]
    items = [(shorten(label, 32), value, text) for label, value, text in items]
    bar_h, right, top = 16, 110, 28
    left = label_width([label for label, _, _ in items], minimum=90)
    width, height = left + 410, top + len(items) * (bar_h + 6) + 10
    high = max((v for _, v, _ in items), default=1.0) or 1.0
    xs = Scale(0, high, left, width - right)
    body = [_text(8, 16, title, weight="bold", size=12)]
    marks = 0
    for i, (label, value, text) in enumerate(items):
        y = top + i * (bar_h + 6)
        body.append(_text(left - 8, y + bar_h - 4, label, anchor="end"))
        if value > 0:
            marks += 1
            body.append(f'<rect class="mark" x="{left}" y="{y}" width="{max(xs(value) - left, 1):.1f}" '
                        f'height="{bar_h}" fill="{color}" fill-opacity="0.8"><title>{escape(label)}: '
                        f"{escape(text)}</title></rect>")
        body.append(_text(xs(value) + 6, y + bar_h - 4, text, size=10))
    return _svg(width, height, title, body, marks)


def area_chart(values: Sequence[float], *, title: str, fmt: Formatter, peak_index: int,
               reference: float | None = None, reference_label: str = "", x_label: str = "op (execution order)") -> str:
    """Filled step line of a quantity over execution order, the peak marked and labelled."""
    width, height, left, right, top, bottom = 640, 240, 70, 20, 28, 190
    count = len(values)
    high = max(list(values) + ([reference] if reference else [])) or 1.0
    xs = Scale(0, max(count, 1), left, width - right)
    ys = Scale(0, high * 1.15, bottom, top)
    body = [_text(8, 16, title, weight="bold", size=12)]
    body += _x_axis(xs, [t for t in nice_ticks(0, count, 8) if t == int(t)], top, bottom, lambda v: f"{v:.0f}", x_label)
    for tick in nice_ticks(0, high, 4):
        if tick <= high * 1.15:
            body.append(_line(left, ys(tick), width - right, ys(tick), "#f1f5f9"))
            body.append(_text(left - 6, ys(tick) + 3, fmt(tick), anchor="end", size=10))
    points = [f"{xs(0):.1f},{bottom:.1f}"]
    for i, value in enumerate(values):
        points += [f"{xs(i):.1f},{ys(value):.1f}", f"{xs(i + 1):.1f},{ys(value):.1f}"]
    points.append(f"{xs(count):.1f},{bottom:.1f}")
    body.append(f'<polygon class="mark" points="{" ".join(points)}" fill="{MEASURED}" fill-opacity="0.35" '
                f'stroke="{MEASURED}" stroke-width="1.2"/>')
    if reference:
        body.append(_line(left, ys(reference), width - right, ys(reference), NEUTRAL, 1.2, "4 3"))
        body.append(_text(width - right, ys(reference) - 4, f"{reference_label} {fmt(reference)}", anchor="end",
                          size=10, color=NEUTRAL))
    if values:
        px, py = xs(peak_index + 0.5), ys(values[peak_index])
        body.append(f'<circle class="mark" cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{BUDGET}"/>')
        anchor = "end" if px > width * 0.7 else "start"
        body.append(_text(px + (-8 if anchor == "end" else 8), py - 6, f"peak {fmt(values[peak_index])} at op {peak_index}",
                          anchor=anchor, color=BUDGET, weight="bold", size=11))
    body.append(_line(left, bottom, width - right, bottom, "#94a3b8"))
    return _svg(width, height, title, body, 1 + (1 if values else 0))


def scatter_chart(points: Sequence[tuple[float, float, str, str]], *, title: str, x_label: str, y_label: str,
                  x_fmt: Formatter, y_fmt: Formatter) -> str:
    """Labelled points (x, y, label, colour): the size/latency/accuracy trade-off of conversion variants."""
    width, height, left, right, top, bottom = 640, 280, 70, 40, 28, 228
    xs_values = [p[0] for p in points] or [1.0]
    ys_values = [p[1] for p in points] or [1.0]

    def padded(values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or abs(high) * 0.15 or 1.0
        return max(low - pad, 0) if low >= 0 else low - pad, high + pad

    xs = Scale(*padded(xs_values), left, width - right)
    ys = Scale(*padded(ys_values), bottom, top)
    body = [_text(8, 16, title, weight="bold", size=12)]
    body += _x_axis(xs, nice_ticks(xs.low, xs.high, 5), top, bottom, x_fmt, x_label)
    for tick in nice_ticks(ys.low, ys.high, 4):
        if ys.low <= tick <= ys.high:
            body.append(_line(left, ys(tick), width - right, ys(tick), "#f1f5f9"))
            body.append(_text(left - 6, ys(tick) + 3, y_fmt(tick), anchor="end", size=10))
    body.append(_text(14, (top + bottom) / 2, y_label, anchor="middle", rotate=True, weight="bold"))
    placed: list[tuple[float, float, float]] = []  # label boxes (x0, x1, baseline y) already drawn
    for x, y, label, color in points:
        px, py = xs(x), ys(y)
        body.append(f'<circle class="mark" cx="{px:.1f}" cy="{py:.1f}" r="6" fill="{color}" fill-opacity="0.85">'
                    f"<title>{escape(label)}</title></circle>")
        anchor = "end" if px > width * 0.7 else "start"
        span = len(label) * 5.6
        x0 = px - 9 - span if anchor == "end" else px + 9
        ty = py - 7
        while any(x0 < b1 and b0 < x0 + span and abs(ty - by) < 12 for b0, b1, by in placed):
            ty += 13  # coinciding points (same size and latency): stack their labels instead of overprinting
        placed.append((x0, x0 + span, ty))
        body.append(_text(px + (-9 if anchor == "end" else 9), ty, label, anchor=anchor, size=10, weight="bold",
                          color=color, halo=True))
    body.append(_line(left, bottom, width - right, bottom, "#94a3b8"))
    body.append(_line(left, top, left, bottom, "#94a3b8"))
    return _svg(width, height, title, body, len(points))
