"""The numbers the sweep section shows, from a ``sweep`` document (pure functions, no HTML).

Per device, every artifact that has a result is a point: size, latency p50, accuracy drop. A point
is on the Pareto front when no other artifact on that device is at least as good on all three
(smaller, faster, less accuracy lost) and better on one: those are the only candidates worth
shipping; everything else is beaten by one of them. An accuracy drop nobody measured counts as
unknown (worst) when other artifacts on the device have one, and is ignored when none has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SweepPoint:
    model: str
    recipe: str
    device: str
    status: str
    size_bytes: float
    latency_ms: float
    accuracy_drop: float | None
    source: str | None          # measured | estimated
    on_front: bool = False

    @property
    def label(self) -> str:
        return f"{self.model.rsplit('/', 1)[-1]} [{self.recipe}]"


def _objectives(point: SweepPoint, use_accuracy: bool) -> tuple[float, ...]:
    drop = point.accuracy_drop if point.accuracy_drop is not None else float("inf")
    return (point.size_bytes, point.latency_ms, drop) if use_accuracy else (point.size_bytes, point.latency_ms)


def pareto_front(points: list[SweepPoint]) -> list[SweepPoint]:
    """``points`` with ``on_front`` set (same order)."""
    use_accuracy = any(p.accuracy_drop is not None for p in points)
    values = [_objectives(p, use_accuracy) for p in points]

    def dominated(i: int) -> bool:
        return any(all(a <= b for a, b in zip(values[j], values[i], strict=True)) and values[j] != values[i]
                   for j in range(len(points)) if j != i)

    return [SweepPoint(**{**p.__dict__, "on_front": not dominated(i)}) for i, p in enumerate(points)]


def points_by_device(document: dict[str, Any]) -> dict[str, list[SweepPoint]]:
    """Device -> its points (cells with a size and a latency), Pareto front marked, in matrix order."""
    out: dict[str, list[SweepPoint]] = {}
    for cell in document.get("cells") or []:
        metrics = cell.get("metrics") or {}
        size, latency = metrics.get("size_bytes"), metrics.get("latency_p50_ms")
        if not isinstance(size, int | float) or not isinstance(latency, int | float):
            continue
        drop = metrics.get("accuracy_drop")
        out.setdefault(str(cell.get("device")), []).append(SweepPoint(
            str(cell.get("model")), str(cell.get("recipe")), str(cell.get("device")), str(cell.get("status")),
            float(size), float(latency), float(drop) if isinstance(drop, int | float) else None,
            metrics.get("latency_source")))
    return {device: pareto_front(points) for device, points in out.items()}


def budget_lines(document: dict[str, Any], device: str) -> dict[str, float]:
    """The budget's limits on ``device`` for the charted metrics (latency in ms, size in bytes)."""
    limits = ((document.get("budget") or {}).get("limits") or {}).get(device) or {}
    latency = limits.get("latency_p50")
    return {k: float(v) for k, v in (("size", limits.get("size")), ("latency_p50", latency),
                                      ("accuracy_drop", limits.get("accuracy_drop"))) if isinstance(v, int | float)}
