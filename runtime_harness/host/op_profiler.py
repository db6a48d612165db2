"""Parent side of per-op timing: run :mod:`runtime_harness.host.op_timing` in isolated children and
survive the ops that crash or hang when run alone.

A kernel that is fine inside its model can abort on its own (a custom op's options, a state it
expects). The child reports each op as it starts and each row as it is measured; when it dies,
the op it had started is recorded as "crashed the runtime when run alone" (or "hung") and a new
child carries on after it. So one bad op costs a note, never the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edge_sdk.core.child import ChildCrashed, ChildTimedOut, run_child
from runtime_harness.host.op_timing import subtract_floor

MAX_RESTARTS = 5


@dataclass
class OpProfileRequest:
    """What to time: the model, its subgraph-0 ops (``{index, position, type}``), and the run settings
    of the whole-model measurement (same runtime, threads and inputs)."""

    model: str
    ops: list[dict[str, Any]]
    runtime: str = "litert"
    threads: int | None = None
    input_data: str | None = None
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    timeout_s: float = 300.0


def profile_ops(request: OpProfileRequest) -> dict[str, Any]:
    """``{"ops": [rows in op order], "invoke_floor_ms": float}``; rows as :func:`op_timing.time_one`."""
    rows: dict[int, dict[str, Any]] = {}
    floor: float | None = None
    for _ in range(MAX_RESTARTS + 1):
        started: list[int] = []

        def progress(update: Any, started: list[int] = started) -> None:
            if isinstance(update, dict) and isinstance(update.get("started"), int):
                started.append(update["started"])
            elif isinstance(update, dict) and isinstance(update.get("row"), dict):
                rows[update["row"]["index"]] = update["row"]

        payload = {"model": request.model, "ops": request.ops, "runtime": request.runtime,
                   "threads": request.threads, "input_data": request.input_data,
                   "input_shapes": request.input_shapes, "skip": sorted(rows)}
        try:
            answer = run_child("runtime_harness.host.op_timing", payload, timeout_s=request.timeout_s,
                               what="the per-op timing child", path=request.model, progress=progress)
            floor = float(answer["invoke_floor_ms"])
            break
        except (ChildCrashed, ChildTimedOut) as failure:
            culprit = next((i for i in reversed(started) if i not in rows), None)
            if culprit is None:
                raise  # it died outside any op: the runtime itself is broken here
            kind = failure.signal_name if isinstance(failure, ChildCrashed) else "a hang"
            op_type = next(op["type"] for op in request.ops if op["index"] == culprit)
            rows[culprit] = {"index": culprit, "type": op_type, "ms": None,
                             "note": f"{op_type} crashed the runtime when run alone ({kind}): not timed"}
    ordered = [rows.get(op["index"]) or {"index": op["index"], "type": op["type"], "ms": None,
                                         "note": "not reached: too many ops crashed when run alone"}
               for op in request.ops]
    return {"ops": ordered, "invoke_floor_ms": subtract_floor(ordered, floor if floor is not None else 0.0)}
