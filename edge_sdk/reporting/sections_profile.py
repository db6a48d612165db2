"""Report sections from check and profile documents: the verdict table and latency per device."""

from __future__ import annotations

from html import escape
from typing import Any

from edge_sdk.reporting import chart_data as data
from edge_sdk.reporting import svg
from edge_sdk.reporting.html_parts import Cell, Section, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument
from edge_sdk.units import format_bytes, format_count, format_mj, format_ms

STATUS_CSS = {"pass": "ok", "ok": "ok", "fail": "bad", "failed": "bad", "missing": "warn", "skip": "warn"}


def format_value(value: float | None, unit: str, metric: str = "") -> str:
    """A verdict number in its unit, human-sized (bytes -> MB, ms -> us/s, a drop fraction -> %)."""
    if value is None:
        return "-"
    unit_l = unit.lower()
    if not unit_l and ("drop" in metric or "fraction" in metric):
        return f"{value * 100:.2f}%"
    if unit_l in ("bytes", "b", "byte"):
        return format_bytes(value)
    if unit_l == "ms":
        return format_ms(value)
    if unit_l == "mj":
        return format_mj(value)
    if unit_l in ("macs", "params", "count", ""):
        return format_count(value)
    if unit_l in ("%", "pct", "percent"):
        return f"{value:.2f}%"
    return f"{value:.4g} {unit}"


def verdict_section(checks: list[LoadedDocument]) -> Section:
    """The gate's answer first: one row per check, failures on top, with the margin left."""
    title = "Budget verdicts"
    if not checks:
        return Section("verdicts", title, note(
            "no check document among the inputs, so there are no pass/fail verdicts here. "
            "Add the output of `edge-sdk check --json` (or use `edge-sdk check --html`)."))
    parts = []
    for doc in checks:
        rows = data.verdicts(doc.body)
        if not rows:
            parts.append(note(f"{doc.origin}: the check document holds no verdict rows."))
            continue
        order = {"fail": 0, "failed": 0, "missing": 1, "pass": 2, "ok": 2}
        rows.sort(key=lambda r: (order.get(r.status.lower(), 1), r.margin_pct if r.margin_pct is not None else 0))
        failed = sum(1 for r in rows if r.status.lower() in ("fail", "failed"))
        missing = sum(1 for r in rows if r.status.lower() == "missing")
        headline = ("FAILED" if failed or missing else "PASSED") + \
            f": {len(rows) - failed - missing} passed, {failed} failed"
        headline += f", {missing} missing" if missing else ""
        css = "bad" if failed or missing else "ok"
        parts.append(f'<p class="verdict-headline {css}">{escape(headline)}'
                     f' <span class="origin">({escape(doc.origin)})</span></p>')
        body = [[
            Cell(r.status.upper(), css=STATUS_CSS.get(r.status.lower(), "")),
            r.name, r.model, r.device,
            Cell(r.actual_text or format_value(r.actual, r.unit, r.metric), r.actual),
            Cell(r.limit_text or format_value(r.limit, r.unit, r.metric), r.limit),
            Cell(format_value(r.margin, r.unit, r.metric) if r.margin is not None else "-", r.margin),
            Cell(f"{r.margin_pct:+.1f}%" if r.margin_pct is not None else "-", r.margin_pct),
            r.how or r.message,
        ] for r in rows]
        parts.append(table(["status", "check", "model", "device", "measured", "limit", "margin", "margin %",
                            "how it was obtained / what to do"], body, sortable=True, numeric=(4, 5, 6, 7)))
        messages = [r for r in rows if r.message and r.status.lower() not in ("pass", "ok")]
        if messages:
            items = "".join(f"<li><strong>{escape(r.name)}</strong>: {escape(r.message)}</li>" for r in messages)
            parts.append(f'<ul class="messages">{items}</ul>')
    return Section("verdicts", title, "".join(parts))


def _results_table(rows: list[data.DeviceLatency], results: list[dict[str, Any]]) -> str:
    body = []
    for row, result in zip(rows, results):
        stats = result.get("latency_ms") if isinstance(result.get("latency_ms"), dict) else {}
        memory = result.get("memory") if isinstance(result.get("memory"), dict) else {}
        p99 = stats.get("p99") if isinstance(stats.get("p99"), (int, float)) else None
        peak = memory.get("peak_bytes") if isinstance(memory.get("peak_bytes"), (int, float)) else None
        energy = result.get("energy_mj") if isinstance(result.get("energy_mj"), (int, float)) else None
        band = f"+-{row.band_pct:.0f}%" if row.band_pct else "-"
        notes = "; ".join(str(n) for n in result.get("notes") or [])
        body.append([
            row.device, row.backend, Cell(row.source, css="est" if row.source == "estimated" else ""),
            Cell(str(row.threads) if row.threads else "-", row.threads),
            Cell(format_ms(row.p50), row.p50), Cell(format_ms(row.p90), row.p90), Cell(format_ms(p99), p99),
            band, Cell(str(row.samples), row.samples), Cell(format_bytes(peak), peak),
            Cell(format_mj(energy), energy), notes,
        ])
    return table(["device", "backend", "source", "threads", "p50", "p90", "p99", "error band", "runs",
                  "peak memory", "energy", "notes"], body, sortable=True, numeric=(3, 4, 5, 6, 8, 9, 10))


def _device_chart(rows: list[data.DeviceLatency], budgets: list[float | None]) -> str:
    groups = []
    for row, budget in zip(rows, budgets):
        color = svg.MEASURED if row.source == "measured" else svg.ESTIMATED
        bars = []
        for series, value, opacity in (("p50", row.p50, 0.9), ("p90", row.p90, 0.5)):
            if value is not None:
                band = row.band(value)
                text = format_ms(value) + (f" (+-{row.band_pct:.0f}%)" if band else "")
                bars.append(svg.Bar(series, value, band, color, text, opacity))
        if bars:
            groups.append(svg.BarGroup(f"{row.device} ({row.source})", bars, budget))
    if not groups:
        return note("no latency figures in these results.")
    chart = svg.grouped_bar_chart(
        groups, title="p50 and p90 latency per device", fmt=format_ms, x_label="latency per inference",
        legend=(("measured", svg.MEASURED), ("estimated", svg.ESTIMATED)))
    return figure(chart, "device-comparison",
                  "Per device: p50 (dark) then p90 (light). Whiskers: the estimator's stated error band. "
                  "Red mark: that device's latency budget, when a check set one.")


def _distribution(row: data.DeviceLatency, result: dict[str, Any], budget: float | None) -> str:
    samples = data.result_samples(result)
    title = f"Latency distribution: {row.device} ({row.backend}, {len(samples)} runs)"
    hist = data.latency_histogram(samples)
    markers = [(v, name, svg.NEUTRAL) for name, v in (("p50", row.p50), ("p90", row.p90)) if v is not None]
    if budget is not None:
        markers.append((budget, "budget", svg.BUDGET))
    chart = svg.histogram_chart(hist.edges, hist.counts, data.latency_cdf(samples), markers, title=title, fmt=format_ms)
    return figure(chart, f"latency-distribution-{row.device}",
                  "Bars: number of runs per latency bin. Line: share of runs at or below a latency (CDF).")


def profile_section(doc: LoadedDocument, verdict_rows: list[data.Verdict]) -> Section:
    """Device comparison, a distribution per measured device, and every result's numbers."""
    body = doc.body
    title = f"Latency on each device: {doc.model_label}"
    results = [r for r in body.get("results") or [] if isinstance(r, dict)]
    if not results:
        return Section(f"profile-{id(doc)}", title, note(
            f"{doc.origin}: the profile document holds no results (no device was measured or estimated)."))
    rows = data.device_latencies(results)
    model = doc.model_label
    budgets = [data.latency_budget_ms(verdict_rows, r.device, model) for r in rows]
    parts = [_device_chart(rows, budgets),
             _results_table(rows, results)]
    measured = [(row, result, budget) for row, result, budget in zip(rows, results, budgets) if row.samples]
    for row, result, budget in measured:
        parts.append(_distribution(row, result, budget))
    estimated_only = [row.device for row in rows if not row.samples]
    if estimated_only:
        parts.append(note(
            "no raw samples for " + ", ".join(estimated_only) + ": those results are estimates (or were "
            "stored without samples), so there is no distribution to draw. Measure with `edge-sdk profile` "
            "on the host or `--backend adb` on a phone to see one."))
    methods = sorted({str((r.get("provenance") or {}).get("method")) for r in results
                      if isinstance(r.get("provenance"), dict) and (r.get("provenance") or {}).get("method")})
    if methods:
        parts.append(note("estimation/measurement method: " + "; ".join(methods), "how"))
    return Section(f"profile-{id(doc)}", title, "".join(parts))
