"""Op-level attribution: per-op time measured on the host, estimated per device, and read from phones.

The composition of three sources that already exist below: ``runtime_harness.host.op_timing``
(each op timed alone in the isolated child), ``runtime_harness.estimator.per_op`` (the cost model
read op by op) and the adb ``--op-profile`` rows (benchmark_model's "Run Order" table). Each
profile result gets an ``ops`` list of the same shape, so a report or ``compare`` can line them up
op by op, and an ``op_profile`` summary that states how far the per-op sum is from the whole.
"""

from __future__ import annotations

from typing import Any

#: How the host per-op figures are obtained, said once in every result that carries them.
HOST_METHOD = ("each op cut out as a one-op model (its weights, the real activations that reach it in the "
               "full model) and timed alone with the same runtime, threads and default delegate; one "
               "interpreter call's floor subtracted; no cross-op fusion or cache reuse")


def _layer(op: Any) -> str:
    from runtime_harness.estimator.per_op import op_layer_name

    return op_layer_name(op)


def host_ops(graph: Any, raw: dict[str, Any], whole_p50_ms: float | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows and summary for the host result from the child's ``op_profile`` output."""
    by_index = {op.index: op for op in graph.ops}
    rows: list[dict[str, Any]] = []
    for entry in raw["ops"]:
        op = by_index.get(entry["index"])
        row = {"index": entry["index"], "type": entry["type"], "layer": _layer(op) if op else "",
               "ms": entry["ms"], "macs": int(op.macs) if op else 0}
        if entry.get("note"):
            row["note"] = entry["note"]
        rows.append(row)
    timed = [r["ms"] for r in rows if r["ms"] is not None]
    total = sum(timed)
    for row in rows:
        row["share"] = round(row["ms"] / total, 6) if row["ms"] is not None and total > 0 else None
    summary: dict[str, Any] = {
        "source": "measured", "method": HOST_METHOD, "ops_timed": len(timed), "ops": len(rows),
        "sum_ms": round(total, 5), "whole_ms": whole_p50_ms, "invoke_floor_ms": raw.get("invoke_floor_ms"),
        "sum_over_whole": round(total / whole_p50_ms, 4) if whole_p50_ms else None,
    }
    untimed = [r for r in rows if r["ms"] is None]
    if untimed:
        summary["notes"] = [f"{len(untimed)} op(s) could not run alone and are not in the sum: "
                            + ", ".join(f"#{r['index']} {r['type']}" for r in untimed[:5])]
    return rows, summary


def estimated_ops(graph: Any, device: Any, result: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-op rows of one estimate, scaled to its p50; ``delegated`` from the XNNPACK partitions."""
    from edge_sdk.graph.partition import delegate_plan
    from runtime_harness.estimator.per_op import per_op_breakdown

    delegated = None
    if getattr(device, "kind", "") != "mcu":
        plan = delegate_plan(graph, "xnnpack")
        delegated = {i for part in plan.partitions if part.delegated for i in part.ops}
    total = float(result["latency_ms"]["p50"])
    rows = per_op_breakdown(graph, device, total, threads=result.get("threads"), delegated=delegated)
    cores = result.get("provenance", {}).get("cores")
    summary = {"source": "estimated", "method": "the device's fitted cost model applied to each op alone, scaled "
               "to the whole-model estimate", "sum_ms": round(sum(r["ms"] for r in rows), 5), "whole_ms": total,
               "cores": cores, "ops": len(rows)}
    return rows, summary


def adb_ops(rows: list[dict[str, Any]], graph: Any | None) -> list[dict[str, Any]]:
    """benchmark_model's Run Order rows (``node_type``, ``name``, ``avg_ms``, kept as they are) with the
    attribution fields added (``index``, ``type``, ``layer``, ``ms``, ``share``).

    The tool names a row ``[tensor name]:node index``; the node index is the op's position in the
    execution plan, which is ``ModelGraph.ops`` order for subgraph 0 (delegate kernels get new
    indices past the last op and are kept as their own rows)."""
    by_index = {op.index: op for op in graph.ops} if graph is not None else {}
    total = sum(float(r.get("avg_ms") or 0.0) for r in rows)
    out = []
    for position, row in enumerate(rows):
        index = _node_index(str(row.get("name", "")), position)
        op = by_index.get(index)
        out.append({**row, "index": index, "type": row.get("node_type", "?"),
                    "layer": _layer(op) if op is not None else "",
                    "ms": float(row.get("avg_ms") or 0.0),
                    "share": round(float(row.get("avg_ms") or 0.0) / total, 6) if total else None})
    return out


def _node_index(name: str, fallback: int) -> int:
    tail = name.rsplit(":", 1)[-1] if ":" in name else ""
    return int(tail) if tail.isdigit() else fallback


def join(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per op with each result's ms side by side: ``{index, type, layer, <label>: ms, ...}``.

    Keys are result labels (``host``, ``pixel-7 (estimated)``, ``pixel-7 (adb)``)."""
    table: dict[int, dict[str, Any]] = {}
    for result in results:
        label = result_label(result)
        for row in result.get("ops") or []:
            entry = table.setdefault(row["index"], {"index": row["index"], "type": row["type"],
                                                    "layer": row.get("layer", "")})
            entry[label] = row.get("ms")
    return [table[i] for i in sorted(table)]


def result_label(result: dict[str, Any]) -> str:
    device = result.get("device", "?")
    if result.get("source") == "estimated":
        return f"{device} (estimated)"
    return "host" if result.get("backend") == "host" else f"{device} ({result.get('backend', 'measured')})"


def by_type(rows: list[dict[str, Any]]) -> dict[str, float]:
    grouped: dict[str, float] = {}
    for row in rows:
        if row.get("ms") is not None:
            grouped[row["type"]] = grouped.get(row["type"], 0.0) + row["ms"]
    return dict(sorted(grouped.items(), key=lambda kv: -kv[1]))
