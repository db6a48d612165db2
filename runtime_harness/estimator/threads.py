"""How well a device's cores scale with threads, fitted from its own 1-thread vs n-thread points.

The per-op-class serial shares in ``latency.py`` are one set for a whole core family, but a phone
SoC (private L2, shared L3 and system cache) and a Raspberry Pi (one 1 MB L2 for four cores, slow
LPDDR, passive cooling) scale very differently on the same cores: MobileNet v2 runs 2.8x faster on
4 threads of a Pixel 4 and about 1.9x on a Pi 4. So each extra thread gets a log-factor ``t``:

    latency(n) = latency from the model x exp(t x (n - 1))

``t`` is estimated per device from its residuals at n threads against its 1-thread residuals, and
shrunk toward the mean of its device kind (phone, board): a phone nobody measured with threads
gets the phones' scaling, not the boards'.
"""

from __future__ import annotations

from collections import defaultdict

SHRINK = 1.0  # pseudo-points pulling a device's factor toward its kind's, and a kind's toward 0


def fit_thread_scaling(rows: list[tuple[str, str, int, float]]) -> dict[str, float]:
    """``rows`` = (device id, kind, threads, log residual). Returns log factor per extra thread,
    keyed by device id and by ``kind:<kind>``."""
    single: dict[str, list[float]] = defaultdict(list)
    for device, _kind, threads, r in rows:
        if threads == 1:
            single[device].append(r)
    per_point: dict[str, list[float]] = defaultdict(list)
    kind_of: dict[str, str] = {}
    for device, kind, threads, r in rows:
        if threads > 1 and single.get(device):
            base = sum(single[device]) / len(single[device])
            per_point[device].append((r - base) / (threads - 1))
            kind_of[device] = kind
    by_kind: dict[str, list[float]] = defaultdict(list)
    for device, values in per_point.items():
        by_kind[kind_of[device]].extend(values)
    out = {f"kind:{kind}": sum(v) / (len(v) + SHRINK) for kind, v in by_kind.items()}
    for device, values in per_point.items():
        parent = out[f"kind:{kind_of[device]}"]
        out[device] = parent + sum(v - parent for v in values) / (len(values) + SHRINK)
    return out


def thread_factor_log(thread_log: dict[str, float], device: str, kind: str, threads: int) -> float:
    """The log correction for ``threads`` on ``device`` (its own fit, else its kind's, else none)."""
    if threads <= 1:
        return 0.0
    t = thread_log.get(device, thread_log.get(f"kind:{kind}", 0.0))
    return t * (threads - 1)
