"""The sweep section of the report: per device, size vs latency vs accuracy drop with the Pareto
front marked and the budget drawn, then every cell in a table that sorts.

The chart is drawn with :mod:`edge_sdk.reporting.svg`'s axes, scales and marks: x is the artifact
size, y the latency p50 on that device, the accuracy drop is written next to each point on the
front (and in every point's tooltip). Front points are joined in size order, so the trade-off
reads left to right; dashed red lines are the budget's size and latency limits for the device.
"""

from __future__ import annotations

from html import escape
from typing import Any

from edge_sdk.core.units import format_bytes, format_ms
from edge_sdk.reporting import svg
from edge_sdk.reporting.html_parts import Cell, Section, anchor_for, facts, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument
from edge_sdk.reporting.sweep_data import SweepPoint, budget_lines, points_by_device

FRONT = "#15803d"


def _drop_text(drop: float | None) -> str:
    return "accuracy drop not measured" if drop is None else f"accuracy drop {drop * 100:.2f} pt"


def pareto_chart(points: list[SweepPoint], limits: dict[str, float], *, title: str) -> str:
    width, height, left, right, top, bottom = 680, 320, 74, 30, 28, 262
    xs_values = [p.size_bytes for p in points] + ([limits["size"]] if "size" in limits else [])
    ys_values = [p.latency_ms for p in points] + ([limits["latency_p50"]] if "latency_p50" in limits else [])

    def padded(values: list[float]) -> tuple[float, float]:
        low, high = min(values), max(values)
        pad = (high - low) * 0.12 or abs(high) * 0.15 or 1.0
        return max(low - pad, 0.0), high + pad

    xs = svg.Scale(*padded(xs_values), left, width - right)
    ys = svg.Scale(*padded(ys_values), bottom, top)
    body = [svg._text(8, 16, title, weight="bold", size=12)]
    body += svg._x_axis(xs, svg.nice_ticks(xs.low, xs.high, 5), top, bottom, format_bytes, "artifact size")
    for tick in svg.nice_ticks(ys.low, ys.high, 4):
        if ys.low <= tick <= ys.high:
            body.append(svg._line(left, ys(tick), width - right, ys(tick), "#f1f5f9"))
            body.append(svg._text(left - 6, ys(tick) + 3, format_ms(tick) if tick else "0", anchor="end", size=10))
    body.append(svg._text(14, (top + bottom) / 2, "latency p50", anchor="middle", rotate=True, weight="bold"))
    marks = 0
    if "size" in limits:
        x = xs(limits["size"])
        body.append(svg._line(x, top, x, bottom, svg.BUDGET, 1.5, "6 4"))
        body.append(svg._text(x + 4, top + 10, f"size budget {format_bytes(limits['size'])}", color=svg.BUDGET, size=10))
        marks += 1
    if "latency_p50" in limits:
        y = ys(limits["latency_p50"])
        body.append(svg._line(left, y, width - right, y, svg.BUDGET, 1.5, "6 4"))
        body.append(svg._text(width - right - 4, y - 4, f"latency budget {format_ms(limits['latency_p50'])}",
                              anchor="end", color=svg.BUDGET, size=10))
        marks += 1
    front = sorted((p for p in points if p.on_front), key=lambda p: (p.size_bytes, p.latency_ms))
    if len(front) > 1:
        path = " ".join(f"{xs(p.size_bytes):.1f},{ys(p.latency_ms):.1f}" for p in front)
        body.append(f'<polyline points="{path}" fill="none" stroke="{FRONT}" stroke-width="1.5" stroke-opacity="0.6"/>')
    for point in sorted(points, key=lambda p: p.on_front):   # the front drawn last, on top
        px, py = xs(point.size_bytes), ys(point.latency_ms)
        color = FRONT if point.on_front else svg.NEUTRAL
        fill = color if point.source == "measured" else "#fff"
        tip = (f"{point.label} on {point.device}: {format_bytes(point.size_bytes)}, {format_ms(point.latency_ms)} "
               f"({point.source or '?'}), {_drop_text(point.accuracy_drop)}"
               + (", on the Pareto front" if point.on_front else ""))
        body.append(f'<circle class="mark{" front" if point.on_front else ""}" cx="{px:.1f}" cy="{py:.1f}" r="6" '
                    f'fill="{fill}" stroke="{color}" stroke-width="2"><title>{escape(tip)}</title></circle>')
        marks += 1
        if point.on_front:
            drop = "" if point.accuracy_drop is None else f" {point.accuracy_drop * 100:+.2f}pt"
            anchor = "end" if px > width * 0.65 else "start"
            body.append(svg._text(px + (-9 if anchor == "end" else 9), py - 8, point.label + drop, anchor=anchor,
                                  size=10, weight="bold", color=FRONT, halo=True))
    body.append(svg._line(left, bottom, width - right, bottom, "#94a3b8"))
    body.append(svg._line(left, top, left, bottom, "#94a3b8"))
    return svg._svg(width, height, title, body, marks)


def _summary(body: dict[str, Any]) -> str:
    s = body.get("summary") or {}
    engine = body.get("engine") or {}
    wall = s.get("wall_s")
    return facts([("cells", str(s.get("cells", "-"))), ("passed", str(s.get("passed", "-"))),
                  ("over budget", str(s.get("budget_failed", "-"))), ("failed", str(s.get("errors", "-"))),
                  ("not applicable", str(s.get("not_applicable", "-"))), ("from the store", str(s.get("cache_hits", "-"))),
                  ("wall time", "-" if wall is None else f"{wall:.1f} s"), ("engine", str(engine.get("kind") or "-"))])


def _rows(body: dict[str, Any], fronts: dict[str, set[tuple[str, str]]]) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = []
    for cell in body.get("cells") or []:
        metrics = cell.get("metrics") or {}
        size, latency, drop = metrics.get("size_bytes"), metrics.get("latency_p50_ms"), metrics.get("accuracy_drop")
        status = str(cell.get("status"))
        css = {"passed": "ok", "budget-failed": "bad", "error": "bad"}.get(status, "")
        reason = (cell.get("error") or {}).get("message") or cell.get("reason") or ""
        on_front = (cell.get("model"), cell.get("recipe")) in fronts.get(str(cell.get("device")), set())
        rows.append([str(cell.get("model")), str(cell.get("recipe")), str(cell.get("device")), Cell(status, css=css),
                     Cell(format_bytes(size) if size else "-", size),
                     Cell(format_ms(latency) if latency is not None else "-", latency,
                          "est" if metrics.get("latency_source") == "estimated" else ""),
                     Cell("-" if drop is None else f"{drop * 100:.2f} pt", drop),
                     "yes" if on_front else "", "yes" if cell.get("cache_hit") else "",
                     Cell("-" if cell.get("duration_s") is None else f"{cell['duration_s']:.1f} s", cell.get("duration_s")),
                     str(reason)])
    return rows


def sweep_section(document: LoadedDocument) -> Section:
    body = document.body
    by_device = points_by_device(body)
    charts = []
    fronts: dict[str, set[tuple[str, str]]] = {}
    for device, points in by_device.items():
        fronts[device] = {(p.model, p.recipe) for p in points if p.on_front}
        charts.append(figure(pareto_chart(points, budget_lines(body, device), title=f"{device}: size vs latency p50"),
                             f"sweep-pareto-{anchor_for(device)}",
                             "Green: the Pareto front (no other artifact is smaller, faster and less accuracy-lossy "
                             "at once); filled = measured, hollow = estimated; dashed red: the budget."))
    html = _summary(body)
    html += ('<div class="grid">' + "".join(charts) + "</div>") if charts else note(
        "no cell of this sweep has both a size and a latency (all failed or not applicable)")
    headers = ["model", "recipe", "device", "status", "size", "latency p50", "accuracy drop", "Pareto", "cached",
               "time", "note"]
    html += table(headers, _rows(body, fronts), sortable=True, numeric=(4, 5, 6, 9), css="sweep-cells")
    return Section("sweep", f"Sweep: {len(body.get('cells') or [])} cells ({document.origin})", html)
