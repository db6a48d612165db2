"""The report's "Quantization" section: which ops break int8, and the recipe search's candidates.

Reads the ``quantization`` section of convert manifests (``--quant-report``, ``--keep-float``,
``--recipe auto``): the per-op table most damaging first, and the search table drawn as size (and
estimated latency) against the accuracy cost, the chosen candidate marked.
"""

from __future__ import annotations

from html import escape
from typing import Any

from edge_sdk.reporting.html_parts import Cell, Section, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument
from edge_sdk.reporting.svg import scatter_chart

CHOSEN, LOST = "#15803d", "#b91c1c"
REPORT_ROWS = 15


def _cost(candidate: dict[str, Any]) -> float | None:
    """Accuracy cost in points: the drop (or top-1 disagreement without labels)."""
    drop = candidate.get("drop")
    return None if drop is None else round(float(drop) * 100, 3)


def _chart(search: dict[str, Any], x_key: str, x_label: str, scale: float, unit: str, name: str) -> str:
    points = []
    for c in search["candidates"]:
        x, y = c.get(x_key), _cost(c)
        if x is None or y is None:
            continue
        label = c["name"] + (" (chosen)" if c["chosen"] else "")
        points.append((float(x) * scale, y, label, CHOSEN if c["chosen"] else LOST))
    if len(points) < 2:
        return ""
    svg = scatter_chart(points, title=f"{x_label} vs accuracy cost", x_label=x_label,
                        y_label="accuracy cost (points)", x_fmt=lambda v: f"{v:g} {unit}", y_fmt=lambda v: f"{v:g}")
    return figure(svg, name, f"Each built candidate of --recipe auto; green: chosen (the first to meet the "
                             f"{search['max_accuracy_drop'] * 100:g}-point budget), red: lost. Cost: {search['gate_basis']}.")


def _search_html(search: dict[str, Any]) -> str:
    rows = []
    for c in search["candidates"]:
        size, latency = c.get("size_bytes"), c.get("latency_ms")
        rows.append([Cell("chosen" if c["chosen"] else "", css="ok" if c["chosen"] else ""), c["name"],
                     Cell("-" if size is None else f"{size / 1e6:.3f} MB", size),
                     Cell("-" if c.get("gzip_size_bytes") is None else f"{c['gzip_size_bytes'] / 1e6:.3f} MB",
                          c.get("gzip_size_bytes")),
                     Cell("-" if _cost(c) is None else f"{_cost(c):.2f}", _cost(c)),
                     Cell("-" if c.get("sqnr_db") is None else f"{c['sqnr_db']:.1f}", c.get("sqnr_db")),
                     Cell("-" if latency is None else f"{latency:.2f}", latency), c["outcome"]])
    charts = _chart(search, "size_bytes", "size", 1e-6, "MB", "quant-size")
    if any(c.get("latency_ms") is not None for c in search["candidates"]):
        charts += _chart(search, "latency_ms", f"estimated latency on {search.get('target_device')}", 1.0, "ms",
                         "quant-latency")
    head = (f"<p class=\"verdict-headline {'ok' if search['passed'] else 'bad'}\">{escape(search['verdict'])}"
            f" <span class=origin>(searched in {search['time_s']:.0f} s; objective {escape(search['objective'])})"
            "</span></p>")
    return head + f'<div class="grid">{charts}</div>' + table(
        ["", "candidate", "size", "gzip", "cost (points)", "SQNR dB", "est. ms", "outcome"], rows,
        sortable=True, numeric=(2, 3, 4, 5, 6))


def _report_html(report: dict[str, Any]) -> str:
    rows = []
    for op in report["ops"][:REPORT_ROWS]:
        local, alone = op.get("local") or {}, op.get("float_alone") or {}
        share = alone.get("error_share")
        rows.append([Cell(str(op["rank"]), op["rank"]), op["name"], op["type"],
                     Cell("-" if local.get("sqnr_db") is None else f"{local['sqnr_db']:.1f}", local.get("sqnr_db")),
                     Cell(f"{local.get('scale', 0):.3g}", local.get("scale")), str(local.get("zero_point", "")),
                     Cell("-" if share is None else f"{share * 100:.0f}%", share),
                     Cell("-" if alone.get("output_sqnr_db") is None else f"{alone['output_sqnr_db']:.1f}",
                          alone.get("output_sqnr_db"))])
    return (f"<p><strong>{escape(report['summary'])}</strong></p>" + table(
        ["#", "op", "type", "op SQNR dB", "scale", "zero point", "share of output error", "output SQNR if float"],
        rows, sortable=True, numeric=(0, 3, 4, 6, 7)) + note(
        f"On {report['samples']} calibration samples. Op SQNR: the op's int8 output against its float twin fed "
        "the same inputs (TFLite's debug model); share: how much of the full-int8 output error disappears when "
        "only that op (and, where noted, its readers) stays float. Keep ops float with "
        "`edge-sdk convert ... --keep-float NAME`.", "how"))


def quantization_section(converts: list[LoadedDocument]) -> Section | None:
    """The section, or None when no convert manifest carries a ``quantization`` part."""
    parts = []
    for doc in converts:
        quant = doc.body.get("quantization")
        if not isinstance(quant, dict):
            continue
        html = f"<h3>{escape(str(doc.body.get('output', {}).get('path', doc.model_label)))}</h3>"
        if quant.get("kept_float"):
            html += "<p>kept in float: " + escape(", ".join(f"{k['name']} ({k['type']})"
                                                           for k in quant["kept_float"])) + "</p>"
        if isinstance(quant.get("search"), dict):
            html += _search_html(quant["search"])
        if isinstance(quant.get("report"), dict):
            html += _report_html(quant["report"])
        parts.append(html)
    if not parts:
        return None
    return Section("quantization", "Quantization: which ops break int8, and the recipe search", "".join(parts))
