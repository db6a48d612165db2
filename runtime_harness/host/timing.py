"""The adaptive timing loop: first inference, warmup, then timed invokes until the median is known.

Why adaptive: a fixed run count is either wasteful (a 1 ms model known to 0.5% after 200 runs
gets 1,000) or too small (a noisy 300 ms model). The loop stops as soon as the distribution-free
95% confidence interval of the median (``runtime_harness.stats.median_ci``) is narrower than
``target_rel_ci`` of the median (+-1% by default), or at the time limit, whichever comes first.

The timed region is exactly one ``invoke()`` between two ``perf_counter_ns`` reads; statistics
are recomputed outside it, on a geometric schedule (every ~25% more samples), so the harness
adds nothing measurable to what it times (see bench/bench_profile.py for the ratio).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from runtime_harness.stats import relative_ci_halfwidth

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class TimingPolicy:
    """When to stop timing. ``runs`` fixes the count; ``min_time_s`` fixes the duration; else adaptive."""

    runs: int | None = None
    min_time_s: float | None = None
    time_limit_s: float = 5.0
    target_rel_ci: float = 0.01
    confidence: float = 0.95
    min_runs: int = 20
    max_runs: int = 100_000
    warmup_s: float = 0.05
    max_warmup_runs: int = 20

    def describe(self) -> str:
        if self.runs is not None:
            return f"{self.runs} timed runs"
        if self.min_time_s is not None:
            return f"timed runs for {self.min_time_s:g} s"
        return (f"until the median's {self.confidence:.0%} CI is within +-{self.target_rel_ci:.1%} "
                f"(at least {self.min_runs} runs, at most {self.time_limit_s:g} s)")


@dataclass
class TimingResult:
    first_ms: float
    warmup_ms: list[float]
    samples_ms: list[float]
    stop_reason: str  # converged | runs | min_time | time_limit | run_limit
    elapsed_s: float
    achieved_rel_ci: float
    extras: dict[str, float] = field(default_factory=dict)


def _timed(invoke: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    invoke()
    return time.perf_counter_ns() - start


def time_invokes(invoke: Callable[[], object], policy: TimingPolicy,
                 progress: Callable[[int, float, float], None] | None = None) -> TimingResult:
    """Run the first inference, warmup and the timed loop; ``progress(runs, elapsed_s, rel_ci)``."""
    first_ms = _timed(invoke) / NS_PER_MS
    # warmup: ~warmup_s of runs (at least 2 when any warmup is asked for) after the first inference
    wanted = math.ceil(policy.warmup_s * 1000 / max(first_ms, 1e-3)) if policy.warmup_s > 0 else 1
    warmup_count = min(policy.max_warmup_runs, max(2 if policy.warmup_s > 0 else 1, wanted))
    if policy.runs is not None:
        warmup_count = min(warmup_count, max(1, policy.runs // 5))
    warmup_ms = [_timed(invoke) / NS_PER_MS for _ in range(warmup_count)]

    samples_ns: list[int] = []
    append = samples_ns.append
    started = time.perf_counter_ns()
    limit_ns = int((policy.min_time_s if policy.min_time_s is not None else policy.time_limit_s) * 1e9)
    next_check, last_report = policy.min_runs, started
    rel_ci = math.inf
    while True:
        start = time.perf_counter_ns()
        invoke()
        end = time.perf_counter_ns()
        append(end - start)
        count = len(samples_ns)
        if policy.runs is not None:
            if count >= policy.runs:
                stop_reason = "runs"
                break
        elif end - started >= limit_ns and count >= 3:  # cheap, every run: a slow model stops on time
            stop_reason = "min_time" if policy.min_time_s is not None else "time_limit"
            break
        if count >= policy.max_runs:
            stop_reason = "run_limit"
            break
        report_due = progress is not None and end - last_report >= 500_000_000
        if count < next_check and not report_due:
            continue
        # statistics outside the timed region, on a geometric schedule (every ~25% more samples)
        rel_ci = relative_ci_halfwidth(sorted(samples_ns), policy.confidence)
        if report_due and progress is not None:
            progress(count, (end - started) / 1e9, rel_ci)
            last_report = end
        if count >= next_check:
            next_check = count + max(1, count // 4)
            if policy.runs is None and policy.min_time_s is None and rel_ci <= policy.target_rel_ci:
                stop_reason = "converged"
                break
    elapsed = (time.perf_counter_ns() - started) / 1e9
    samples_ms = [s / NS_PER_MS for s in samples_ns]
    # below 6 samples no order-statistic interval reaches 95%: the median's precision is unknown
    rel_ci = relative_ci_halfwidth(sorted(samples_ns), policy.confidence) if len(samples_ns) >= 6 else math.inf
    return TimingResult(first_ms, warmup_ms, samples_ms, stop_reason, elapsed, rel_ci)
