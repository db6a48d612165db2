"""Report sections from check and profile documents: the verdict table and latency per device.

All profile documents given share one latency section (one comparison chart, one table), so a
page about four conversion variants compares them instead of repeating the same layout four times.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from edge_sdk.core.documents import ProfileResult
from edge_sdk.core.units import format_bytes, format_mj, format_ms, format_quantity
from edge_sdk.reporting import chart_data as data
from edge_sdk.reporting import svg
from edge_sdk.reporting.html_parts import Cell, Section, anchor_for, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument

STATUS_CSS = {"pass": "ok", "ok": "ok", "fail": "bad", "failed": "bad", "missing": "warn", "skip": "warn",
              "uncertain": "warn"}


def format_value(value: float | None, unit: str, metric: str = "") -> str:
    """A verdict number in its unit, human-sized (bytes -> MB, ms -> us/s, a drop fraction -> %)."""
    if not unit and ("drop" in metric or "fraction" in metric):
        unit = "fraction"
    return format_quantity(value, unit)


def verdict_section(checks: list[LoadedDocument]) -> Section:
    """The gate's answer first: one row per check, failures on top, with the margin left."""
    title = "Budget verdicts"
    if not checks:
        return Section("verdicts", title, note(
            "no check document among the inputs, so there are no pass/fail verdicts here. "
            "Add the output of `edge-sdk check --json` (or use `edge-sdk check --html`)."))
    parts = []
    for doc in checks:
        rows = data.verdicts(doc.check)
        if not rows:
            parts.append(note(f"{doc.origin}: the check document holds no verdict rows."))
            continue
        order = {"fail": 0, "failed": 0, "missing": 1, "uncertain": 1, "pass": 2, "ok": 2}
        rows.sort(key=lambda r: (order.get(r.status.lower(), 1), r.margin_pct if r.margin_pct is not None else 0))
        failed = sum(1 for r in rows if r.status.lower() in ("fail", "failed"))
        missing = sum(1 for r in rows if r.status.lower() == "missing")
        uncertain = [r for r in rows if r.status.lower() == "uncertain"]
        headline = ("FAILED" if failed or missing else "PASSED") + \
            f": {len(rows) - failed - missing - len(uncertain)} passed, {failed} failed"
        headline += f", {missing} missing" if missing else ""
        if isinstance(doc.body.get("passed"), bool):  # an uncertain limit fails only if its check says so
            headline = ("PASSED" if doc.body["passed"] else "FAILED") + ":" + headline.split(":", 1)[1]
        headline += f", {len(uncertain)} uncertain" if uncertain else ""
        css = "bad" if headline.startswith("FAILED") else "ok"
        parts.append(f'<p class="verdict-headline {css}">{escape(headline)}'
                     f' <span class="origin">({escape(doc.origin)})</span></p>')
        with_baseline = any(r.before is not None for r in rows)
        body = [[
            Cell(r.status.upper(), css=STATUS_CSS.get(r.status.lower(), "")),
            r.name, r.model, r.device,
        ] + ([Cell(format_value(r.before, r.unit, r.metric), r.before)] if with_baseline else []) + [
            Cell(r.actual_text or format_value(r.actual, r.unit, r.metric), r.actual),
            Cell(r.limit_text or format_value(r.limit, r.unit, r.metric), r.limit),
            Cell(format_value(r.margin, r.unit, r.metric) if r.margin is not None else "-", r.margin),
            Cell(f"{r.margin_pct:+.1f}%" if r.margin_pct is not None else "-", r.margin_pct),
            r.how or r.message,
        ] for r in rows]
        headers = ["status", "check", "model", "device"] + (["baseline"] if with_baseline else []) + [
            "measured", "limit", "margin", "margin %", "how it was obtained / what to do"]
        shift = 1 if with_baseline else 0
        parts.append(table(headers, body, sortable=True, numeric=tuple(range(4, 8 + shift))))
        if uncertain:
            items = "".join(f"<li>UNCERTAIN: {escape(r.model)}{' on ' + escape(r.device) if r.device else ''}: "
                            f"{escape(r.metric)} estimated {escape(r.actual_text or '-')}, limit "
                            f"{escape(r.limit_text or '-')}; the limit lies inside the estimate's error band, so "
                            "the estimate cannot tell pass from fail. Measure on the device.</li>" for r in uncertain)
            parts.append(f'<ul class="uncertain">{items}</ul>')
        messages = [r for r in rows if r.message and r.status.lower() not in ("pass", "ok")]
        if messages:
            items = "".join(f"<li><strong>{escape(r.name)}</strong>: {escape(r.message)}</li>" for r in messages)
            parts.append(f'<ul class="messages">{items}</ul>')
    return Section("verdicts", title, "".join(parts))


@dataclass(frozen=True)
class Measured:
    """One result of one profile document, with what the page needs to draw it."""

    model: str
    row: data.DeviceLatency
    result: ProfileResult
    budget: float | None

    def label(self, with_model: bool) -> str:
        return f"{self.model} on {self.row.device}" if with_model else self.row.device

    def bar_label(self, with_model: bool) -> str:
        """Chart row label: the backend tells a phone measured over adb from its estimate."""
        return f"{self.label(with_model)} ({self.row.backend})"


def _results_table(items: list[Measured], with_model: bool) -> str:
    body = []
    for item in items:
        row, result = item.row, item.result
        latency, memory = result.get("latency_ms"), result.get("memory")  # validated at load; may be absent
        p99 = data.number(latency.get("p99")) if latency else None
        peak = data.number(memory.get("peak_bytes")) if memory else None
        energy = data.number(result.get("energy_mj"))
        band = f"+-{row.band_pct:.0f}%" if row.band_pct else "-"
        notes = "; ".join(result.get("notes", []))
        body.append(([item.model] if with_model else []) + [
            row.device, row.backend, Cell(row.source, css="est" if row.source == "estimated" else ""),
            Cell(str(row.threads) if row.threads else "-", row.threads),
            Cell(format_ms(row.p50), row.p50), Cell(format_ms(row.p90), row.p90), Cell(format_ms(p99), p99),
            band, Cell(str(row.runs) if row.runs else "-", row.runs), Cell(format_bytes(peak), peak),
            Cell(format_mj(energy), energy), notes,
        ])
    shift = 1 if with_model else 0
    headers = (["model"] if with_model else []) + [
        "device", "backend", "source", "threads", "p50", "p90", "p99", "error band", "runs", "peak memory",
        "energy", "notes"]
    return table(headers, body, sortable=True, numeric=tuple(i + shift for i in (3, 4, 5, 6, 8, 9, 10)))


def _device_chart(items: list[Measured], with_model: bool) -> str:
    groups = []
    for item in items:
        row = item.row
        color = svg.MEASURED if row.source == "measured" else svg.ESTIMATED
        bars = []
        for series, value, opacity in (("p50", row.p50, 0.9), ("p90", row.p90, 0.5)):
            if value is not None:
                band = row.band(value)
                text = format_ms(value) + (f" (+-{row.band_pct:.0f}%)" if band else "")
                bars.append(svg.Bar(series, value, band, color, text, opacity))
        if bars:
            groups.append(svg.BarGroup(item.bar_label(with_model), bars, item.budget))
    if not groups:
        return note("no latency figures in these results.")
    chart = svg.grouped_bar_chart(
        groups, title="p50 and p90 latency per device" + (" and model" if with_model else ""), fmt=format_ms,
        x_label="latency per inference", legend=(("measured", svg.MEASURED), ("estimated", svg.ESTIMATED)))
    return figure(chart, "device-comparison",
                  "p50 (dark) then p90 (light) bars; blue = measured, orange = estimated. Whiskers: the "
                  "estimator's stated error band. Red mark: the latency budget a check set, if any.")


def _distribution(item: Measured, with_model: bool, chart_name: str) -> str:
    row, samples = item.row, data.result_samples(item.result)
    title = f"Latency distribution: {item.label(with_model)} ({row.backend}, {len(samples)} runs)"
    hist = data.latency_histogram(samples)
    markers = [(v, name, svg.NEUTRAL) for name, v in (("p50", row.p50), ("p90", row.p90)) if v is not None]
    if item.budget is not None:
        markers.append((item.budget, "budget", svg.BUDGET))
    chart = svg.histogram_chart(hist.edges, hist.counts, data.latency_cdf(samples), markers, title=title,
                                fmt=format_ms, overflow=hist.overflow, overflow_max=hist.overflow_max)
    return figure(chart, chart_name,
                  "Bars: number of runs per latency bin. Line: share of runs at or below a latency (CDF).")


def latency_section(profiles: list[LoadedDocument], verdict_rows: list[data.Verdict]) -> Section:
    """All profile documents together: one device comparison, one table, a distribution per measured run."""
    models = list(dict.fromkeys(doc.model_label for doc in profiles))
    with_model = len(models) > 1
    title = "Latency on each device" + ("" if with_model else f": {models[0]}")
    items: list[Measured] = []
    parts: list[str] = []
    seen: set[tuple[Any, ...]] = set()
    for doc in profiles:
        results = doc.profile["results"]
        if not results:
            parts.append(note(f"{doc.origin}: the profile document holds no results (no device was measured "
                              "or estimated)."))
        for row, result in zip(data.device_latencies(results), results):
            identity = (doc.model_label, row.device, row.backend, row.source, row.p50, row.samples)
            if identity in seen:  # the same result given twice (a check and the profile it reused)
                continue
            seen.add(identity)
            budget = data.latency_budget_ms(verdict_rows, row.device, doc.model_label)
            items.append(Measured(doc.model_label, row, result, budget))
    if not items:
        return Section("latency", title, "".join(parts))
    parts += [_device_chart(items, with_model), _results_table(items, with_model)]
    measured = [item for item in items if item.row.samples]
    names: set[str] = set()
    charts = []
    for item in measured:
        name = anchor_for(f"latency-distribution-{item.label(with_model)}")
        while name in names:
            name += "-2"
        names.add(name)
        charts.append(_distribution(item, with_model, name))
    if charts:
        parts.append('<div class="grid">' + "".join(charts) + "</div>")
    estimated = [item.bar_label(with_model) for item in items if not item.row.samples and item.row.source != "measured"]
    unsampled = [item.bar_label(with_model) for item in items if not item.row.samples and item.row.source == "measured"]
    if estimated:
        parts.append(note(
            "no distribution for " + ", ".join(estimated) + ": estimates have no runs to draw. Measure with "
            "`edge-sdk profile` on the host or `--backend adb` on a phone to see one."))
    if unsampled:
        parts.append(note(
            "no distribution for " + ", ".join(unsampled) + ": measured, but the tool reported statistics "
            "without per-run samples (benchmark_model prints no raw samples), so p90/p99 and the histogram "
            "are not available."))
    methods = sorted({str(item.result["provenance"]["method"]) for item in items
                      if isinstance(item.result.get("provenance"), dict) and item.result["provenance"].get("method")})
    if methods:
        parts.append(note("how each result was obtained: " + "; ".join(methods), "how"))
    return Section("latency", title, "".join(parts))
