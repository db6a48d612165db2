"""Benchmark of the device estimator: how wrong it is on published numbers, and how fast it is.

    .venv/bin/python bench/bench_estimate.py

Figures, measured in one run:

1. Leave-one-source-out (every point of one publication removed together, the family refitted,
   each removed point predicted) and leave-device-out (all of a device's points removed): the full
   tables; per device class (phones/boards, MCUs) the share within +-15%, the worst ratio, and the
   coverage of the printed error band, in sample and nested (the band recomputed without the
   point's own source); the band of every situation. Then the MCU power model against published
   measured energies, each publication left out, and the end-to-end energy error.
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
from runtime_harness.estimator.calibration import Calibration, build_calibration  # noqa: E402
from runtime_harness.estimator.energy import UNVALIDATED_POWER_BAND, power_bands, validate_power  # noqa: E402
from runtime_harness.estimator.validation import SITUATION_TEXT, HeldOut, coverage, nested_coverage  # noqa: E402


def models() -> list[Path]:
    return [assets.sine_model(), assets.mltk_model("image_classification"), assets.mltk_model("keyword_spotting"),
            assets.keras_application_tflite("MobileNetV2", 224, "float32"),
            assets.keras_application_tflite("MobileNetV2", 224, "int8")]


FAMILIES = (("a-profile", "phones/boards"), ("m-profile", "MCUs"))


def _summary(held: list[HeldOut], calibration: Calibration, family: str) -> list[str]:
    """One row: points, share within +-15%, median error, worst ratio, coverage of the printed band
    (in sample) and of a band computed without the point's own source (nested: what to expect)."""
    mine = [h for h in held if h.family == family]
    if not mine:
        return ["0", "-", "-", "-", "-", "-"]
    within = sum(abs(h.error) <= 0.15 for h in mine)
    bands = {family: calibration.bands(family)}
    return [str(len(mine)), f"{within}/{len(mine)} ({within / len(mine):.0%})",
            f"{statistics.median(abs(h.error) for h in mine):.0%}", f"{max(h.ratio for h in mine):.2f}x",
            f"{coverage(mine, bands):.0%}", f"{nested_coverage(mine):.0%}"]


def held_out_report() -> None:
    t0 = time.perf_counter()
    calibration = build_calibration(list_profiles(), held_out_cache=False)
    seconds = time.perf_counter() - t0
    for mode, held in (("leave-one-source-out", calibration.loso), ("leave-device-out", calibration.lodo)):
        rows = [[h.device, h.model, h.precision, h.threads, h.kernels, f"{h.measured_ms:g}", f"{h.predicted_ms:.3g}",
                 f"{h.error * 100:+.0f}%", h.situation, "" if abs(h.error) <= 0.15 else "*"] for h in held]
        print(f"== {mode} over the profiles' published calibration points (* = outside +-15%)")
        print(render_table(["device", "model", "precision", "threads", "kernels", "measured ms", "predicted ms",
                            "error", "situation", ""], rows, right_align=[3, 5, 6, 7]))
        print()
    print("== summary: share within +-15%, worst ratio, coverage of the printed band (in sample / nested: band "
          "computed without the point's own source)")
    rows = []
    for family, label in FAMILIES:
        for mode, held in (("leave-one-source-out", calibration.loso), ("leave-device-out", calibration.lodo)):
            rows.append([label, mode, *_summary(held, calibration, family)])
    print(render_table(["devices", "validation", "points", "within +-15%", "median |error|", "worst",
                        "band coverage", "nested coverage"], rows, right_align=[2, 3, 4, 5, 6, 7]))
    print("\n== the band printed on an estimate, per situation (80th percentile of |held-out error|, both validations)")
    rows = []
    for family, label in FAMILIES:
        held = [h for h in calibration.held if h.family == family]
        for name, (band, count) in calibration.bands(family).items():
            own = [h for h in held if h.situation == name]
            inside = sum(abs(math.log1p(h.error)) <= math.log1p(band / 100) for h in own)
            rows.append([label, name, f"+-{band:g}%", count, f"{inside}/{len(own)}" if own else "-",
                         SITUATION_TEXT[name]])
    print(render_table(["devices", "situation", "band", "errors behind it", "covered", "meaning"], rows,
                       right_align=[2, 3, 4]))
    by_kernels: dict[str, list[float]] = {}
    for h in calibration.loso:
        by_kernels.setdefault(f"{h.family} kernels {h.kernels}", []).append(abs(h.error))
    for key, errs in sorted(by_kernels.items()):
        print(f"{key:>36}: {sum(e <= 0.15 for e in errs)}/{len(errs)} within +-15% (leave-one-source-out)")
    print(f"(fits + held-out refits: {seconds:.2f} s, cached on disk afterwards)\n")


def energy_report() -> None:
    """The power model judged on published measured energies, leaving each publication out; the
    end-to-end energy error multiplies it with the leave-one-source-out latency of the same point."""
    calibration = build_calibration(list_profiles(), held_out_cache=False)
    checks = validate_power(list_profiles())
    latency = {(h.device, h.model): h for h in calibration.loso}
    rows = []
    for c in checks:
        held = latency.get((c.device, c.model))
        e2e = (1 + c.error) * (held.predicted_ms / held.measured_ms) - 1 if held else None
        rows.append([c.device, c.model, f"{c.supply_v:g} V", c.situation, f"{c.measured_mw:.1f}", f"{c.predicted_mw:.1f}",
                     f"{c.error * 100:+.0f}%", "-" if e2e is None else f"{e2e * 100:+.0f}%", c.dataset[:44]])
    print("== MCU board power predicted without its own publication (energy = power x latency; end to end = with "
          "the leave-one-source-out latency)")
    print(render_table(["device", "model", "supply", "situation", "measured mW", "predicted mW", "power error",
                        "energy error", "publication"], rows, right_align=[4, 5, 6, 7]))
    for situation, (band, _count) in power_bands().items():
        mine = [c for c in checks if c.situation == situation]
        within = sum(abs(c.error) <= 0.15 for c in mine)
        inside = sum(abs(math.log1p(c.error)) <= math.log1p(band / 100) for c in mine)
        print(f"  MCU power, {situation:>6}: {within}/{len(mine)} within +-15%, band +-{band:g}% covers "
              f"{inside}/{len(mine)}, worst {max(max(1 + c.error, 1 / (1 + c.error)) for c in mine):.2f}x")
    print("  phones/boards: no published measured energy per inference with a stated setup: the power model is "
          f"not validated, its band is +-{UNVALIDATED_POWER_BAND:g}% on power (order of magnitude)\n")


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
        cold_env = dict(os.environ, EDGE_SDK_CACHE_DIR=cache)
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
    energy_report()
    timing_report()
    host_check_report()
