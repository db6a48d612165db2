"""The numbers the model and conversion charts are drawn from: pure functions of the documents.

Per-op cost, sizes by op type and dtype, activation memory over execution order (inspect
documents) and the conversion variants (convert manifests matched to profiles). Like
:mod:`edge_sdk.reporting.chart_data`, every function tolerates missing fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edge_sdk.core.documents import ConvertManifest, ProfileDocument
from edge_sdk.reporting.chart_data import device_latencies, listed, mapped, number

# One model of "what an op costs" when no per-op measurement exists: a mobile CPU core does
# roughly 2 MACs in the time it moves one byte from memory (~10 GMAC/s vs ~5 GB/s), so an op
# costs MACs + 2 x bytes touched. Only the shares are shown, never a time derived from this.
MACS_PER_BYTE = 2.0
COST_MODEL_NOTE = (
    "estimated share: per-op cost = MACs + 2 x bytes read and written "
    "(no per-op timing in these reports)"
)

DTYPE_BYTES = {
    "float32": 4, "int32": 4, "uint32": 4, "float16": 2, "int16": 2, "uint16": 2, "bfloat16": 2,
    "int8": 1, "uint8": 1, "bool": 1, "int64": 8, "float64": 8, "uint64": 8, "int4": 0.5,
    "complex64": 8,
}


def tensor_bytes(tensor: dict[str, Any]) -> float:
    """Bytes of a tensor description with a shape and a dtype (unknown dims count as 1)."""
    shape = listed(tensor, "shape")
    count = 1
    for dim in shape:
        count *= dim if isinstance(dim, int) and dim > 0 else 1
    return count * DTYPE_BYTES.get(str(tensor.get("dtype", "float32")).lower(), 4)


@dataclass
class OpRow:
    index: int
    op_type: str
    macs: float
    params: float
    weight_bytes: float
    bytes_touched: float
    share: float = 0.0
    measured_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _op_weight_bytes(op: dict[str, Any]) -> float:
    explicit = number(op.get("weight_bytes"))
    if explicit is not None:
        return explicit
    return sum(tensor_bytes(t) for t in listed(op, "inputs")
               if isinstance(t, dict) and (t.get("constant") or t.get("is_constant")))


def op_rows(inspect_doc: dict[str, Any], per_op_ms: dict[int, float] | None = None) -> tuple[list[OpRow], str]:
    """Per-op MACs, params, weight bytes and time share, plus a note saying how the share was obtained.

    With ``per_op_ms`` (op index -> measured ms, e.g. from an adb op profile) the share is measured;
    otherwise it comes from the MACs + bytes cost model (:data:`COST_MODEL_NOTE`).
    """
    rows = []
    for position, op in enumerate(listed(inspect_doc, "ops")):
        if not isinstance(op, dict):
            continue
        tensors = [t for t in listed(op, "inputs") + listed(op, "outputs") if isinstance(t, dict)]
        raw_index = op.get("index")
        index = raw_index if isinstance(raw_index, int) else position
        rows.append(OpRow(
            index=index, op_type=str(op.get("type") or op.get("op") or "?"),
            macs=number(op.get("macs")) or 0.0, params=number(op.get("params")) or 0.0,
            weight_bytes=_op_weight_bytes(op), bytes_touched=sum(tensor_bytes(t) for t in tensors),
        ))
    if per_op_ms:
        total = sum(v for v in per_op_ms.values() if v > 0)
        for row in rows:
            row.measured_ms = per_op_ms.get(row.index)
            row.share = (row.measured_ms or 0.0) / total if total else 0.0
        return rows, "measured share: per-op times from the device's op profile (benchmark_model)"
    costs = [row.macs + MACS_PER_BYTE * row.bytes_touched for row in rows]
    total = sum(costs)
    for row, cost in zip(rows, costs):
        row.share = cost / total if total else 0.0
    return rows, COST_MODEL_NOTE


def share_by_op_type(rows: list[OpRow]) -> list[tuple[str, float]]:
    """Time share summed per op type, largest first."""
    totals: dict[str, float] = {}
    for row in rows:
        totals[row.op_type] = totals.get(row.op_type, 0.0) + row.share
    return sorted(totals.items(), key=lambda item: -item[1])


def size_by_op_type(rows: list[OpRow]) -> list[tuple[str, float]]:
    """Weight bytes summed per op type, largest first (ops without weights left out)."""
    totals: dict[str, float] = {}
    for row in rows:
        if row.weight_bytes > 0:
            totals[row.op_type] = totals.get(row.op_type, 0.0) + row.weight_bytes
    return sorted(totals.items(), key=lambda item: -item[1])


def size_by_dtype(inspect_doc: dict[str, Any]) -> list[tuple[str, float]]:
    """Weight bytes per dtype from the inspect document's ``weight_bytes`` map, largest first."""
    weights = inspect_doc.get("weight_bytes")
    if not isinstance(weights, dict):
        return []
    items = [(str(k), float(v)) for k, v in weights.items() if number(v) is not None and v > 0]
    return sorted(items, key=lambda item: -item[1])


@dataclass(frozen=True)
class ActivationTimeline:
    bytes_per_step: list[int]
    peak_step: int
    peak_bytes: int
    lower_bound_bytes: int | None


def activation_timeline(inspect_doc: dict[str, Any]) -> ActivationTimeline | None:
    """Live activation bytes at each op in execution order, with the peak marked.

    Read from ``activation_timeline`` (top level), else from ``memory_plan`` (its own ``timeline``
    or its subgraphs' timelines concatenated); None when absent.
    """
    plan = mapped(inspect_doc, "memory_plan")
    values = inspect_doc.get("activation_timeline")
    if not isinstance(values, list):
        values = plan.get("timeline") or plan.get("activation_timeline")
    if not isinstance(values, list):  # one timeline per subgraph, in execution order of the subgraphs
        values = [v for sub in listed(plan, "subgraphs") for v in listed(sub, "timeline")]
    if not isinstance(values, list) or not values:
        return None
    steps = [int(v) if number(v) is not None else 0 for v in values]
    peak_step = max(range(len(steps)), key=lambda i: steps[i])
    bound = number(inspect_doc.get("activation_lower_bound_bytes") or plan.get("lower_bound_bytes"))
    return ActivationTimeline(steps, peak_step, steps[peak_step], int(bound) if bound is not None else None)


@dataclass(frozen=True)
class Compatibility:
    """Where the model runs: one row per runtime or delegate, from the inspect document."""

    target: str
    kind: str  # "runtime" | "delegate"
    ok: bool
    detail: str  # "12/15 ops", "loads"
    problems: list[str]


def compatibility_rows(inspect_doc: dict[str, Any]) -> list[Compatibility]:
    """Runtimes (does it load?) and delegates (how many ops run on it, and why the others do not)."""
    compatibility = mapped(inspect_doc, "compatibility")
    rows = []
    for name, info in mapped(compatibility, "runtimes").items():
        if isinstance(info, dict):
            loadable = bool(info.get("loadable"))
            rows.append(Compatibility(name, "runtime", loadable, "loads" if loadable else "does not load",
                                      [str(p) for p in listed(info, "problems")]))
    for name, info in mapped(compatibility, "delegates").items():
        if not isinstance(info, dict):
            continue
        supported, total = number(info.get("supported_ops")), number(info.get("total_ops"))
        detail = f"{supported:.0f}/{total:.0f} ops" if supported is not None and total is not None else "-"
        problems = [f"{u.get('op', '?')} (op {u.get('index', '?')}): {u.get('reason', '')}"
                    for u in listed(info, "unsupported") if isinstance(u, dict)]
        rows.append(Compatibility(name, "delegate", bool(info.get("all_supported")), detail, problems))
    return rows


@dataclass(frozen=True)
class Variant:
    """One conversion output on the trade-off plot."""

    label: str
    size_bytes: float | None
    gzip_size_bytes: float | None
    latency_ms: float | None
    latency_source: str
    accuracy: float | None
    accuracy_drop: float | None
    sha256: str | None


QUANTIZE_LABELS = {"fp16": "float16", "dynamic": "dynamic-range int8"}


def variant_label(convert_doc: ConvertManifest, precision: str | None = None) -> str:
    """'int8', 'float16 + pruned 80%', ... from the manifest's quantize and prune settings.

    Without quantization the label is the output's ``precision`` when a profile of it says so,
    else float32 for a Keras/SavedModel/ONNX source, else "unchanged" (a .tflite source is copied).
    The manifest was validated against :class:`ConvertManifest` at the load boundary.
    """
    quantize = convert_doc.get("quantize", "none")
    if quantize not in ("none", "unchanged"):  # "unchanged": a .tflite source, copied
        label = QUANTIZE_LABELS.get(quantize, quantize)
    else:
        source_format = convert_doc.get("source", {}).get("format")
        label = precision or ("unchanged .tflite" if source_format == "tflite" else "float32")
    sparsity = number((convert_doc.get("prune") or {}).get("sparsity"))
    if sparsity:
        label += f" + pruned {sparsity * 100:.0f}%"
    return label


def _accuracy(convert_doc: ConvertManifest) -> tuple[float | None, float | None]:
    """The artifact's top-1 accuracy and its drop from the source's (fractions), when measured."""
    accuracy = convert_doc.get("validation", {}).get("accuracy") or {}
    return number(accuracy.get("artifact")), number(accuracy.get("drop"))


def variants(convert_docs: Sequence[ConvertManifest], profile_docs: Sequence[ProfileDocument]) -> list[Variant]:
    """Conversion outputs with their size, accuracy and, when a profile of the same file exists, latency.

    A profile matches a variant by the output's sha256 (else by file name); its first measured
    result is preferred over an estimate.
    """
    out = []
    for doc in convert_docs:
        output = doc["output"]
        sha, name = output.get("sha256"), output.get("path", "").rsplit("/", 1)[-1]
        latency, source, precision = None, "", None
        for profile in profile_docs:
            model = profile.get("model")
            if model is None:
                continue
            same = (sha and model.get("sha256") == sha) or (name and model["path"].endswith(name))
            if not same:
                continue
            precision = precision or model.get("precision")
            # the same yardstick for every variant where possible: this host's measurement first
            rows = sorted(device_latencies(profile["results"]), key=lambda r: (r.source != "measured", r.device != "host"))
            if rows and rows[0].p50 is not None and latency is None:
                latency, source = rows[0].p50, f"{rows[0].source} p50 on {rows[0].device}"
        accuracy, drop = _accuracy(doc)
        out.append(Variant(variant_label(doc, precision), number(output.get("size_bytes")),
                           number(output.get("gzip_size_bytes")), latency, source, accuracy, drop, sha))
    return out


@dataclass(frozen=True)
class OpProfile:
    """A device's measured per-node times (benchmark_model's op profile), in run order."""

    device: str
    nodes: list[tuple[str, float, str]]  # (node type, average ms, node name such as "[conv]:3")

    def by_type(self) -> list[tuple[str, float]]:
        totals: dict[str, float] = {}
        for node_type, ms, _ in self.nodes:
            totals[node_type] = totals.get(node_type, 0.0) + ms
        return sorted(totals.items(), key=lambda item: -item[1])

    def per_op_ms(self, inspect_doc: dict[str, Any]) -> dict[int, float] | None:
        """Op index -> ms when the profile times every op of the graph, else None.

        benchmark_model names a node ``[name]:N`` with N its index in the execution plan; a node maps
        to op N when N is in range and the types agree (else by run order, when the lists align).
        Nodes that map to no op (a delegate's kernels) must hold under 5% of the time: when a
        delegate runs partitions, per-op times do not exist and only :meth:`by_type` is honest.
        """
        ops = [op for op in listed(inspect_doc, "ops") if isinstance(op, dict)]
        types = [str(op.get("type") or "").upper() for op in ops]
        mapped: dict[int, float] = {}
        unmapped = 0.0
        for position, (node_type, ms, name) in enumerate(self.nodes):
            match = _NODE_INDEX.search(name)
            index = int(match.group(1)) if match else position
            if index < len(ops) and types[index] == node_type.upper() and index not in mapped:
                mapped[index] = ms
            else:
                unmapped += ms
        total = sum(mapped.values()) + unmapped
        if not ops or len(mapped) != len(ops) or (total and unmapped / total >= 0.05):
            return None
        return {op["index"] if isinstance(op.get("index"), int) else i: mapped[i] for i, op in enumerate(ops)}


_NODE_INDEX = re.compile(r":(\d+)$")


def op_profiles(profile_docs: list[dict[str, Any]], sha256: str | None, name: str | None) -> list[OpProfile]:
    """Measured op profiles (``results[].ops``) of the profiles that are about this model file."""
    found = []
    for doc in profile_docs:
        model = mapped(doc, "model")
        same = (sha256 and model.get("sha256") == sha256) or (name and str(model.get("path", "")).endswith(name))
        if not same:
            continue
        for result in listed(doc, "results"):
            ops = result.get("ops") if isinstance(result, dict) else None
            if not isinstance(ops, list):
                continue
            nodes = [(str(op.get("node_type") or op.get("type") or "?"), float(op["avg_ms"]), str(op.get("name") or ""))
                     for op in ops if isinstance(op, dict) and number(op.get("avg_ms")) is not None]
            if nodes:
                found.append(OpProfile(str(result.get("device") or "device"), nodes))
    return found
