"""Predict latency, peak memory and energy of a model on a device that is not here.

Method (details in each module): an analytical per-op-class cost model over the model's graph
(``features``, ``latency``) with the device's clusters, SIMD width, clock and bandwidth, fitted on
published on-device measurements stored in the profiles (``calibration``), with an error band
measured by leave-one-source-out and leave-device-out cross-validation (``validation``); memory
from the graph's memory plan and the runtime (``memory``); energy from the profile's power proxy
(``energy``). No TensorFlow, no interpreter, ~ms per call.

    estimate(graph, profile, *, threads=None, host=None) -> ProfileResult dict (source "estimated")
"""

from __future__ import annotations

from typing import Any

from devices.profile import DeviceProfile
from runtime_harness.estimator.calibration import default_calibration
from runtime_harness.estimator.energy import estimate_energy
from runtime_harness.estimator.engines import combine_bands, engine_ratio
from runtime_harness.estimator.features import ModelFeatures, extract_features
from runtime_harness.estimator.fitting import family_of, runtime_kernels
from runtime_harness.estimator.latency import effective_threads
from runtime_harness.estimator.memory import estimate_memory

__all__ = ["estimate", "estimate_features"]

# Peak memory checked against peak RSS measured on this host (bench_estimate.py: 0.97x, 0.95x and
# 0.68x on MobileNetV2 float, MobileNet v1 float, MobileNetV2 int8): the int8 model's runtime overhead
# is the miss. Three measurements: the band is the worst of them, rounded up.
MEMORY_BAND_PCT = 50.0
MEMORY_BAND_BASIS = ("3 host measurements of peak RSS (worst 0.68x, MobileNetV2 int8); no on-device memory "
                     "measurement calibrates it")

RUNTIME_KEYS = {"litert": "litert-2.3", "tflite-runtime": "tflite-runtime-2.14"}


def _compatibility_notes(graph: Any, profile: DeviceProfile) -> list[str]:
    notes = []
    compat = getattr(graph, "compatibility", None) or {}
    if profile.kind == "mcu":
        tflm = (compat.get("delegates") or {}).get("tflm") or {}
        unsupported = tflm.get("unsupported", [])
        if unsupported:
            reasons = "; ".join(f"{u.get('op', '?')} (op {u.get('index', '?')}): {u.get('reason', 'unsupported')}"
                                for u in unsupported[:2])
            more = f" and {len(unsupported) - 2} more" if len(unsupported) > 2 else ""
            notes.append(f"runtime: {profile.id} cannot run this model as is on MCU kernels: {reasons}{more}")
    else:
        runtime = (compat.get("runtimes") or {}).get(RUNTIME_KEYS.get(profile.runtime, ""), {})
        if runtime and not runtime.get("loadable", True):
            problems = "; ".join(runtime.get("problems") or []) or "unsupported ops"
            notes.append(f"runtime: {profile.runtime} {profile.runtime_version} shipped on {profile.id} cannot load "
                         f"this model ({problems})")
    custom = list(getattr(graph, "custom_ops", []) or []) + list(getattr(graph, "flex_ops", []) or [])
    if custom:
        notes.append(f"custom ops {', '.join(sorted(set(custom)))}: no cost model, their time is not included")
    return notes


def estimate_features(features: ModelFeatures, profile: DeviceProfile, *, threads: int | None = None,
                      graph: Any = None) -> dict[str, Any]:
    """The estimate from precomputed features (what :func:`estimate` and the benches call)."""
    calibration = default_calibration()
    family = family_of(profile)
    fitted = calibration.families[family]
    n = effective_threads(profile, threads)
    kernels = runtime_kernels(profile, features.compute)
    p50 = fitted.predict(features, profile, n, kernels=kernels)
    band, band_basis = calibration.band_for(profile, features.compute, n)
    situation = calibration.situation_for(profile, features.compute, n)
    factor, factor_level = fitted.factor(profile, features.compute)
    notes: list[str] = []
    if threads is not None and threads != n:
        cores = f"{profile.cores} core" + ("s" if profile.cores > 1 else "")
        notes.append(f"threads: {profile.id} has {cores}; estimated with {n} thread{'s' if n > 1 else ''}, "
                     f"not {threads}")
    if features.compute in ("int16", "dynamic"):
        notes.append(f"precision: no published {features.precision} measurement calibrates this; its GEMMs are "
                     "costed as int8 kernels" + (" at half rate" if features.compute == "int16" else ""))
    if features.precision == "float16" and profile.kind != "mcu":
        notes.append("precision: float16 weights are dequantized to float32 at load (XNNPACK default), so compute "
                     "and memory are those of float32; only the file is smaller")
    if kernels == "tflm":
        ratio = fitted.kernel_factor("tflm", features.compute)
        fitted_on = "fitted on published TFLite Micro + CMSIS-NN measurements" if ratio != 1.0 else "no TFLM data"
        notes.append(f"runtime: TFLite Micro + CMSIS-NN kernels costed at {ratio:.2f}x the vendor library "
                     f"({fitted_on}); TFLM reference kernels without CMSIS-NN are several times slower")
    if situation in ("core", "none"):
        notes.append(f"calibration: {profile.id} has no published measurement; it borrows the fitted correction of "
                     f"the {factor_level} and carries the wider +-{band:g}% band of that situation")
    elif situation == "setup":
        notes.append(f"calibration: {profile.id} was never measured at {features.precision} with {n} thread"
                     f"{'s' if n > 1 else ''}; band +-{band:g}% (held-out error of such predictions)")
    engine = engine_ratio(profile)
    if engine is not None:
        p50 *= engine.ratio
        band = combine_bands(band, engine.spread_pct)
        notes.append(engine.note(f"{profile.runtime} {profile.runtime_version}"))
    if profile.supply_override_v:
        notes.append(f"supply: power rescaled to {profile.supply_override_v:g} V (power ~ supply voltage on MCU "
                     f"boards); latency unchanged")
    memory, memory_notes = estimate_memory(features, profile)
    energy, energy_band, energy_provenance = estimate_energy(profile, n, p50, band)
    if graph is not None:
        notes += _compatibility_notes(graph, profile)
    notes += memory_notes
    low, high = p50 / (1 + band / 100.0), p50 * (1 + band / 100.0)
    return {
        "device": profile.id, "backend": "estimate", "threads": n, "source": "estimated",
        "latency_ms": {"p50": round(p50, 4), "mean": round(p50, 4), "low": round(low, 4), "high": round(high, 4),
                       "p90": None, "p99": None, "std": None, "min": None, "max": None},
        "samples_ms": [],
        "error_band_pct": band,
        "band_pct": {"latency": band, "energy": energy_band, "memory": MEMORY_BAND_PCT},
        "memory": memory,
        "energy_mj": round(energy, 6), "energy_source": "estimated",
        "size_bytes": int(features.size_bytes),
        "provenance": {
            "method": "analytical per-op-class cost model (conv / depthwise / GEMM / elementwise MACs, bytes moved, "
                      "per-op overhead) over the device's cores, SIMD width, clock and bandwidth; efficiencies fitted "
                      "on published measurements",
            "family": family, "kernels": kernels, "threads": n, "precision": features.precision,
            "cores": [f"{c.core}@{c.ghz}GHz" for c in profile.cores_by_speed()[:n]],
            "calibration": {"points_in_family": fitted.points, "device_points": len(profile.calibration),
                            "correction": round(factor, 3), "correction_from": factor_level,
                            "situation": situation, "error_band_basis": band_basis,
                            "parallel_alpha": fitted.alpha},
            "energy": energy_provenance,
            "runtime": f"{profile.runtime} {profile.runtime_version}",
            "engine": engine.engine if engine else None,
            "memory_band_basis": MEMORY_BAND_BASIS,
        },
        "notes": notes,
    }


def estimate(graph: Any, profile: DeviceProfile, *, threads: int | None = None,
             host: dict[str, Any] | None = None) -> dict[str, Any]:
    """One ProfileResult (``edge_sdk.core.documents``) with ``source = "estimated"`` for ``profile``.

    ``graph`` is an ``edge_sdk.graph.ModelGraph``. ``host`` (a host measurement) is recorded in the
    provenance for comparison but does not change the estimate: the calibration is analytical.
    """
    features = extract_features(graph)
    result = estimate_features(features, profile, threads=threads, graph=graph)
    if host and (host.get("latency_ms") or {}).get("p50"):
        result["provenance"]["host_p50_ms"] = host["latency_ms"]["p50"]
    return result
