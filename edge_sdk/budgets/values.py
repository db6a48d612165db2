"""Every number a check can compare for one model: static facts, accuracy and per-device results.

Each value comes with a sentence saying how it was obtained and, for estimates, the error band, so
the verdict, the report and the baseline all carry the same provenance.
"""

from __future__ import annotations

from typing import Any

from edge_sdk.budgets.config import CheckSpec
from edge_sdk.budgets.describe import device_how, estimate_band, static_how
from edge_sdk.budgets.measure import DEVICE_METRICS, Measurer

# (device or None, metric) -> (value, how, error band % of an estimate or None)
Values = dict[tuple[str | None, str], tuple[Any, str, float | None]]


def collect_values(spec: CheckSpec, model: Any, profiles: dict[str, Any], measurer: Measurer,
                   facts: dict[str, Any]) -> Values:
    values: Values = {}
    for metric in ("size", "params", "macs"):
        values[(None, metric)] = (facts.get(metric), static_how(metric), None)
    if "gzip_size" in spec.limits or "gzip_size" in spec.max_regression:
        values[(None, "gzip_size")] = (measurer.gzip_size(model.path, model.sha256), static_how("gzip_size"), None)
    values[(None, "accuracy_drop")] = (*measurer.accuracy_drop(model.path, model.sha256), None)
    if not profiles:
        values[(None, "arena")] = (facts.get("arena"), static_how("arena"), None)
        return values
    results = measurer.device_results(model.path, model.sha256, list(profiles.values()), spec.threads)
    for device_id, profile in profiles.items():
        result = results.get(device_id)
        name = getattr(profile, "name", device_id)
        for metric in DEVICE_METRICS:
            if result is None:
                values[(device_id, metric)] = (None, f"the profiler returned no result for {device_id}", None)
                continue
            value, derived = device_value(result, metric)
            band = estimate_band(result, metric)
            how = device_how(result, name, metric) + derived if value is not None else _why_missing(result, name, metric)
            values[(device_id, metric)] = (value, how, band)
    return values


def _why_missing(result: dict[str, Any], name: str, metric: str) -> str:
    """Why a per-device number is absent, in the profiler's own words when it left a note."""
    topic = {"energy": "energy", "peak_memory": "memory", "arena": "arena"}.get(metric, "latency")
    notes = [n for n in result.get("notes") or [] if topic in str(n).lower()]
    reason = f": {notes[0]}" if notes else ""
    return f"no {metric} for {name} in the {result.get('source') or 'profile'} result{reason}"


def device_value(result: dict[str, Any], metric: str) -> tuple[float | None, str]:
    """The value of ``metric`` in a ProfileResult, and what was derived to get it (for the how column).

    Estimators predict the median. An estimated p90/p99 is the estimated median times the tail ratio
    measured on this host in the same run; with no host run (estimate-only) it is the median itself,
    and the how column says so.
    """
    if metric.startswith("latency_"):
        latency = result.get("latency_ms") or {}
        quantile = metric.split("_", 1)[1]
        value = latency.get(quantile)
        if value is not None or quantile == "p50" or latency.get("p50") is None:
            return value, ""
        if result.get("source") == "measured":
            # benchmark_model prints no samples, only p95 and max: upper bounds of p90 and p99
            bound_key = "p95" if quantile == "p90" else "max"
            bound = latency.get(bound_key)
            if bound is None:
                return None, ""
            return bound, f"; {bound_key} {bound:.3g} ms used as an upper bound of {quantile} (no raw samples)"
        ratio = (result.get("host_tail_ratio") or {}).get(quantile)
        if ratio:
            return latency["p50"] * ratio, f"; {quantile} = estimated p50 x {ratio:.3f} ({quantile}/p50 measured on this host)"
        return latency["p50"], f"; {quantile} = estimated p50 (estimate-only: no run to measure the tail)"
    if metric == "peak_memory":
        return (result.get("memory") or {}).get("peak_bytes"), ""
    if metric == "arena":
        return (result.get("memory") or {}).get("arena_bytes"), ""
    if metric == "energy":
        return result.get("energy_mj"), ""
    return None, ""
