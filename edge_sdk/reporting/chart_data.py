"""The numbers each chart of the HTML report is drawn from: pure functions of the documents.

Kept apart from the SVG drawing so they can be unit-tested exactly (a chart that looks right but
plots the wrong p90 is worse than no chart). Every function tolerates missing fields and returns
empty data rather than raising: the page then says what is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between order statistics (numpy's default)."""
    if not samples:
        raise ValueError("percentile of no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Histogram:
    """Counts per equal-width bin; runs slower than the last edge are counted in ``overflow``."""

    edges: list[float]
    counts: list[int]
    overflow: int = 0
    overflow_max: float | None = None

    @property
    def total(self) -> int:
        return sum(self.counts) + self.overflow


def tail_cutoff(values: list[float]) -> float:
    """Where the histogram axis may stop: Tukey's far-out fence (Q3 + 3 IQR), but never below p95.

    Beyond the fence a run is an outlier (a page fault, a preemption); stopping the axis there keeps
    a single 10x outlier from squeezing every other run into one bar. Never cutting below p95 keeps
    a long but real tail (and the p90 marker) on the axis: at most 5% of the runs are cut, and they
    are still counted and reported.
    """
    q1, q3 = percentile(values, 25), percentile(values, 75)
    return max(q3 + 3 * (q3 - q1), percentile(values, 95))


def latency_histogram(samples: list[float], bins: int | None = None) -> Histogram:
    """Equal-width bins over [min, min(max, far-out fence)]; Freedman-Diaconis bin count (5..40).

    A run with identical samples gets one bin of width 1% of the value so it still draws.
    """
    values = [float(s) for s in samples if isinstance(s, (int, float)) and math.isfinite(s)]
    if not values:
        return Histogram([], [])
    low, high = min(values), max(values)
    if high <= low:
        width = max(abs(low) * 0.01, 1e-6)
        return Histogram([low - width / 2, low + width / 2], [len(values)])
    cutoff = tail_cutoff(values)
    outliers = [v for v in values if v > cutoff] if cutoff > low else []
    if outliers:
        values = [v for v in values if v <= cutoff]
        high = max(values)
    if bins is None:
        iqr = percentile(values, 75) - percentile(values, 25)
        width = 2 * iqr / len(values) ** (1 / 3) if iqr > 0 else (high - low) / 10
        bins = int(math.ceil((high - low) / width)) if width > 0 else 10
        bins = max(5, min(40, bins))
    step = (high - low) / bins if high > low else 1.0
    edges = [low + step * i for i in range(bins)] + [max(high, low + step * bins)]
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    return Histogram(edges, counts, len(outliers), max(outliers) if outliers else None)


def latency_cdf(samples: list[float]) -> list[tuple[float, float]]:
    """(latency, fraction of runs at or below it) for each sorted sample: the empirical CDF."""
    ordered = sorted(float(s) for s in samples if isinstance(s, (int, float)) and math.isfinite(s))
    n = len(ordered)
    return [(value, (i + 1) / n) for i, value in enumerate(ordered)]


@dataclass(frozen=True)
class DeviceLatency:
    """One bar group of the device comparison chart."""

    device: str
    backend: str
    source: str  # "measured" | "estimated"
    p50: float | None
    p90: float | None
    band_pct: float | None  # +-% error band of an estimate, None when measured
    threads: int | None
    samples: int

    def band(self, value: float | None) -> tuple[float, float] | None:
        if value is None or not self.band_pct:
            return None
        return value * (1 - self.band_pct / 100), value * (1 + self.band_pct / 100)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def result_samples(result: dict[str, Any]) -> list[float]:
    samples = result.get("samples_ms") or []
    return [float(s) for s in samples if _number(s) is not None]


def device_latencies(results: list[dict[str, Any]]) -> list[DeviceLatency]:
    """p50/p90 per (device, backend), from the stored statistics, else from the raw samples."""
    rows = []
    for result in results:
        if not isinstance(result, dict):
            continue
        stats = result.get("latency_ms") if isinstance(result.get("latency_ms"), dict) else {}
        samples = result_samples(result)
        p50, p90 = _number(stats.get("p50")), _number(stats.get("p90"))
        if p50 is None and samples:
            p50 = percentile(samples, 50)
        if p90 is None and samples:
            p90 = percentile(samples, 90)
        threads = result.get("threads")
        rows.append(DeviceLatency(
            device=str(result.get("device") or "unknown device"),
            backend=str(result.get("backend") or "?"),
            source=str(result.get("source") or ("measured" if samples else "estimated")),
            p50=p50, p90=p90,
            band_pct=_number(result.get("error_band_pct")),
            threads=threads if isinstance(threads, int) else None,
            samples=len(samples),
        ))
    return rows


@dataclass(frozen=True)
class Verdict:
    name: str
    model: str
    device: str
    metric: str
    actual: float | None
    limit: float | None
    unit: str
    margin: float | None
    margin_pct: float | None
    status: str
    how: str
    message: str
    actual_text: str | None = None  # set when the value is not a number (a precision, a list of ops)
    limit_text: str | None = None


def verdict_list(check: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdict rows of a check document: top-level ``verdicts``, or each check's ``verdicts``."""
    def rows_of(container: dict[str, Any]) -> list[dict[str, Any]]:
        rows = container.get("verdicts")
        return [r for r in rows if isinstance(r, dict) and "status" in r] if isinstance(rows, list) else []

    found = rows_of(check)
    for entry in check.get("checks") or []:
        if isinstance(entry, dict):
            found += [{"check": entry.get("name"), **row} for row in rows_of(entry)]
    return found


def _display(value: Any) -> str | None:
    """Text for a non-numeric measured value or limit (precision lists, flags)."""
    if value is None or _number(value) is not None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def verdicts(check: dict[str, Any]) -> list[Verdict]:
    """Verdict rows normalised; margin computed from actual and limit when the writer left it out."""
    out = []
    for row in verdict_list(check):
        actual, limit = _number(row.get("actual")), _number(row.get("limit"))
        margin = _number(row.get("margin"))
        if margin is None and actual is not None and limit is not None:
            margin = limit - actual
        margin_pct = _number(row.get("margin_pct"))
        if margin_pct is None and margin is not None and limit:
            margin_pct = 100.0 * margin / limit
        out.append(Verdict(
            name=str(row.get("name") or row.get("check") or row.get("metric") or "check"),
            model=str(row.get("model") or ""), device=str(row.get("device") or ""),
            metric=str(row.get("metric") or ""), actual=actual, limit=limit,
            unit=str(row.get("unit") or ""), margin=margin, margin_pct=margin_pct,
            status=str(row.get("status") or "?"), how=str(row.get("how") or ""),
            message=str(row.get("message") or ""),
            actual_text=_display(row.get("actual")),
            limit_text=str(row["limit_text"]) if row.get("limit_text") else _display(row.get("limit")),
        ))
    return out


def latency_budget_ms(rows: list[Verdict], device: str, model: str | None = None) -> float | None:
    """The tightest latency limit (ms) a check set for ``device`` (and ``model`` when given)."""
    limits = []
    for row in rows:
        if row.limit is None or row.device not in (device, "", "*"):
            continue
        if model and row.model and not (row.model.endswith(model) or model.endswith(row.model)):
            continue
        if row.unit == "ms" or "latency" in row.metric.lower():
            limits.append(row.limit)
    return min(limits) if limits else None


def tensor_bytes(tensor: dict[str, Any]) -> float:
    """Bytes of a tensor description with a shape and a dtype (unknown dims count as 1)."""
    shape = tensor.get("shape") or []
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
    explicit = _number(op.get("weight_bytes"))
    if explicit is not None:
        return explicit
    return sum(tensor_bytes(t) for t in op.get("inputs") or []
               if isinstance(t, dict) and (t.get("constant") or t.get("is_constant")))


def op_rows(inspect_doc: dict[str, Any], per_op_ms: dict[int, float] | None = None) -> tuple[list[OpRow], str]:
    """Per-op MACs, params, weight bytes and time share, plus a note saying how the share was obtained.

    With ``per_op_ms`` (op index -> measured ms, e.g. from an adb op profile) the share is measured;
    otherwise it comes from the MACs + bytes cost model (:data:`COST_MODEL_NOTE`).
    """
    rows = []
    for position, op in enumerate(inspect_doc.get("ops") or []):
        if not isinstance(op, dict):
            continue
        tensors = [t for t in (op.get("inputs") or []) + (op.get("outputs") or []) if isinstance(t, dict)]
        index = op.get("index") if isinstance(op.get("index"), int) else position
        rows.append(OpRow(
            index=index, op_type=str(op.get("type") or op.get("op") or "?"),
            macs=_number(op.get("macs")) or 0.0, params=_number(op.get("params")) or 0.0,
            weight_bytes=_op_weight_bytes(op), bytes_touched=sum(tensor_bytes(t) for t in tensors),
        ))
    if per_op_ms:
        total = sum(v for v in per_op_ms.values() if v > 0)
        for row in rows:
            row.measured_ms = per_op_ms.get(row.index)
            row.share = (row.measured_ms or 0.0) / total if total else 0.0
        return rows, "measured share: per-op times from the device's op profile"
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
    items = [(str(k), float(v)) for k, v in weights.items() if _number(v) is not None and v > 0]
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
    plan = inspect_doc.get("memory_plan") if isinstance(inspect_doc.get("memory_plan"), dict) else {}
    values = inspect_doc.get("activation_timeline")
    if not isinstance(values, list):
        values = plan.get("timeline") or plan.get("activation_timeline")
    if not isinstance(values, list):  # one timeline per subgraph, in execution order of the subgraphs
        values = [v for sub in plan.get("subgraphs") or [] if isinstance(sub, dict)
                  for v in sub.get("timeline") or []]
    if not isinstance(values, list) or not values:
        return None
    steps = [int(v) if _number(v) is not None else 0 for v in values]
    peak_step = max(range(len(steps)), key=lambda i: steps[i])
    bound = _number(inspect_doc.get("activation_lower_bound_bytes") or plan.get("lower_bound_bytes"))
    return ActivationTimeline(steps, peak_step, steps[peak_step], int(bound) if bound is not None else None)


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


def variant_label(convert_doc: dict[str, Any]) -> str:
    """'int8', 'float16 + pruned 80%', ... from the manifest's quantize and prune settings."""
    quantize = convert_doc.get("quantize")
    if isinstance(quantize, dict):
        quantize = quantize.get("mode") or quantize.get("precision") or quantize.get("recipe")
    label = str(quantize) if quantize not in (None, "", "none", False) else "float32"
    prune = convert_doc.get("prune")
    if isinstance(prune, dict):
        sparsity = _number(prune.get("sparsity") or prune.get("target_sparsity"))
        if prune.get("enabled", True) and sparsity:
            label += f" + pruned {sparsity * 100:.0f}%"
    elif _number(prune):
        label += f" + pruned {float(prune) * 100:.0f}%"
    return label


def _accuracy(convert_doc: dict[str, Any]) -> tuple[float | None, float | None]:
    validation = convert_doc.get("validation") if isinstance(convert_doc.get("validation"), dict) else {}
    accuracy = validation.get("accuracy")
    if isinstance(accuracy, dict):
        value = next((_number(accuracy.get(k)) for k in ("artifact", "converted", "after", "tflite", "value", "accuracy")
                      if _number(accuracy.get(k)) is not None), None)
        return value, _number(accuracy.get("drop"))
    return _number(accuracy), None


def variants(convert_docs: list[dict[str, Any]], profile_docs: list[dict[str, Any]]) -> list[Variant]:
    """Conversion outputs with their size, accuracy and, when a profile of the same file exists, latency.

    A profile matches a variant by the output's sha256 (else by file name); its first measured
    result is preferred over an estimate.
    """
    out = []
    for doc in convert_docs:
        output = doc.get("output") if isinstance(doc.get("output"), dict) else {}
        sha, name = output.get("sha256"), str(output.get("path") or "").rsplit("/", 1)[-1]
        latency, source = None, ""
        for profile in profile_docs:
            model = profile.get("model") if isinstance(profile.get("model"), dict) else {}
            same = (sha and model.get("sha256") == sha) or (name and str(model.get("path", "")).endswith(name))
            if not same:
                continue
            rows = sorted(device_latencies(profile.get("results") or []), key=lambda r: r.source != "measured")
            if rows and rows[0].p50 is not None:
                latency, source = rows[0].p50, f"{rows[0].source} p50 on {rows[0].device}"
                break
        accuracy, drop = _accuracy(doc)
        out.append(Variant(variant_label(doc), _number(output.get("size_bytes")),
                           _number(output.get("gzip_size_bytes")), latency, source, accuracy, drop, sha))
    return out
