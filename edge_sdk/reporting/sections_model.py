"""Report sections about the model itself (inspect documents) and its conversion variants."""

from __future__ import annotations

from typing import Any

from edge_sdk.core.units import format_bytes, format_count, format_ms
from edge_sdk.reporting import model_data as data
from edge_sdk.reporting import svg
from edge_sdk.reporting.chart_data import listed, mapped
from edge_sdk.reporting.html_parts import Cell, Section, anchor_for, facts, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument

MAX_OP_ROWS = 400  # a table longer than this helps no one; the charts still cover every op


def _summary(body: dict[str, Any]) -> str:
    def num(key: str) -> float | None:
        return data.number(body.get(key))

    pairs = [("file size", format_bytes(num("size_bytes"))), ("parameters", format_count(num("params"))),
             ("MACs per inference", format_count(num("macs"))), ("precision", str(body.get("precision") or "-")),
             ("peak activation memory", format_bytes(num("peak_activation_bytes"))),
             ("min runtime", str(body.get("min_runtime_version") or "-"))]
    ops = body.get("ops")
    if isinstance(ops, list):
        pairs.insert(3, ("ops", str(len(ops))))
    return facts(pairs)


def _compatibility(body: dict[str, Any]) -> str:
    rows = data.compatibility_rows(body)
    if not rows:
        return note("the inspect document says nothing about runtimes and delegates.")
    shown = []
    for row in rows:
        problems = "; ".join(row.problems[:4]) + (f"; and {len(row.problems) - 4} more" if len(row.problems) > 4 else "")
        shown.append([row.target, row.kind, Cell("yes" if row.ok else "no", css="ok" if row.ok else "warn"),
                      row.detail, problems or "-"])
    return ('<details><summary>Where it runs: runtimes and delegates</summary>'
            + table(["runtime / delegate", "kind", "everything runs", "coverage", "what does not, and why"], shown)
            + "</details>")


def _partitions(body: dict[str, Any]) -> str:
    """Per delegate: the partitions TFLite would hand it, the CPU fallbacks and the copies between."""
    plans = body.get("delegate_partitions")
    if not isinstance(plans, dict) or not plans:
        return ""
    rows = []
    for name, plan in plans.items():
        if not isinstance(plan, dict) or name == "tflm":
            continue
        fallbacks = [f"#{f.get('index')} {f.get('op')}: {f.get('reason')}" for f in plan.get("fallback_ops", [])
                     if isinstance(f, dict)]
        shown = "; ".join(fallbacks[:3]) + (f"; and {len(fallbacks) - 3} more" if len(fallbacks) > 3 else "")
        boundaries = listed(plan, "boundaries")
        rows.append([name, str(plan.get("delegated_partitions", "-")), str(plan.get("delegated_ops", "-")),
                     str(len(boundaries)), format_bytes(data.number(plan.get("boundary_bytes"))), shown or "-"])
    return ('<details><summary>Delegate partitions: what each delegate takes, what falls back to the CPU, '
            'what is copied between</summary>'
            + table(["delegate", "partitions", "ops delegated", "boundaries", "copied per inference",
                     "ops on the CPU, and why"], rows)
            + note("partitions replay TFLite's own partitioner on the support table; the GPU delegate keeps "
                   "its largest partition and NNAPI three by default; XNNPACK boundaries copy nothing "
                   "(it works on the CPU tensors in place)", "how")
            + "</details>")


def _op_charts(rows: list[data.OpRow], how: str) -> list[str]:
    parts = []
    shares = data.share_by_op_type(rows)
    if shares and any(share > 0 for _, share in shares):
        chart = svg.bar_chart([(t, s * 100, f"{s * 100:.1f}%") for t, s in shares],
                              title="Estimated time share by op type" if "estimated" in how
                              else "Measured time share by op type")
        parts.append(figure(chart, "op-time-share", how))
    macs: dict[str, float] = {}
    for row in rows:
        macs[row.op_type] = macs.get(row.op_type, 0.0) + row.macs
    if any(macs.values()):
        items = sorted(((t, v, format_count(v)) for t, v in macs.items() if v > 0), key=lambda i: -i[1])
        parts.append(figure(svg.bar_chart(items, title="MACs by op type", color=svg.SERIES[1]), "op-macs",
                            "Multiply-accumulates per inference, summed per op type."))
    return parts


def _op_table(rows: list[data.OpRow]) -> str:
    shown = sorted(rows, key=lambda r: -r.share)[:MAX_OP_ROWS]
    body = [[Cell(str(r.index), r.index), r.op_type, Cell(format_count(r.macs), r.macs),
             Cell(format_count(r.params), r.params), Cell(format_bytes(r.weight_bytes), r.weight_bytes),
             Cell(f"{r.share * 100:.2f}%", r.share)] for r in shown]
    html = table(["op #", "type", "MACs", "params", "weight bytes", "time share"], body,
                 sortable=True, numeric=(0, 2, 3, 4, 5), css="ops")
    if len(rows) > MAX_OP_ROWS:
        html += note(f"the table shows the {MAX_OP_ROWS} costliest of {len(rows)} ops; the charts include all.", "warn")
    return '<details open><summary>Per-op breakdown (click a column to sort)</summary>' + html + "</details>"


def _size_charts(body: dict[str, Any], rows: list[data.OpRow]) -> list[str]:
    parts = []
    by_type = data.size_by_op_type(rows)
    if by_type:
        parts.append(figure(svg.bar_chart([(t, v, format_bytes(v)) for t, v in by_type],
                                          title="Weight size by op type", color=svg.SERIES[3]), "size-by-op-type",
                            "Bytes of constant tensors (weights, biases) read by each op type."))
    by_dtype = data.size_by_dtype(body)
    if by_dtype:
        parts.append(figure(svg.bar_chart([(t, v, format_bytes(v)) for t, v in by_dtype],
                                          title="Weight size by dtype", color=svg.SERIES[4]), "size-by-dtype",
                            "Bytes of stored weights per element type."))
    if not parts:
        parts.append(note("the inspect document has no per-op weight sizes or weight_bytes map."))
    return parts


def _planned_arena(body: dict[str, Any]) -> float | None:
    """The arena the memory plan reserves (peak live bytes plus alignment and fragmentation)."""
    plan = mapped(body, "memory_plan")
    for value in (plan.get("peak_bytes"), body.get("peak_activation_bytes")):
        if (bytes_ := data.number(value)) is not None and bytes_ > 0:
            return bytes_
    return None


def _memory_chart(body: dict[str, Any]) -> str:
    timeline = data.activation_timeline(body)
    if timeline is None:
        return note("the inspect document has no activation timeline (memory plan), so memory over "
                    "execution order cannot be drawn.")
    chart = svg.area_chart(timeline.bytes_per_step, title="Live activation memory over execution order",
                           fmt=format_bytes, peak_index=timeline.peak_step,
                           reference=_planned_arena(body), reference_label="planned arena")
    return figure(chart, "activation-memory",
                  "Bytes of activation tensors alive while each op runs (from the static memory plan); "
                  "the red dot marks the peak; the dashed line is the arena the plan reserves.")


def _measured_profiles(measured: list[data.OpProfile], mapped: data.OpProfile | None) -> list[str]:
    """A chart per device op profile that could not be mapped op by op (delegate partitions)."""
    parts = []
    for profile in measured:
        if profile is mapped:
            continue
        items = [(t, ms, format_ms(ms)) for t, ms in profile.by_type()]
        parts.append(figure(svg.bar_chart(items, title=f"Measured time by node type on {profile.device}",
                                          color=svg.MEASURED), f"measured-node-time-{anchor_for(profile.device)}",
                            "From the device's op profile (benchmark_model). Its nodes are not the graph's ops "
                            "one to one (a delegate runs partitions), so the per-op shares below are estimates."))
    return parts


def model_section(doc: LoadedDocument, measured: list[data.OpProfile] | None = None, *,
                  expanded: bool = True) -> Section:
    """Summary facts, per-op breakdown (table + charts), size by op type and dtype, memory over time.

    With several models on one page only the first is ``expanded``; the others keep their summary
    line visible and fold their charts into a ``<details>`` a click opens (no JavaScript needed).
    """
    body = doc.body
    detail = []
    measured = measured or []
    mapped = next((p for p in measured if p.per_op_ms(body) is not None), None)
    rows, how = data.op_rows(body, mapped.per_op_ms(body) if mapped else None)
    if mapped:
        how += f" on {mapped.device}"
    if rows:
        detail.append('<div class="grid">' + "".join(_op_charts(rows, how)) + "</div>")
        detail.append(_op_table(rows))
    else:
        detail.append(note("the inspect document lists no ops."))
    extra = _measured_profiles(measured, mapped)
    if extra:
        detail.append('<div class="grid">' + "".join(extra) + "</div>")
    detail.append('<div class="grid">' + "".join(_size_charts(body, rows)) + "</div>")
    detail.append(_memory_chart(body))
    if doc.origin.endswith("(analysed)"):
        detail.append(note(f"analysed from the model file at report time: {body.get('path')}", "how"))
    html = _summary(body) + _compatibility(body) + _partitions(body)
    if expanded:
        html += "".join(detail)
    else:
        html += ('<details class="model-detail"><summary>Show ops, sizes and memory of this model</summary>'
                 + "".join(detail) + "</details>")
    return Section(f"model-{anchor_for(doc.model_label)}", f"The model: {doc.model_label}", html)


def _fmt_acc(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.2f}%" if value <= 1 else f"{value:.2f}"


def _fmt_drop(value: float | None) -> str:
    """An accuracy drop: a fraction (0.002) reads as percentage points (0.20 pts)."""
    if value is None:
        return "-"
    return f"{value * 100:.2f} pts" if abs(value) <= 1 else f"{value:.3g}"


def _tradeoff_plots(variants: list[data.Variant]) -> list[str]:
    """Size vs latency and size vs accuracy, each drawn when at least two variants have both numbers."""
    colors = {v.label: svg.SERIES[i % len(svg.SERIES)] for i, v in enumerate(variants)}
    plots = []
    points = [(size / 1e6, ms, v.label, colors[v.label]) for v in variants
              if (size := v.size_bytes) and (ms := v.latency_ms) is not None]
    if len(points) >= 2:
        plots.append(figure(svg.scatter_chart(points, title="Trade-off: size vs latency", x_label="file size (MB)",
                                              y_label="p50 latency", x_fmt=lambda x: f"{x:g}", y_fmt=format_ms),
                            "variant-latency", "Lower left is better: smaller and faster."))
    scored = [(size / 1e6, accuracy, v.label, colors[v.label]) for v in variants
              if (size := v.size_bytes) and (accuracy := v.accuracy) is not None]
    if len(scored) >= 2:
        scale = 100 if all(accuracy <= 1 for _, accuracy, _, _ in scored) else 1
        points = [(size, accuracy * scale, label, color) for size, accuracy, label, color in scored]
        plots.append(figure(svg.scatter_chart(points, title="Trade-off: size vs accuracy", x_label="file size (MB)",
                                              y_label="accuracy" + (" (%)" if scale == 100 else ""),
                                              x_fmt=lambda x: f"{x:g}", y_fmt=lambda y: f"{y:.4g}"),
                            "variant-accuracy", "Upper left is better: smaller and as accurate."))
    return plots


def conversion_section(converts: list[LoadedDocument], profiles: list[LoadedDocument]) -> Section:
    """The variants side by side (size, latency, accuracy), largest first, and their trade-off plots."""
    title = "Conversion variants"
    variants = sorted(data.variants([d.convert for d in converts], [p.profile for p in profiles]),
                      key=lambda v: -(v.size_bytes or 0))
    if not variants:
        return Section("conversions", title, note("no conversion manifest among the inputs."))
    body = [[v.label, Cell(format_bytes(v.size_bytes), v.size_bytes),
             Cell(format_bytes(v.gzip_size_bytes), v.gzip_size_bytes),
             Cell(format_ms(v.latency_ms), v.latency_ms), v.latency_source or "no profile of this file given",
             Cell(_fmt_acc(v.accuracy), v.accuracy), Cell(_fmt_drop(v.accuracy_drop), v.accuracy_drop)]
            for v in variants]
    parts = [table(["variant", "size", "gzip size", "latency", "latency from", "accuracy", "accuracy lost"],
                   body, sortable=True, numeric=(1, 2, 3, 5, 6))]
    plots = _tradeoff_plots(variants)
    if plots:
        parts.append('<div class="grid">' + "".join(plots) + "</div>")
    if sum(1 for v in variants if v.latency_ms is not None) < len(variants):
        parts.append(note("some variants have no profile among the inputs, so their latency is not shown. "
                          "Add `edge-sdk profile VARIANT.tflite -o VARIANT.profile.json` outputs to the report."))
    if sum(1 for v in variants if v.accuracy is not None) < len(variants):
        parts.append(note("some manifests carry no accuracy (conversion without validation data)."))
    return Section("conversions", title, "".join(parts))


def missing_model_note(name: str, reason: str) -> Section:
    return Section(f"model-{name}", f"The model: {name}", note(reason))

