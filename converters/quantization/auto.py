"""``recipe='auto'``: the smallest (or fastest) artifact that meets the accuracy budget.

The ladder, most compressed first (the issue's order; for ``objective='latency'`` dynamic-range
comes before int16x8, which has no XNNPACK kernels and runs on slow reference kernels on CPUs):

    int8 -> int8 with the k most damaging ops in float (k = 1, 2, 4, 8; from the per-op report)
         -> int16x8 -> dynamic-range -> fp16 -> float32

Every rung is built first (seconds: the int8 variants reuse one calibration) and sized, with its
latency estimated on ``target_device`` when the caller passes a latency estimator. Then they are
measured against the source on the evaluation data (the expensive part), best first: smallest
file for ``objective='size'``, fastest estimate for ``'latency'`` (the ladder order without an
estimate). The first that meets the gate wins; the ones before it say why they lost, the ones
after it are not measured (larger or slower). The whole table goes into the manifest.

The gate: with labelled data, the accuracy drop against the source model, at 95% confidence
(:func:`drop_upper_bound`: on a small labelled set a damaged candidate can score higher than the
source by luck); without labels, the top-1 disagreement with the source (an upper bound of the
accuracy it can cost) for classifiers, and SQNR >= 20 dB (converters.validation.quality) for
other outputs.

Latency: converters do not know devices (layering). The composition passes ``latency_estimator``:
a callable ``(model_path, device_id) -> milliseconds | {"latency_ms", "problem"}``, or its
``"module:function"`` name when the conversion runs in a child process. A candidate the device's
runtime cannot run (``problem``) is never chosen.
"""

from __future__ import annotations

import dataclasses
import importlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from converters.data import Dataset
from converters.manifest import gzip_size
from converters.options import ConvertOptions
from converters.quantization.calibrated import Calibrated
from converters.quantization.report import MIN_SHARE
from converters.quantization.selective import describe_kept
from converters.sources.base import LoadedSource
from converters.validation.quality import MIN_SQNR_DB
from edge_sdk.core.errors import UnsupportedModelError

KEEP_STEPS = (1, 2, 4, 8)
TAILS = {"size": ("int16x8", "dynamic", "fp16", "none"), "latency": ("dynamic", "int16x8", "fp16", "none")}
LABELS = {"int16x8": "int16x8", "dynamic": "dynamic-range int8", "fp16": "fp16", "none": "float32"}


@dataclasses.dataclass
class Rung:
    name: str
    mode: str
    keep: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def ladder(report: dict[str, Any] | None, objective: str) -> list[Rung]:
    """The rungs in the order they are tried."""
    rungs = [Rung("int8", "int8")]
    damaging = [op for op in (report or {}).get("ops", [])
                if (op.get("float_alone") or {}).get("error_share", 0.0) >= MIN_SHARE]
    last = 0
    for step in KEEP_STEPS:
        k = min(step, len(damaging))
        if k > last:
            rungs.append(Rung(f"int8, {k} op{'s' if k > 1 else ''} float", "int8", damaging[:k]))
            last = k
    rungs += [Rung(LABELS[mode], mode) for mode in TAILS[objective]]
    return rungs


def _estimator(spec: Any) -> Callable[[str, str], float | dict[str, Any] | None] | None:
    if spec is None or callable(spec):
        return spec
    module, _, name = str(spec).partition(":")
    return getattr(importlib.import_module(module), name)


def _memoized(source: LoadedSource) -> LoadedSource:
    """The source with its reference outputs computed once for every candidate (same inputs each time)."""
    if source.reference is None:
        return source
    original, cache = source.reference, {}

    def reference(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        key = tuple((k, id(v)) for k, v in sorted(data.items()))
        if key not in cache:
            cache[key] = original(data)
        return cache[key]

    return dataclasses.replace(source, reference=reference)


def drop_upper_bound(drop: float, changed: float, samples: int, z: float = 1.96) -> float:
    """95% upper bound of the accuracy drop, paired over the same samples (McNemar's variance).

    Only samples whose prediction changed can move accuracy; with ``changed`` of them the drop's
    variance is at most (changed - drop^2) / n. A few hundred labelled samples cannot tell
    a 1-point drop from noise when a quarter of the predictions changed: the bound says so, and a
    candidate that merely got lucky on a small labelled set does not win.
    """
    if samples <= 0:
        return drop
    variance = max(changed - drop ** 2, 0.0) / samples
    return drop + z * variance ** 0.5


def _quality(checks: dict[str, Any], budget: float) -> tuple[float | None, float | None, bool, str]:
    """(drop, SQNR of the first output, meets the gate, why not) from a validation run."""
    validation = checks["validation"]
    outputs = validation.get("outputs") or [{}]
    first = outputs[0]
    sqnr = first.get("sqnr_db") if not first.get("identical") else None
    accuracy = validation.get("accuracy") or {}
    if accuracy.get("drop") is not None:
        drop = float(accuracy["drop"])
        bound = drop_upper_bound(drop, 1.0 - float(first.get("top1_agreement") or 1.0), int(accuracy["samples"]))
        ok = bound <= budget + 1e-12
        why = (f"accuracy drop {drop * 100:.2f} points ({accuracy['source'] * 100:.2f}% -> "
               f"{accuracy['artifact'] * 100:.2f}%)")
        if bound > drop + 1e-9:
            why += (f", up to {bound * 100:.2f} at 95% confidence ({(1 - (first.get('top1_agreement') or 1)) * 100:.1f}%"
                    " of predictions changed)")
        return drop, sqnr, ok, "" if ok else f"{why} > {budget * 100:.2f} allowed"
    if first.get("top1_agreement") is not None:
        drop = 1.0 - float(first["top1_agreement"])
        ok = drop <= budget + 1e-12
        return drop, sqnr, ok, "" if ok else (f"top-1 disagreement with the source {drop * 100:.2f}% > "
                                             f"{budget * 100:.2f}% allowed")
    if first.get("identical"):
        return 0.0, None, True, ""
    ok = sqnr is not None and sqnr >= MIN_SQNR_DB
    return None, sqnr, ok, "" if ok else f"output SQNR {sqnr} dB < {MIN_SQNR_DB:g} dB (no labels: parity gate)"


def _kept_tensors(rung: Rung) -> list[str]:
    return list(dict.fromkeys(t for op in rung.keep for t in op["keep"]))


def _build(rung: Rung, options: ConvertOptions, source: LoadedSource, model: Any, calibrated: Calibrated) -> bytes:
    if rung.mode == "int8":
        return calibrated.quantize(options.io, _kept_tensors(rung))
    from converters.steps.quantize import export_tflite  # noqa: PLC0415

    io = "float" if rung.mode == "int16x8" else None
    return export_tflite(source, model, rung.mode, io, calibrated.calibration if rung.mode == "int16x8" else None)


def _build_all(rungs: list[Rung], options: ConvertOptions, source: LoadedSource, model: Any,
               calibrated: Calibrated, folder: Path) -> list[tuple[Rung, dict[str, Any], bytes | None]]:
    """Build every rung (cheap next to measuring it): sizes and latency estimates decide the order."""
    estimate = _estimator(options.latency_estimator) if options.target_device else None
    built: list[tuple[Rung, dict[str, Any], bytes | None]] = []
    for index, rung in enumerate(rungs):
        entry: dict[str, Any] = {"name": rung.name, "quantize": rung.mode, "chosen": False, "kept_float": [
            k["name"] for k in describe_kept(calibrated.ops, _kept_tensors(rung), [])]}
        started = time.perf_counter()
        try:
            data = _build(rung, options, source, model, calibrated)
        except Exception as exc:  # noqa: BLE001 - a rung TFLite cannot build loses, the search goes on
            cause = str(exc).splitlines()[0].replace(f"{source.path}: ", "")
            entry["outcome"] = f"cannot be built: {cause[:160]}"
            built.append((rung, entry, None))
            continue
        path = folder / f"candidate{index}.tflite"
        path.write_bytes(data)
        entry.update(build_s=round(time.perf_counter() - started, 2), size_bytes=len(data),
                     gzip_size_bytes=gzip_size(data), path=str(path))
        if estimate is not None:
            estimated = estimate(str(path), str(options.target_device))
            if not isinstance(estimated, dict):
                estimated = {"latency_ms": estimated}
            entry["latency_ms"] = estimated.get("latency_ms")
            if estimated.get("problem"):  # e.g. the device's old runtime lacks an op version: never the answer
                entry["outcome"] = f"cannot run on {options.target_device}: {str(estimated['problem'])[:160]}"
                built.append((rung, entry, None))
                continue
        built.append((rung, entry, data))
    return built


def _order_key(objective: str, position: int, entry: dict[str, Any]) -> tuple[float, float]:
    """Smallest file first (objective size) or fastest estimate first (latency; ladder order without one)."""
    if objective == "latency":
        latency = entry.get("latency_ms")
        return (float(position) if latency is None else float(latency), float(entry["size_bytes"]))
    return float(entry["size_bytes"]), float(position)


def _why_not_measured(entry: dict[str, Any], chosen: dict[str, Any], objective: str) -> str:
    if objective == "latency" and chosen.get("latency_ms") is not None and entry.get("latency_ms") is not None:
        return (f"not measured: {chosen['name']} meets the gate and is estimated faster "
                f"({chosen['latency_ms']:.2f} ms < {entry['latency_ms']:.2f} ms)")
    if objective == "latency":
        return f"not measured: {chosen['name']} meets the gate and comes first on the latency ladder"
    return (f"not measured: {chosen['name']} meets the gate and is smaller "
            f"({chosen['size_bytes'] / 1e3:.1f} kB < {entry['size_bytes'] / 1e3:.1f} kB)")


def auto_search(options: ConvertOptions, source: LoadedSource, model: Any, calibrated: Calibrated,
                report: dict[str, Any] | None, evaluation: Dataset) -> tuple[bytes, dict[str, Any]]:
    """Build the ladder, measure it best-first; return the chosen artifact and the manifest's ``search`` section."""
    from converters.validation import validate  # noqa: PLC0415

    started = time.perf_counter()
    budget = float(options.max_accuracy_drop or 0.0)
    measured_source = _memoized(source)
    chosen: tuple[Rung, dict[str, Any], bytes] | None = None
    best_failed: tuple[float, Rung, dict[str, Any], bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="edge-sdk-auto-") as folder:
        built = _build_all(ladder(report, options.objective), options, source, model, calibrated, Path(folder))
        order = sorted((b for b in built if b[2] is not None),
                       key=lambda b: _order_key(options.objective, built.index(b), b[1]))
        for rung, entry, data in order:
            assert data is not None
            if chosen is not None:
                entry["outcome"] = _why_not_measured(entry, chosen[1], options.objective)
                continue
            measured = time.perf_counter()
            checks = validate(measured_source, Path(entry["path"]), evaluation, None)
            entry["measure_s"] = round(time.perf_counter() - measured, 2)
            drop, sqnr, ok, why = _quality(checks, budget)
            entry.update(drop=drop, sqnr_db=sqnr,
                         top1_agreement=(checks["validation"]["outputs"] or [{}])[0].get("top1_agreement"))
            entry["outcome"] = "meets the gate" if ok else f"lost: {why}"
            if ok:
                entry["chosen"] = True
                chosen = (rung, entry, data)
            elif best_failed is None or (drop if drop is not None else 1.0) < best_failed[0]:
                best_failed = (drop if drop is not None else 1.0, rung, entry, data)
    candidates = [entry for _, entry, _ in built]
    for entry in candidates:
        entry.pop("path", None)
    passed = chosen is not None
    if chosen is None:
        if best_failed is None:
            raise UnsupportedModelError(f"{source.path}: recipe='auto' could not build any candidate: "
                                        + "; ".join(c["outcome"] for c in candidates), path=str(source.path),
                                        params=("recipe",))
        chosen = best_failed[1:]
        chosen[1]["chosen"] = True
    rung, entry, data = chosen
    options.quantize = rung.mode
    options.io = options.io if rung.mode == "int8" else ("float" if rung.mode == "int16x8" else None)
    float_size = next(c["size_bytes"] for c in candidates if c["quantize"] == "none")
    verdict = _verdict(rung, passed, len(data), float_size, budget, options.objective)
    return data, {"objective": options.objective, "max_accuracy_drop": budget, "target_device": options.target_device,
                  "gate_basis": _basis(evaluation), "chosen": rung.name, "passed": passed,
                  "kept_float": describe_kept(calibrated.ops, _kept_tensors(rung), []),
                  "float32_size_bytes": float_size, "size_ratio_vs_float32": round(float_size / len(data), 3),
                  "candidates": candidates, "verdict": verdict, "time_s": round(time.perf_counter() - started, 2)}


def _basis(evaluation: Dataset) -> str:
    if evaluation.labels is not None:
        return f"accuracy drop on {len(evaluation)} labelled samples ({evaluation.origin})"
    return (f"top-1 disagreement with the source (or SQNR >= {MIN_SQNR_DB:g} dB) on {len(evaluation)} samples "
            f"({evaluation.origin}, no labels)")


def _verdict(rung: Rung, passed: bool, size: int, float_size: int, budget: float, objective: str) -> str:
    ratio = float_size / size if size else 0.0
    if passed:
        best = "smallest" if objective == "size" else "fastest"
        return (f"chose {rung.name}: the {best} candidate that keeps the drop within {budget * 100:.2f} points, "
                f"{ratio:.2f}x smaller than float32")
    return (f"no candidate keeps the drop within {budget * 100:.2f} points; wrote the closest, {rung.name} "
            f"({ratio:.2f}x smaller than float32), and the gate fails")


def search_gate(checks: dict[str, Any], search: dict[str, Any]) -> None:
    """The published artifact's gate is the search's: passed when the chosen candidate met the budget."""
    gate = checks["gate"]
    gate["max_accuracy_drop"] = search["max_accuracy_drop"]
    gate["basis"] = search["gate_basis"]
    if not search["passed"]:
        gate["failures"].append(search["verdict"])
    gate["passed"] = not gate["failures"]
