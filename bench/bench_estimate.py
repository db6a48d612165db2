"""Benchmark of the device estimator: how wrong it is on published numbers, and how fast it is.

    .venv/bin/python bench/bench_estimate.py

Figures, measured in one run:

1. Leave-one-out over every profile's own calibration points (each point predicted by a fit that
   never saw it): the full table, the share within +-15%, the worst ratio; and leave-device-out
   (each device predicted with all of its points removed: the honest figure for a phone with no
   published numbers).
2. Estimate-only wall time for 5 real models on all device profiles: in process (analysis +
   estimate) and end to end (`edge-sdk profile MODEL --estimate-only --device ...` in a fresh
   process), with the held-out cache cold and warm.
3. The memory and latency models against this host, measured in the same run (`profile --device
   host`: a real LiteRT measurement and the estimate for the detected host profile, whose x86
   family has no calibration points, so the latency is the physical prior alone).

Models come from tests/assets.py (pinned PyPI wheels and cached Keras-application conversions).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import assets  # noqa: E402

from devices import list_profiles  # noqa: E402
from edge_sdk.core.table import render_table  # noqa: E402
from runtime_harness.estimator import estimate  # noqa: E402
from runtime_harness.estimator.calibration import build_calibration  # noqa: E402
from runtime_harness.estimator.fitting import point_kernels  # noqa: E402


def models() -> list[Path]:
    return [assets.sine_model(), assets.mltk_model("image_classification"), assets.mltk_model("keyword_spotting"),
            assets.keras_application_tflite("MobileNetV2", 224, "float32"),
            assets.keras_application_tflite("MobileNetV2", 224, "int8")]


def held_out_report() -> None:
    t0 = time.perf_counter()
    calibration = build_calibration(list_profiles(), held_out_cache=False)
    seconds = time.perf_counter() - t0
    rows = [[h.device, h.model, h.precision, h.threads, f"{h.measured_ms:g}", f"{h.predicted_ms:.3g}",
             f"{h.error * 100:+.0f}%", "" if abs(h.error) <= 0.15 else "*"] for h in calibration.loo]
    print("== leave-one-out over the profiles' published calibration points (* = outside +-15%)")
    print(render_table(["device", "model", "precision", "threads", "measured ms", "predicted ms", "error", ""],
                       rows, right_align=[3, 4, 5, 6]))
    for name, held in (("leave-one-out", calibration.loo), ("leave-device-out", calibration.lodo)):
        errors = [h.error for h in held]
        within = sum(abs(e) <= 0.15 for e in errors)
        worst = max(max(1 + e, 1 / (1 + e)) for e in errors)
        median = statistics.median(abs(e) for e in errors)
        print(f"{name:>17}: {within}/{len(errors)} points within +-15% ({within / len(errors):.0%}), "
              f"median |error| {median:.0%}, worst ratio {worst:.2f}x")
    by_family: dict[str, list[float]] = {}
    family_of = {p.id: p.family for p in list_profiles()}
    for h in calibration.loo:
        by_family.setdefault(family_of[h.device], []).append(abs(h.error))
    kernels = {(p.id, c.model, c.precision, c.threads, c.latency_ms): point_kernels(c)
               for p in list_profiles() for c in p.calibration}
    for h in calibration.loo:
        key = f"kernels {kernels[(h.device, h.model, h.precision, h.threads, h.measured_ms)]}"
        by_family.setdefault(key, []).append(abs(h.error))
    for family, errs in by_family.items():
        print(f"{family:>26}: {sum(e <= 0.15 for e in errs)}/{len(errs)} within +-15%")
    print(f"(fit + {2 * len(calibration.loo)} held-out refits: {seconds:.2f} s, cached on disk afterwards)\n")


def _cli(model: Path, device_ids: list[str], env: dict[str, str]) -> float:
    args = [sys.executable, "-m", "edge_sdk", "profile", str(model), "--estimate-only", "--json"]
    for device_id in device_ids:
        args += ["--device", device_id]
    t0 = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - t0
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{model.name}: exit {result.returncode}: {result.stderr[-500:]}")
    return elapsed


def timing_report() -> None:
    from edge_sdk.graph import analyze

    profiles = list_profiles()
    ids = [p.id for p in profiles]
    paths = models()
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        cold_env = dict(os.environ, EDGE_SDK_CACHE=cache)
        for index, path in enumerate(paths):
            t0 = time.perf_counter()
            graph = analyze(path)
            results = [estimate(graph, p) for p in profiles]
            in_process = time.perf_counter() - t0
            cold = _cli(path, ids, cold_env) if index == 0 else math.nan  # first run fills the cache
            warm = statistics.median(_cli(path, ids, cold_env) for _ in range(3))
            fastest = min(results, key=lambda r: r["latency_ms"]["p50"])
            rows.append([path.name, len(profiles), f"{in_process * 1000:.1f} ms",
                         "-" if math.isnan(cold) else f"{cold:.2f} s", f"{warm:.2f} s",
                         f"{fastest['device']} {fastest['latency_ms']['p50']:.3g} ms"])
    print(f"== estimate-only profile of {len(paths)} real models on all {len(ids)} device profiles")
    print(render_table(["model", "devices", "in process", "CLI cold cache", "CLI warm (median of 3)", "fastest device"],
                       rows, right_align=[1, 2, 3, 4]))
    print("in process = edge_sdk.graph.analyze + estimate() on every device; CLI = a fresh `edge-sdk profile "
          "--estimate-only` process (Python start-up and imports included)")


def host_check_report() -> None:
    import json

    rows = []
    for path in models()[3:]:
        args = [sys.executable, "-m", "edge_sdk", "profile", str(path), "--device", "host", "--threads", "1",
                "--min-time", "1", "--json"]
        result = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
        if result.returncode != 0:
            print(f"{path.name}: host measurement failed ({result.stderr.strip()[-200:]})")
            continue
        by_source = {r["source"]: r for r in json.loads(result.stdout)["results"]}
        measured, estimated = by_source["measured"], by_source["estimated"]
        rows.append([path.name, f"{measured['latency_ms']['p50']:.2f}", f"{estimated['latency_ms']['p50']:.2f}",
                     f"{estimated['latency_ms']['p50'] / measured['latency_ms']['p50']:.2f}",
                     f"{measured['memory']['peak_bytes'] / 1e6:.1f}", f"{estimated['memory']['model_bytes'] / 1e6:.1f}",
                     f"{estimated['memory']['model_bytes'] / measured['memory']['peak_bytes']:.2f}"])
    print("\n== estimate vs measurement on this host (1 thread; memory = peak RSS above the post-import baseline)")
    print(render_table(["model", "measured p50 ms", "estimated ms", "ratio", "measured MB", "estimated MB", "ratio"],
                       rows, right_align=[1, 2, 3, 4, 5, 6]))


if __name__ == "__main__":
    held_out_report()
    timing_report()
    host_check_report()
