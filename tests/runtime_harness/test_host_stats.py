"""Statistics of latency samples: percentiles agree with numpy, the median CI is honest."""

from __future__ import annotations

import random

import numpy as np
import pytest

from runtime_harness.stats import coefficient_of_variation, median_ci, percentile, relative_ci_halfwidth, summarize


def test_percentiles_match_numpy_linear_interpolation():
    rng = random.Random(1)
    values = sorted(rng.lognormvariate(1.0, 0.3) for _ in range(101))
    for q in (0, 10, 50, 90, 99, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_median_ci_covers_the_true_median_about_95_percent_of_the_time():
    # skewed samples with a known median (lognormal: exp(mu)); the CI is distribution-free
    rng = random.Random(7)
    true_median = np.exp(1.0)
    covered = 0
    trials = 400
    for _ in range(trials):
        sample = sorted(rng.lognormvariate(1.0, 0.5) for _ in range(60))
        low, high = median_ci(sample, 0.95)
        covered += low <= true_median <= high
    assert 0.92 <= covered / trials <= 0.995


def test_ci_narrows_with_more_samples_and_is_the_full_range_for_tiny_samples():
    rng = random.Random(3)
    small = sorted(rng.gauss(10, 1) for _ in range(30))
    large = sorted(rng.gauss(10, 1) for _ in range(3000))
    assert relative_ci_halfwidth(large) < relative_ci_halfwidth(small) / 5
    assert median_ci([1.0, 2.0, 3.0], 0.95) == (1.0, 3.0)  # too few samples: the honest answer is everything


def test_summary_fields_and_values():
    summary = summarize([4.0, 1.0, 3.0, 2.0, 5.0])
    assert summary["p50"] == 3.0 and summary["min"] == 1.0 and summary["max"] == 5.0
    assert summary["mean"] == 3.0 and summary["std"] == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1))
    assert summary["count"] == 5 and summary["p50_ci_low"] <= 3.0 <= summary["p50_ci_high"]
    with pytest.raises(ValueError):
        summarize([])


def test_coefficient_of_variation():
    assert coefficient_of_variation([10.0]) == 0.0
    assert coefficient_of_variation([9.0, 10.0, 11.0]) == pytest.approx(0.1)
