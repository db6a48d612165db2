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
    warmup_s: float = 0.1
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
    warmup_count = min(policy.max_warmup_runs, max(1, math.ceil(policy.warmup_s * 1000 / max(first_ms, 1e-3))))
    if policy.runs is not None:
        warmup_count = min(warmup_count, max(1, policy.runs // 5))
    warmup_ms = [_timed(invoke) / NS_PER_MS for _ in range(warmup_count)]

    samples_ns: list[int] = []
    append = samples_ns.append
    started = time.perf_counter()
    next_check = policy.min_runs
    last_report = started
    rel_ci = math.inf
    stop_reason = "time_limit"
    while True:
        start = time.perf_counter_ns()
        invoke()
        append(time.perf_counter_ns() - start)
        count = len(samples_ns)
        if policy.runs is not None:
            if count >= policy.runs:
                stop_reason = "runs"
                break
            if count < next_check:
                continue
        elif count < next_check:
            continue
        next_check = count + max(1, count // 4)
        now = time.perf_counter()
        elapsed = now - started
        rel_ci = relative_ci_halfwidth(sorted(samples_ns), policy.confidence)
        if progress is not None and now - last_report >= 0.5:
            progress(count, elapsed, rel_ci)
            last_report = now
        if policy.runs is not None:
            continue
        if policy.min_time_s is not None:
            if elapsed >= policy.min_time_s:
                stop_reason = "min_time"
                break
        elif rel_ci <= policy.target_rel_ci:
            stop_reason = "converged"
            break
        elif elapsed >= policy.time_limit_s:
            stop_reason = "time_limit"
            break
        if count >= policy.max_runs:
            stop_reason = "run_limit"
            break
        # when the remaining time is short, check more often so the limit is not overshot much
        per_run = elapsed / count
        limit = policy.min_time_s if policy.min_time_s is not None else policy.time_limit_s
        remaining_runs = max(1, int((limit - elapsed) / max(per_run, 1e-9)))
        next_check = min(next_check, count + remaining_runs)
    elapsed = time.perf_counter() - started
    samples_ms = [s / NS_PER_MS for s in samples_ns]
    if len(samples_ns) >= 2:
        rel_ci = relative_ci_halfwidth(sorted(samples_ns), policy.confidence)
    return TimingResult(first_ms, warmup_ms, samples_ms, stop_reason, elapsed, rel_ci)
