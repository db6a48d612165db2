"""``profile --backend adb``: measure a model on real Android devices and produce a profile document.

The composition root of the adb backend: it picks the devices, runs one worker per serial in
parallel (each device is its own machine; the host only waits on adb), and turns each run into a
ProfileResult (``source`` "measured", ``backend`` "adb") with the device's provenance, next to the
estimate for the matched device profile when there is one, so measured and emulated numbers sit
side by side. If a device fails mid-run (disconnected, crashed), the results of the others and
what was learned about the failed one are written as a partial report before the error is raised.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.documents import envelope
from edge_sdk.core.errors import EdgeSdkError, UsageError
from edge_sdk.core.files import require_file
from edge_sdk.core.hashing import file_sha256
from edge_sdk.core.progress import ProgressCallback, ProgressEvent
from runtime_harness.adb import runner
from runtime_harness.adb.client import AdbClient
from runtime_harness.adb.discovery import known_profiles

DELEGATES = tuple(runner.DELEGATE_FLAGS)
DEFAULT_TIMEOUT_S = 600.0
MID_RUN_STAGES = ("push", "state", "benchmark")


def profile_on_adb(model: str | os.PathLike[str], *, serials: list[str] | None = None, threads: int | None = None,
                   delegate: str = "cpu", op_profile: bool = False, benchmark_binary: str | None = None,
                   timeout_s: float = DEFAULT_TIMEOUT_S, partial_report: str | os.PathLike[str] | None = None,
                   runs: int | None = None, warmup_runs: int | None = None, min_secs: float | None = None,
                   affinity_mask: str | None = None, client: AdbClient | None = None,
                   on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Benchmark ``model`` with TFLite's ``benchmark_model`` on each device; return a profile document.

    ``serials``: devices to use (None: the only connected one). ``partial_report``: where the
    partial document goes if a device fails mid-run (default ``<model>.adb-partial.json`` in the
    current directory). Raises DeviceError/RuntimeCrash (exit 3) or UsageError/InputError (exit 2).
    ``on_progress`` receives a "start" event (task "adb", ``subject`` the serial) as each device
    enters a stage (push, state, benchmark, ...).
    """
    path = _check_model(model)
    if delegate not in DELEGATES:
        raise UsageError(f"unknown delegate={delegate!r}", hint=f"use one of: {', '.join(DELEGATES)}",
                         params=("delegate",))
    if threads is not None and threads < 1:
        raise UsageError(f"`threads` must be 1 or more, got {threads}", params=("threads",))
    if benchmark_binary is not None:
        require_file(benchmark_binary, "benchmark_model binary")
    client = client or AdbClient()
    chosen = client.select(list(serials) if serials else None)
    profiles = known_profiles()
    spec = runner.RunSpec(
        model=path, threads=threads, delegate=delegate, op_profile=op_profile,
        benchmark_binary=Path(benchmark_binary) if benchmark_binary else None,
        warmup_runs=1 if warmup_runs is None else warmup_runs, num_runs=50 if runs is None else runs,
        min_secs=min_secs, timeout_s=timeout_s, affinity_mask=affinity_mask, profiles=profiles,
    )
    stage_printer = _stage_relay(on_progress) if on_progress is not None else None
    pool = ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="adb")  # one worker per device
    outcomes: list[runner.RunResult | runner.RunFailed] = []
    try:
        futures = [pool.submit(runner.DeviceRun(client, serial, spec, stage_printer).run) for serial in chosen]
        for future in futures:
            try:
                outcomes.append(future.result())
            except runner.RunFailed as failed:
                outcomes.append(failed)
    except KeyboardInterrupt:  # Ctrl-C also stops the adb children; do not wait for the workers
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    document = build_document(path, spec, outcomes)
    failures = [o for o in outcomes if isinstance(o, runner.RunFailed)]
    if failures:
        first = failures[0].error
        done = len(outcomes) - len(failures)
        # A partial report when it holds something: results of other devices, or a run cut off midway.
        if partial_report or done or any(f.stage in MID_RUN_STAGES for f in failures):
            target = Path(partial_report) if partial_report else Path.cwd() / f"{path.name}.adb-partial.json"
            atomic_write_json(target, document)
            first.message += (f" [stage {failures[0].stage}; partial report with {done} of {len(outcomes)} "
                              f"device(s) written to {target}]")
        raise first
    return document


def _check_model(model: str | os.PathLike[str]) -> Path:
    from edge_sdk.graph.reader import check_identifier, read_file_bytes

    path, data = read_file_bytes(require_file(model, "model"))
    check_identifier(path, data)  # the same checks and messages as inspect, before anything is pushed
    return path


def _stage_relay(on_progress: ProgressCallback) -> Any:
    """The runner's ``on_stage(serial, stage)`` as progress events."""

    def relay(serial: str, stage: str) -> None:
        on_progress(ProgressEvent("adb", stage, "start", subject=serial))
    return relay


def build_document(model: Path, spec: runner.RunSpec, outcomes: list[Any]) -> dict[str, Any]:
    """The profile document for these outcomes (results for the successes, failures listed)."""
    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    graph = _graph(model)
    for outcome in outcomes:
        if isinstance(outcome, runner.RunFailed):
            failures.append({"serial": outcome.partial.get("serial"), "stage": outcome.stage,
                             "error": outcome.error.to_dict(), "known": outcome.partial})
            continue
        measured = measured_result(outcome, spec, model, graph)
        estimated = _estimate(graph, outcome, measured)
        results.append(measured)
        if estimated is not None:
            results.append(estimated)
    body: dict[str, Any] = {
        "model": {"path": str(model), "sha256": file_sha256(model), "size_bytes": model.stat().st_size,
                  "precision": getattr(graph, "precision", None)},
        "host": None,
        "results": results,
        "backend": "adb",
        "complete": not failures,
    }
    if failures:
        body["failures"] = failures
    return envelope("profile", body)


def measured_result(outcome: runner.RunResult, spec: runner.RunSpec, model: Path,
                    graph: Any | None = None) -> dict[str, Any]:
    """One ProfileResult (edge_sdk.core.documents contract) from a device run; ``graph`` names the
    ops of an op profile (edge_sdk.profiling.ops)."""
    from edge_sdk.profiling.ops import adb_ops

    out, info, runs = outcome.output, outcome.info, outcome.output.runs
    mean = out.inference_avg_ms
    median = runs.median_ms if runs and runs.median_ms is not None else None
    latency = {
        "p50": median if median is not None else mean,
        "p90": None, "p99": None,  # benchmark_model prints no raw samples: no tail percentiles
        "p5": runs.p5_ms if runs else None, "p95": runs.p95_ms if runs else None,
        "mean": mean, "std": runs.std_ms if runs else None,
        "min": runs.min_ms if runs else None, "max": runs.max_ms if runs else None,
    }
    notes = []
    if median is None:
        notes.append("p50 is the mean: this benchmark_model prints no median (TFLite < 2.13)")
    before, after = outcome.state.thermal_status, outcome.thermal_status_after
    if before is not None and after is not None and after > before:
        notes.append(f"the phone heated up during the run (thermal status {before} -> {after}): "
                     "it may have been throttled; let it cool and re-run for a steady figure")
    energy = outcome.energy
    if energy.get("energy_mj") is None:
        notes.append(f"energy not measured: {energy['reason']}")
    peak = out.peak_memory_bytes or out.memory_overall_bytes
    as_int = lambda value: None if value is None else round(value)  # noqa: E731
    return {
        "device": info.profile or f"adb:{info.serial}",
        "backend": "adb",
        "threads": outcome.threads,
        "source": "measured",
        "latency_ms": latency,
        "runs": runs.count if runs else None,  # timed runs behind the statistics
        "samples_ms": [],
        "error_band_pct": None,
        "memory": {"peak_bytes": as_int(peak), "arena_bytes": None, "init_bytes": as_int(out.memory_init_bytes),
                   "overall_delta_bytes": as_int(out.memory_overall_bytes)},
        "energy_mj": energy.get("energy_mj"),
        "energy_source": "measured" if energy.get("energy_mj") is not None else None,
        "size_bytes": model.stat().st_size,
        "ops": adb_ops([dict(op.__dict__) for op in out.ops], graph) if spec.op_profile else None,
        "provenance": {
            "method": "TFLite benchmark_model over adb",
            "serial": info.serial, "device_model": info.model, "manufacturer": info.manufacturer,
            "soc": info.soc, "abi": info.abi, "android_version": info.android_version, "sdk": info.sdk,
            "build_fingerprint": info.fingerprint, "matched_profile": info.profile,
            "runtime": "tflite benchmark_model", "runtime_version": out.layout,
            "benchmark_binary": outcome.binary, "delegate": spec.delegate,
            "affinity_mask": outcome.affinity_mask, "affinity_source": outcome.affinity_source,
            "warmup_runs": spec.warmup_runs, "runs": spec.num_runs,
            "init_ms": out.init_ms, "first_inference_ms": out.first_inference_ms,
            "command": outcome.command, "model_push_reused": outcome.model_reused,
            "energy": energy, **outcome.state.to_provenance(), "thermal_status_after": after,
            "stage_seconds": {k: round(v, 3) for k, v in outcome.stage_seconds.items() if k != "start"},
        },
        "notes": notes,
    }


def _graph(model: Path) -> Any | None:
    try:
        from edge_sdk.graph import analyze

        return analyze(str(model))
    except (ImportError, EdgeSdkError):
        return None


def _estimate(graph: Any | None, outcome: runner.RunResult, measured: dict[str, Any]) -> dict[str, Any] | None:
    """The emulated estimate for the matched profile, annotated with the measured figures."""
    if graph is None or outcome.profile is None:
        if outcome.profile is None:
            measured["notes"].append("no device profile matches this phone: run `edge-sdk calibrate "
                                     f"--serial {outcome.info.serial}` to create one")
        return None
    try:
        from runtime_harness.estimator import estimate
    except ImportError:
        return None
    try:
        estimated = estimate(graph, outcome.profile, threads=outcome.threads)
        if measured.get("ops"):  # line the phone's op profile up with the estimate's, op by op
            from edge_sdk.profiling.ops import estimated_ops

            estimated["ops"], estimated["op_profile"] = estimated_ops(graph, outcome.profile, estimated)
    except EdgeSdkError as error:
        measured["notes"].append(f"no estimate for {outcome.profile.id}: {error.message}")
        return None
    measured["energy_estimate_mj"] = estimated.get("energy_mj")
    p50 = (estimated.get("latency_ms") or {}).get("p50")
    if p50 and measured["latency_ms"]["p50"]:
        ratio = measured["latency_ms"]["p50"] / p50
        measured["notes"].append(f"measured p50 is {ratio:.2f}x the {outcome.profile.id} estimate ({p50:.2f} ms)")
    return estimated
