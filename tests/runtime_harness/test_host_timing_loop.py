"""The adaptive timing loop's stopping rules, driven by plain Python callables of known duration.

The callables are the loop's input, not a stand-in for a runtime: the loop only sees a function
to time. Real interpreters are timed in test_host_measurement.py.
"""

from __future__ import annotations

import time

from runtime_harness.host.timing import TimingPolicy, time_invokes


def busy(seconds: float):
    def invoke() -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    return invoke


def test_a_steady_invoke_converges_early_with_the_minimum_runs():
    result = time_invokes(busy(0.0005), TimingPolicy(target_rel_ci=0.05))
    assert result.stop_reason == "converged" and result.achieved_rel_ci <= 0.05
    assert 20 <= len(result.samples_ms) < 2000 and result.warmup_ms


def test_a_slow_invoke_stops_at_the_time_limit_even_before_the_minimum_runs():
    started = time.monotonic()
    result = time_invokes(busy(0.05), TimingPolicy(time_limit_s=0.3, warmup_s=0.0))
    assert result.stop_reason == "time_limit"
    assert 3 <= len(result.samples_ms) < 20 and time.monotonic() - started < 1.0


def test_fixed_runs_and_progress_reports():
    seen = []
    result = time_invokes(busy(0.002), TimingPolicy(runs=400), progress=lambda n, t, ci: seen.append((n, t)))
    assert len(result.samples_ms) == 400 and result.stop_reason == "runs"
    assert seen and all(0 < n < 400 for n, _ in seen)  # about every 0.5 s of a ~0.8 s run


def test_samples_are_the_invoke_time_in_milliseconds():
    result = time_invokes(busy(0.003), TimingPolicy(runs=30))
    assert all(2.9 <= s < 30 for s in result.samples_ms) and result.first_ms >= 2.9


def test_too_few_samples_claim_no_precision():
    result = time_invokes(busy(0.001), TimingPolicy(runs=3))
    assert len(result.samples_ms) == 3 and result.achieved_rel_ci == float("inf")
