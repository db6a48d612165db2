"""Statistics of latency samples: percentiles, a distribution-free CI of the median, a summary.

Latency samples are skewed (a floor set by the hardware, a long tail from preemption and cache
misses), so nothing here assumes a normal distribution. The median's confidence interval uses
order statistics: with ``n`` samples, the interval between the ``l``-th and ``u``-th smallest
values covers the true median with probability given by the Binomial(n, 1/2) law, whatever the
distribution. That is what lets the adaptive timing loop stop as soon as the median is known,
and it is cheap enough (a sort) to recompute every few samples.

Pure Python + stdlib on purpose: the child process imports this before the interpreter, and the
adb backend can reuse it on samples parsed from a phone.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

#: two-sided normal quantiles for the confidence levels we state
_Z = {0.90: 1.6449, 0.95: 1.9600, 0.99: 2.5758}


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of already sorted values, linear interpolation (numpy's default)."""
    if not sorted_values:
        raise ValueError("percentile of no samples")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} outside 0..100")
    position = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def median_ci(sorted_values: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median from order statistics.

    Uses the normal approximation of the Binomial(n, 1/2) ranks, widened to whole ranks so the
    coverage is at least ``confidence``. With fewer than 6 samples no such interval exists at
    95%; the full range is returned (honestly wide).
    """
    n = len(sorted_values)
    if n == 0:
        raise ValueError("confidence interval of no samples")
    z = _Z.get(round(confidence, 2))
    if z is None:
        raise ValueError(f"confidence {confidence} not one of {sorted(_Z)}")
    half = z * math.sqrt(n) / 2.0
    lower_rank = max(1, math.floor(n / 2.0 - half))          # 1-based ranks
    upper_rank = min(n, math.ceil(n / 2.0 + half) + 1)
    return float(sorted_values[lower_rank - 1]), float(sorted_values[upper_rank - 1])


def relative_ci_halfwidth(sorted_values: Sequence[float], confidence: float = 0.95) -> float:
    """Half the width of the median's CI as a fraction of the median (0.01 = median known to +-1%)."""
    low, high = median_ci(sorted_values, confidence)
    middle = statistics.median(sorted_values)
    if middle <= 0:
        return math.inf
    return (high - low) / 2.0 / middle


def summarize(samples_ms: Sequence[float], confidence: float = 0.95) -> dict[str, float | int]:
    """p50/p90/p99/mean/std/min/max of raw samples (ms), plus the median's CI and the sample count."""
    if not samples_ms:
        raise ValueError("no samples to summarize")
    ordered = sorted(float(v) for v in samples_ms)
    low, high = median_ci(ordered, confidence)
    return {
        "p50": percentile(ordered, 50),
        "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99),
        "mean": statistics.fmean(ordered),
        "std": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        "min": ordered[0],
        "max": ordered[-1],
        "count": len(ordered),
        "p50_ci_low": low,
        "p50_ci_high": high,
        "ci_confidence": confidence,
    }


def coefficient_of_variation(values: Sequence[float]) -> float:
    """std / mean of a set of values (e.g. p50s of repeated runs); 0 for a single value."""
    if len(values) < 2:
        return 0.0
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean else math.inf
