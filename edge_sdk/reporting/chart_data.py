"""The numbers the latency and verdict charts are drawn from: pure functions of the documents.

Kept apart from the SVG drawing so they can be unit-tested exactly (a chart that looks right but
plots the wrong p90 is worse than no chart). The documents arrive validated against their types
(:mod:`edge_sdk.core.documents`, at the load boundary), so required fields are read directly and
only the optional ones get a default; numbers still pass through :func:`number`, which drops
NaN and infinity (valid in Python's JSON, never drawable).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from edge_sdk.core.documents import CheckDocument, LatencyMs, ProfileResult, VerdictRow
from runtime_harness.stats import percentile as sorted_percentile


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of unsorted samples: :func:`runtime_harness.stats.percentile`, the one
    definition (linear interpolation, numpy's default) shared with the measurement itself."""
    return sorted_percentile(sorted(samples), q)


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
        bins = math.ceil((high - low) / width) if width > 0 else 10
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
    samples: int  # raw samples kept in the document
    runs: int | None = None  # timed runs behind the statistics (samples, or the count a tool reported)
    p50_range: tuple[float, float] | None = None  # the estimator's own (low, high) for p50, if stated

    def band(self, value: float | None) -> tuple[float, float] | None:
        """The error band around ``value``: the estimator's stated low/high for its p50 (which
        may be asymmetric, e.g. p50 / 1.2 .. p50 x 1.2), else +-band_pct."""
        if value is None or not self.band_pct:
            return None
        if self.p50_range and value == self.p50:
            return self.p50_range
        return value * (1 - self.band_pct / 100), value * (1 + self.band_pct / 100)


def listed(container: Any, key: str) -> list[Any]:
    """``container[key]`` when the container is a dict and that value is a list, else []: a damaged
    document (a string where a list belongs) degrades to "nothing there", never to an exception."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def mapped(container: Any, key: str) -> dict[str, Any]:
    """``container[key]`` when it is a dict, else {} (see :func:`listed`)."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, dict) else {}


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def result_samples(result: ProfileResult) -> list[float]:
    """The raw samples of a result; non-finite values (a damaged writer's NaN) are dropped."""
    return [float(s) for s in result.get("samples_ms", []) if number(s) is not None]


def _range(stats: LatencyMs) -> tuple[float, float] | None:
    low, high = number(stats.get("low")), number(stats.get("high"))
    return (low, high) if low is not None and high is not None and low <= high else None


def _runs_reported(result: ProfileResult) -> int | None:
    """How many runs a tool that keeps no raw samples (benchmark_model) says it timed."""
    for value in (result.get("runs"), result.get("provenance", {}).get("runs")):
        count = number(value)
        if count is not None and count > 0:
            return int(count)
    return None


def device_latencies(results: Sequence[ProfileResult]) -> list[DeviceLatency]:
    """p50/p90 per (device, backend), from the stored statistics, else from the raw samples.

    The results were validated at the load boundary (:func:`edge_sdk.core.documents.check_document`):
    only the optional fields need a default here.
    """
    rows = []
    for result in results:
        stats = result.get("latency_ms")
        samples = result_samples(result)
        p50 = number(stats["p50"]) if stats else None
        p90 = number(stats.get("p90")) if stats else None
        if p50 is None and samples:
            p50 = percentile(samples, 50)
        if p90 is None and samples:
            p90 = percentile(samples, 90)
        rows.append(DeviceLatency(
            device=result["device"], backend=result["backend"], source=result["source"],
            p50=p50, p90=p90, band_pct=number(result.get("error_band_pct")), threads=result.get("threads"),
            samples=len(samples), runs=len(samples) or _runs_reported(result),
            p50_range=_range(stats) if stats else None,
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
    before: float | None = None  # the baseline's value, when the check compared against one


def verdict_list(check: CheckDocument) -> list[VerdictRow]:
    """The verdict rows of a check document: top-level ``verdicts``, and each check's, named by its check."""
    found = list(check.get("verdicts", []))
    for entry in check.get("checks", []):
        found += [cast(VerdictRow, {"check": entry["name"], **row}) for row in entry["verdicts"]]
    return found


def _display(value: Any) -> str | None:
    """Text for a non-numeric measured value or limit (precision lists, flags)."""
    if value is None or number(value) is not None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def verdicts(check: CheckDocument) -> list[Verdict]:
    """Verdict rows normalised; margin computed from actual and limit when the writer left it out."""
    out = []
    for row in verdict_list(check):
        actual, limit = number(row.get("actual")), number(row.get("limit"))
        margin = number(row.get("margin"))
        if margin is None and actual is not None and limit is not None:
            margin = limit - actual
        margin_pct = number(row.get("margin_pct"))
        if margin_pct is None and margin is not None and limit:
            margin_pct = 100.0 * margin / limit
        out.append(Verdict(
            name=row.get("name") or row.get("check") or row["metric"],
            model=row.get("model", ""), device=row.get("device") or "", metric=row["metric"],
            actual=actual, limit=limit, unit=row.get("unit", ""), margin=margin, margin_pct=margin_pct,
            status=row["status"], how=row.get("how", ""), message=row.get("message") or "",
            actual_text=_display(row.get("actual")),
            limit_text=row.get("limit_text") or _display(row.get("limit")),
            before=number(row.get("before")),
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
