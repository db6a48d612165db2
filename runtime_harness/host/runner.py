"""Child-process entry of a host measurement (an :mod:`edge_sdk.core.child` child; request = config).

Everything that can crash (the interpreter's C++ code) runs here, never in the CLI's process.
The child applies the emulated constraints to itself before loading the model (CPU affinity,
a memory cap, the thread count, the runtime), builds the inputs, loads and times the model, and
answers with one result dict (written atomically: the parent finds a complete result or none).
Progress goes through :func:`edge_sdk.core.child.report_progress` (its own pipe), so interpreter
logs on stdout/stderr can never corrupt the result.

Memory cap: ``RLIMIT_DATA`` (private writable memory: heap, arena, thread stacks; not the
read-only mmap of the model file) is set to what the process already uses after importing the
runtime plus the cap, so the cap is what the *model* (weights copied to the heap, arena,
interpreter state, delegate thread pool) may use, as an app's budget is. A failed allocation is reported as ``kind: memory``.

Fault injection for tests only: ``EDGE_SDK_HARNESS_FAULT=segv|abort|hang`` makes the child
misbehave right after loading the model, standing in for an interpreter that crashes or hangs
inside ``invoke()``.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from typing import Any

from runtime_harness.host.inputs import InputProblem, plan_inputs
from runtime_harness.host.runtimes import (
    LoadProblem,
    classify_load_error,
    import_runtime,
    load_interpreter,
    runtime_version,
)
from runtime_harness.host.timing import TimingPolicy, time_invokes

FAULT_ENV = "EDGE_SDK_HARNESS_FAULT"


def _status_bytes(field: str) -> int | None:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM, VmData) in bytes, None if unreadable."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _start_peak_window() -> int:
    """Reset the RSS high-water mark and return the RSS now (the baseline before the model).

    Importing the runtime peaks above its steady state; without the reset (``5`` to
    ``/proc/self/clear_refs``) a small model's memory would hide under that import peak.
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass
    return _status_bytes("VmRSS") or _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    peak = _status_bytes("VmHWM")
    if peak is not None:
        return peak
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux reports KiB


def _vm_data_bytes() -> int:
    return _status_bytes("VmData") or 0


def _apply_constraints(config: dict[str, Any]) -> dict[str, Any]:
    """Pin CPUs and cap memory; returns what was actually applied (for provenance)."""
    applied: dict[str, Any] = {}
    cpus = config.get("cpus")
    if cpus:
        os.sched_setaffinity(0, set(cpus))
    applied["affinity"] = sorted(os.sched_getaffinity(0))
    cap = config.get("memory_cap_bytes")
    if cap:
        base = _vm_data_bytes()
        limit = base + int(cap)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        applied["memory_cap_bytes"] = int(cap)
        applied["rlimit_data_bytes"] = limit
    return applied


def _inject_fault() -> None:
    fault = os.environ.get(FAULT_ENV)
    if fault == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "abort":
        os.abort()
    elif fault == "hang":
        while True:
            time.sleep(1)


def _progress_writer():
    from edge_sdk.core.child import report_progress

    def report(runs: int, elapsed: float, rel_ci: float) -> None:
        report_progress({"runs": runs, "elapsed_s": round(elapsed, 3),
                         "rel_ci": rel_ci if rel_ci != float("inf") else None})
    return report


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """Load, feed and time the model as ``config`` says; returns the JSON-ready result."""
    runtime, model, threads = config["runtime"], config["model"], config.get("threads")
    module = import_runtime(runtime)  # before the cap: the runtime's own code is not the model's memory
    applied = _apply_constraints(config)
    baseline_rss = _start_peak_window()
    started = time.perf_counter()
    interpreter = load_interpreter(module, runtime, model, threads)
    details = interpreter.get_input_details()
    plans, notes = plan_inputs(details, config.get("input_shapes") or {}, config.get("input_data"))
    try:
        for plan, detail in zip(plans, details):
            if tuple(plan.shape) != tuple(int(d) for d in detail["shape"]):
                interpreter.resize_tensor_input(plan.index, list(plan.shape), strict=False)
        interpreter.allocate_tensors()
        for plan in plans:
            interpreter.set_tensor(plan.index, plan.data)
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise classify_load_error(runtime, model, exc) from None
    init_ms = (time.perf_counter() - started) * 1000.0
    _inject_fault()
    policy = TimingPolicy(**config.get("policy", {}))
    try:
        timing = time_invokes(interpreter.invoke, policy, _progress_writer())
    except (RuntimeError, MemoryError) as exc:
        raise classify_load_error(runtime, model, exc) from None
    return {
        "status": "ok",
        "runtime": {"name": runtime, "version": runtime_version(runtime)},
        "threads": threads,
        **applied,
        "init_ms": init_ms,
        "first_inference_ms": timing.first_ms,
        "warmup_ms": timing.warmup_ms,
        "samples_ms": timing.samples_ms,
        "stop_reason": timing.stop_reason,
        "timed_s": timing.elapsed_s,
        "policy": policy.describe(),
        "achieved_rel_ci": timing.achieved_rel_ci if timing.achieved_rel_ci != float("inf") else None,
        "confidence": policy.confidence,
        "baseline_rss_bytes": baseline_rss,
        "peak_rss_bytes": _peak_rss_bytes(),
        "inputs": [{"name": p.name, "shape": list(p.shape), "dtype": str(p.data.dtype), "origin": p.origin}
                   for p in plans],
        "notes": notes,
    }


def handle(config: dict[str, Any]) -> dict[str, Any]:
    """The :mod:`edge_sdk.core.child` entry: a result dict, ``status`` "ok" or "error" with a ``kind``."""
    try:
        return measure(config)
    except InputProblem as problem:
        return {"status": "error", "kind": "input", "message": problem.message, "hint": problem.hint}
    except LoadProblem as problem:
        return {"status": "error", "kind": problem.kind, "message": problem.message,
                "hint": problem.hint, "detail": problem.detail}
    except MemoryError:
        return {"status": "error", "kind": "memory", "message": "out of memory (MemoryError)", "hint": None}
    except UnicodeDecodeError as exc:  # the runtime's Python API decodes every tensor name as UTF-8
        name = bytes(exc.object).decode("utf-8", "replace") if isinstance(exc.object, bytes) else "?"
        return {"status": "error", "kind": "unsupported",
                "message": f"{config.get('model')}: the tensor name {name!r} is not valid UTF-8 "
                           f"({exc.reason} at byte {exc.start}); the {config.get('runtime')} Python API "
                           "cannot load such a model",
                "hint": "re-convert the model with UTF-8 tensor names (edge-sdk inspect shows them, with "
                        "replacement characters)"}


if __name__ == "__main__":
    from edge_sdk.core.child import serve

    sys.exit(serve(handle))
