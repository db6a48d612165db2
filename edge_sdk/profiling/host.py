"""``profile``: measure a .tflite on this host and estimate it on device profiles -> one profile document.

The composition of three parts that do not know each other:

1. static analysis (:func:`edge_sdk.graph.analyze`) validates the file before anything runs and
   gives size, arena and the op table the estimator needs;
2. the host measurement (:mod:`runtime_harness.host`) runs the model for real in a child process;
3. the estimator (:func:`runtime_harness.estimator.estimate`) predicts each ``--device`` from the
   graph and, when there is one, the host measurement.

Device constraints are emulated on the host where that says something true about the device:
the runtime it ships (a model tflite-runtime 2.14 cannot load is reported on that device), and the
app memory budget (when the model's measured memory is over it, a capped run confirms it as a
fact). Thread counts and clocks are the estimator's job: a 2-core x86 host cannot stand in for a
phone's big cores. No TensorFlow is imported on this path.
"""

from __future__ import annotations

import os
import platform
from typing import Any

from edge_sdk import __version__
from edge_sdk.core.documents import envelope
from edge_sdk.core.errors import ConfigError, InfrastructureError, UsageError
from edge_sdk.core.files import require_file
from edge_sdk.core.hashing import file_sha256
from edge_sdk.core.progress import ProgressCallback, ProgressEvent
from edge_sdk.core.units import format_bytes, parse_size

RUNTIME_CHOICES = ("litert", "tflite-runtime")


def parse_input_shapes(specs: list[str] | dict[str, list[int]] | None) -> dict[str, list[int]]:
    """``["NAME:1,224,224,3", ...]`` -> ``{"NAME": [1, 224, 224, 3]}`` (a dict passes through).

    A bare ``1,224,224,3`` is keyed ``""``: the harness applies it to a model's only input.
    """
    if not specs:
        return {}
    if isinstance(specs, dict):
        return {str(k): [int(d) for d in v] for k, v in specs.items()}
    shapes: dict[str, list[int]] = {}
    for spec in specs:
        name, sep, dims = spec.rpartition(":")
        try:
            shape = [int(d) for d in dims.split(",") if d.strip()]
        except ValueError:
            shape = []
        if not shape or any(d <= 0 for d in shape):
            raise UsageError(f"input_shape={spec!r}: expected [NAME:]DIM,DIM,... with positive sizes",
                             hint="e.g. input_shape='serving_default_input:0:1,224,224,3' "
                                  "(the input names are in `edge-sdk inspect MODEL`)", params=("input_shape",))
        shapes[name if sep else ""] = shape
    return shapes


def _need(module: str, attribute: str, what: str) -> Any:
    """``module.attribute``, or an InfrastructureError naming the missing part (a broken install)."""
    import importlib

    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise InfrastructureError(f"{what} is not available in this installation ({exc})",
                                  hint="reinstall edge-sdk (pip install -e .) or update the checkout") from None


def _measure_relay(on_progress: ProgressCallback, subject: str) -> Any:
    """The host child's progress lines (``{"runs", "elapsed_s", "rel_ci"}``) as "update" events."""

    def relay(line: dict[str, Any]) -> None:
        elapsed = line.get("elapsed_s")
        on_progress(ProgressEvent("profile", "measure", "update", subject=subject,
                                  elapsed_s=float(elapsed) if isinstance(elapsed, (int, float)) else None,
                                  data={"runs": line.get("runs"), "rel_ci": line.get("rel_ci")}))
    return relay


def _host_result(graph: Any, raw: dict[str, Any], size_bytes: int, cpu: str) -> dict[str, Any]:
    from runtime_harness.stats import summarize

    summary = summarize(raw["samples_ms"], raw.get("confidence", 0.95))
    latency = {k: summary[k] for k in ("p50", "p90", "p99", "mean", "std", "min", "max")}
    model_memory = max(0, raw["peak_rss_bytes"] - raw["baseline_rss_bytes"])
    return {
        "device": "host", "backend": "host", "threads": raw["threads"], "source": "measured",
        "latency_ms": latency, "samples_ms": raw["samples_ms"], "error_band_pct": None,
        "memory": {"peak_bytes": model_memory, "arena_bytes": getattr(graph, "peak_activation_bytes", None),
                   "process_peak_rss_bytes": raw["peak_rss_bytes"]},
        "energy_mj": None, "energy_source": None, "size_bytes": size_bytes,
        "provenance": {
            "method": "measured on this host in an isolated child process",
            "runtime": raw["runtime"]["name"], "runtime_version": raw["runtime"]["version"],
            "threads": raw["threads"], "affinity": raw.get("affinity"), "cpu": cpu,
            "timing": raw["policy"], "stop_reason": raw["stop_reason"], "runs": summary["count"],
            "p50_ci_ms": [summary["p50_ci_low"], summary["p50_ci_high"]],
            "ci_confidence": summary["ci_confidence"],
            "memory_method": "peak RSS of the child minus its RSS after importing the runtime (before the model)",
        },
        "notes": list(raw.get("notes", [])) + ["energy: no energy counter on this host (no RAPL); not measured"],
    }


def _host_summary(raw: dict[str, Any]) -> dict[str, Any]:
    keep = ("runtime", "threads", "affinity", "memory_cap_bytes", "init_ms", "first_inference_ms",
            "stop_reason", "timed_s", "policy", "achieved_rel_ci", "confidence", "baseline_rss_bytes",
            "peak_rss_bytes", "inputs")
    out = {k: raw.get(k) for k in keep}
    out["warmup_runs"] = len(raw.get("warmup_ms", []))
    out["runs"] = len(raw.get("samples_ms", []))
    return out


def _device_runtime(device: Any) -> str | None:
    """The host runtime that stands in for what ``device`` ships (None for MCU interpreters).

    tflite-runtime 2.14 stands in for any TensorFlow Lite build up to 2.14 (same op registry
    generation); LiteRT for everything newer.
    """
    name = str(getattr(device, "runtime", "litert")).lower().replace("_", "-")
    if getattr(device, "kind", "") == "mcu" or "micro" in name or "tflm" in name:
        return None
    if name == "tflite-runtime":
        return "tflite-runtime"
    if name in ("tflite", "tensorflow-lite"):
        try:
            major, minor = (int(part) for part in str(getattr(device, "runtime_version", "")).split(".")[:2])
        except ValueError:
            return "litert"
        return "tflite-runtime" if (major, minor) <= (2, 14) else "litert"
    return "litert"


class _Emulator:
    """Device-constraint checks on the host, each run at most once per distinct setting."""

    def __init__(self, request_base: Any, measured_model_bytes: int | None) -> None:
        self.base = request_base
        self.measured = measured_model_bytes
        self.runtime_checks: dict[str, str | None] = {}
        self.memory_checks: dict[int, str | None] = {}

    def _quick(self, **changes: Any) -> None:
        from dataclasses import replace

        from runtime_harness.host import TimingPolicy, measure

        measure(replace(self.base, policy=TimingPolicy(runs=1, warmup_s=0.0), **changes))

    @staticmethod
    def version(runtime: str) -> str:
        from runtime_harness.host.runtimes import runtime_version

        return runtime_version(runtime) or "?"

    def runtime_problem(self, runtime: str) -> str | None:
        if runtime == self.base.runtime:
            return None
        if runtime not in self.runtime_checks:
            from edge_sdk.core.errors import EdgeSdkError

            try:
                self._quick(runtime=runtime, memory_cap_bytes=None)
                self.runtime_checks[runtime] = None
            except EdgeSdkError as error:
                self.runtime_checks[runtime] = error.message
        return self.runtime_checks[runtime]

    def memory_problem(self, budget: int) -> str | None:
        if self.measured is None or self.measured <= budget:
            return None
        if budget not in self.memory_checks:
            from runtime_harness.host import MemoryCapExceeded

            try:
                self._quick(memory_cap_bytes=budget)
                self.memory_checks[budget] = None
            except MemoryCapExceeded as fact:
                self.memory_checks[budget] = (
                    f"does not fit the app memory budget ({format_bytes(budget)}): the model needs about "
                    f"{format_bytes(self.measured)} measured on the host, and a run capped at the budget "
                    f"failed ({fact.message})")
        return self.memory_checks[budget]


def profile(model: str | os.PathLike[str], *, devices: list[str] | None = None, threads: int | None = None,
            runtime: str = "litert", estimate_only: bool = False, input_data: str | None = None,
            input_shape: list[str] | dict[str, list[int]] | None = None, runs: int | None = None,
            min_time_s: float | None = None, time_limit_s: float = 5.0, target_ci: float = 0.01,
            timeout_s: float = 300.0, memory_cap: str | int | None = None, cpus: list[int] | None = None,
            op_profile: bool = False, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Measure ``model`` on this host (unless ``estimate_only``) and estimate it on ``devices``.

    Returns a ``profile`` document (see :mod:`edge_sdk.core.documents`). Raises InputError /
    UnsupportedModelError (exit 2) for bad models and inputs, UsageError for bad options and
    unknown devices, RuntimeCrash (exit 3) when the interpreter crashes or hangs.
    Every estimate carries its per-op breakdown (``ops``); ``op_profile`` also times each op alone
    on the host (see :mod:`edge_sdk.profiling.ops`). ``on_progress`` receives a "measure" stage
    (start, updates with runs and the median's relative CI, end) while the host run lasts.
    """
    path = require_file(model, "model (.tflite)")
    if runtime not in RUNTIME_CHOICES:
        raise UsageError(f"runtime={runtime!r} is not one of {', '.join(RUNTIME_CHOICES)}", params=("runtime",))
    if runs is not None and min_time_s is not None:
        raise UsageError("`runs` and min_time_s are alternatives; give one of them", params=("runs", "min_time_s"))
    for name, value in (("threads", threads), ("runs", runs)):
        if value is not None and value < 1:
            raise UsageError(f"`{name}` must be 1 or more (got {value})", params=(name,))
    for name, seconds in (("min_time_s", min_time_s), ("time_limit_s", time_limit_s), ("timeout_s", timeout_s)):
        if seconds is not None and not seconds > 0:
            raise UsageError(f"{name} must be a positive number of seconds (got {seconds})", params=(name,))
    usable = sorted(os.sched_getaffinity(0))
    if cpus and not set(cpus) <= set(usable):
        raise UsageError(f"cpus={list(cpus)}: this process may only use CPUs {usable}",
                         hint="pick CPUs from that list (`nproc` and `taskset -p $$` show them)", params=("cpus",))
    shapes = parse_input_shapes(input_shape)
    try:
        cap = int(parse_size(memory_cap, "memory_cap")) if memory_cap not in (None, "") else None
    except ConfigError as exc:
        raise UsageError(exc.message, hint="e.g. memory_cap='512 MB'", params=("memory_cap",)) from None

    host_run, request = None, None
    if not estimate_only:  # start the child first: static analysis runs while it loads the model
        from runtime_harness.host import HostRequest, TimingPolicy, start_child

        request = HostRequest(
            model=str(path), runtime=runtime, threads=min(threads or 1, len(cpus or usable)),
            cpus=tuple(cpus) if cpus else None, memory_cap_bytes=cap, input_data=input_data,
            input_shapes=shapes, timeout_s=timeout_s,
            policy=TimingPolicy(runs=runs, min_time_s=min_time_s, time_limit_s=time_limit_s, target_rel_ci=target_ci),
        )
        host_run = start_child(request)
    try:
        graph = _need("edge_sdk.graph", "analyze", "static analysis (edge_sdk.graph)")(str(path))
        load_profile = _need("devices", "load_profile", "device profiles (devices)")
        targets = [load_profile(d) for d in dict.fromkeys(devices or [])]
        host_device = _need("devices", "host_profile", "device profiles (devices)")()
    except BaseException:
        if host_run is not None:
            host_run.kill()
        raise
    size_bytes = path.stat().st_size
    cpu = platform.processor() or getattr(host_device, "soc", platform.machine())

    host_raw = None
    host_result = None
    results: list[dict[str, Any]] = []
    emulator = None
    if host_run is not None and request is not None:  # both or neither (estimate_only)
        from runtime_harness.host import MemoryCapExceeded

        relay = _measure_relay(on_progress, path.name) if on_progress is not None else None
        if on_progress is not None:
            on_progress(ProgressEvent("profile", "measure", "start", subject=path.name, detail="host"))
        try:
            host_raw = host_run.result(progress=relay)
            host_result = _host_result(graph, host_raw, size_bytes, cpu)
            if op_profile:
                _attach_host_ops(host_result, graph, request, on_progress)
            if threads and threads > request.threads:
                host_result["notes"].insert(0, f"threads: {threads} requested, the host run used {request.threads} "
                                               f"(the CPUs it may use); estimates use {threads}")
        except MemoryCapExceeded as fact:
            host_result = _unfit_host_result(request, fact, size_bytes, cpu)
        finally:
            if on_progress is not None:
                on_progress(ProgressEvent("profile", "measure", "end", subject=path.name, detail="host"))
        results.append(host_result)
        emulator = _Emulator(request, host_result["memory"]["peak_bytes"] if host_raw else None)

    if targets or estimate_only:
        estimate = _need("runtime_harness.estimator", "estimate", "the device estimator (runtime_harness.estimator)")
        for device in targets or [host_device]:
            result = dict(estimate(graph, device, threads=threads, host=host_result))
            checks, facts = _host_checks(device, emulator)
            result.setdefault("provenance", {})["host_checks"] = checks
            if result.get("latency_ms", {}).get("p50"):
                from edge_sdk.profiling.ops import estimated_ops

                result["ops"], result["op_profile"] = estimated_ops(graph, device, result)
            result["notes"] = list(result.get("notes") or []) + facts
            results.append(result)

    body = {
        "model": {"path": str(path), "sha256": getattr(graph, "sha256", None) or file_sha256(path),
                  "size_bytes": size_bytes, "precision": getattr(graph, "precision", None)},
        "host": _host_summary(host_raw) if host_raw else None,
        "results": results,
        "provenance": {
            "tool_version": __version__, "python": platform.python_version(), "cpu": cpu,
            "machine": platform.machine(), "host_cores": len(os.sched_getaffinity(0)),
            "estimate_only": estimate_only, "requested_devices": [d.id for d in targets],
        },
    }
    return envelope("profile", body)


def _attach_host_ops(host_result: dict[str, Any], graph: Any, request: Any,
                     on_progress: ProgressCallback | None) -> None:
    """Time every op alone (isolated children, same runtime/threads/inputs) and attach the rows."""
    from edge_sdk.profiling.ops import host_ops
    from runtime_harness.host.op_profiler import OpProfileRequest, profile_ops

    ops = [{"index": op.index, "position": op.position, "type": op.type} for op in graph.ops if op.subgraph == 0]
    if on_progress is not None:
        on_progress(ProgressEvent("profile", "op-profile", "start", subject=os.path.basename(request.model),
                                  detail=f"{len(ops)} ops"))
    raw = profile_ops(OpProfileRequest(request.model, ops, request.runtime, request.threads, request.input_data,
                                       request.input_shapes, request.timeout_s))
    if on_progress is not None:
        on_progress(ProgressEvent("profile", "op-profile", "end", subject=os.path.basename(request.model)))
    host_result["ops"], host_result["op_profile"] = host_ops(graph, raw, host_result["latency_ms"]["p50"])


def _host_checks(device: Any, emulator: _Emulator | None) -> tuple[dict[str, Any], list[str]]:
    """What the host checked for real about ``device`` (provenance) and the facts found (notes)."""
    if emulator is None:
        return {"runtime": "not checked (--estimate-only)", "memory_budget": "not checked (--estimate-only)"}, []
    runtime = _device_runtime(device)
    if runtime is None:
        return {"runtime": "not emulated (MCU runtime)", "memory_budget": "not emulated (MCU: see flash/RAM notes)"}, []
    checks: dict[str, Any] = {}
    notes = []
    version = emulator.version(runtime)
    problem = emulator.runtime_problem(runtime)
    if runtime == emulator.base.runtime:
        checks["runtime"] = f"loaded by the host measurement ({runtime} {version})"
    elif problem:
        loader = problem.split("(loader: ", 1)[-1].rstrip(")") if "(loader: " in problem else problem
        checks["runtime"] = f"refused by {runtime} {version}"
        notes.append(f"runtime: confirmed on the host with {runtime} {version}: it refuses this model ({loader})")
    else:
        checks["runtime"] = f"loaded and ran once in {runtime} {version}"
    budget = int(getattr(device, "app_memory_bytes", 0) or 0)
    fact = emulator.memory_problem(budget) if budget else None
    if not budget or emulator.measured is None:
        checks["memory_budget"] = "not checked"
    elif fact:
        checks["memory_budget"] = f"over: a run capped at {format_bytes(budget)} failed"
        notes.append(f"memory: {fact}")
    elif budget in emulator.memory_checks:
        checks["memory_budget"] = f"within: a run capped at {format_bytes(budget)} succeeded"
        notes.append(f"memory: a host run capped at the app budget ({format_bytes(budget)} of private memory "
                     "beyond the interpreter) succeeded, although the process RSS grew by "
                     f"{format_bytes(emulator.measured)} (RSS also counts the mapped model file and code)")
    else:
        checks["memory_budget"] = (f"within: measured {format_bytes(emulator.measured)} on the host, "
                                   f"budget {format_bytes(budget)}")
    return checks, notes


def _unfit_host_result(request: Any, fact: Any, size_bytes: int, cpu: str) -> dict[str, Any]:
    return {
        "device": "host", "backend": "host", "threads": request.threads, "source": "measured",
        "latency_ms": None, "samples_ms": [], "error_band_pct": None,
        "memory": {"peak_bytes": None, "arena_bytes": None}, "energy_mj": None, "energy_source": None,
        "size_bytes": size_bytes,
        "provenance": {"method": "measured on this host in an isolated child process", "runtime": request.runtime,
                       "threads": request.threads, "cpu": cpu, "memory_cap_bytes": fact.cap_bytes},
        "notes": [f"memory: does not run within the memory cap of {format_bytes(fact.cap_bytes)} ({fact.message})"],
        "fits": False,
    }
