"""The "where the time goes" section: per-op time measured on the host, estimated per device and read
from phones, lined up op by op (``results[].ops`` of profile documents, see edge_sdk.profiling.ops).

One block per model: a sortable hotspot table with one column per result, a bar chart per result
grouped by op type, and a bar chart by the user's layer names; the method's error (per-op sum vs
the whole-model median) is said under the table.
"""

from __future__ import annotations

from html import escape
from typing import Any

from edge_sdk.profiling.ops import by_type, join, result_label
from edge_sdk.reporting.chart_data import listed
from edge_sdk.reporting.html_parts import Cell, Section, figure, note, table
from edge_sdk.reporting.loading import LoadedDocument
from edge_sdk.reporting.svg import ESTIMATED, MEASURED, bar_chart

TOP = 25


def _ms(value: float | None) -> Cell:
    if value is None:
        return Cell("-")
    text = f"{value * 1000:.1f} us" if value < 1 else f"{value:.2f} ms"
    return Cell(text, value)


def _by_layer(rows: list[dict[str, Any]]) -> list[tuple[str, float]]:
    grouped: dict[str, float] = {}
    for row in rows:
        if row.get("ms") is not None and row.get("layer"):
            grouped[row["layer"]] = grouped.get(row["layer"], 0.0) + row["ms"]
    return sorted(grouped.items(), key=lambda kv: -kv[1])


def _attributed(result: Any) -> bool:
    """Results whose ``ops`` are attribution rows (older documents hold raw benchmark rows only)."""
    ops = listed(result, "ops")
    return bool(ops) and all(isinstance(r, dict) and isinstance(r.get("index"), int) and "ms" in r for r in ops)


def _block(doc: LoadedDocument) -> str:
    results = [r for r in doc.body.get("results", []) if _attributed(r)]
    labels = [result_label(r) for r in results]
    measured = [label for r, label in zip(results, labels) if r.get("source") != "estimated"]
    order_by = measured[0] if measured else labels[0]
    joined = sorted(join(results), key=lambda row: -(row.get(order_by) or 0.0))
    delegated = {r["index"]: r["delegated"] for result in results for r in result["ops"]
                 if r.get("delegated") is not None}
    rows = [[Cell(str(row["index"]), row["index"]), row["type"], row.get("layer") or "",
             {True: "XNNPACK", False: "CPU kernels"}.get(delegated.get(row["index"]), "-"),  # type: ignore[arg-type]
             *[_ms(row.get(label)) for label in labels]] for row in joined[:TOP]]
    parts = [f"<h3>{escape(doc.model_label)}</h3>",
             table(["#", "op", "layer", "runs on (phones, boards)", *labels], rows, sortable=True,
                   numeric=(0, *range(4, 4 + len(labels))))]
    if len(joined) > TOP:
        parts.append(note(f"the {TOP} costliest of {len(joined)} ops by {order_by} time; every op is in the JSON "
                          "document", "how"))
    for result, label in zip(results, labels):
        summary = result.get("op_profile") or {}
        if summary.get("source") == "measured" and summary.get("sum_over_whole"):
            parts.append(note(f"{label}: the per-op times add up to {summary['sum_over_whole']:.0%} of the whole-model "
                              f"median. Method: {summary.get('method', '')}.", "how"))
        parts += [note(f"{label}: {text}", "warn") for text in summary.get("notes", [])]
        color = ESTIMATED if result.get("source") == "estimated" else MEASURED
        grouped = by_type(result["ops"])
        parts.append(figure(bar_chart([(op, ms, _ms(ms).text) for op, ms in grouped.items()],
                                      title=f"{label}: time by op type", color=color),
                            f"op-type-time-{label}", "summed per op type"))
        layers = _by_layer(result["ops"])
        if layers:
            parts.append(figure(bar_chart([(name, ms, _ms(ms).text) for name, ms in layers],
                                          title=f"{label}: time by layer", color=color),
                                f"layer-time-{label}", "summed per layer name recovered from the tensor names"))
    return "".join(parts)


def ops_section(profiles: list[LoadedDocument]) -> Section | None:
    """The section, or None when no profile carries per-op rows."""
    with_ops = [doc for doc in profiles if any(_attributed(r) for r in doc.body.get("results", []))]
    if not with_ops:
        return None
    intro = note("estimated rows spread each device's whole-model estimate over the ops with the same cost model; "
                 "host rows time each op alone (`edge-sdk profile MODEL --op-profile`); phone rows come from "
                 "benchmark_model's op profiler", "how")
    return Section("ops", "Where the time goes, op by op", intro + "".join(_block(doc) for doc in with_ops))
