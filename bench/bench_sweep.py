"""Benchmark of `edge-sdk sweep`: 1 worker vs all cores, and a warm re-run after one source changed.

    .venv/bin/python bench/bench_sweep.py [--models 4] [--host]

A sweep of 4 Keras models (small CNNs of four widths, written by a child process) x 4 recipes
(float32, fp16, dynamic-int8, int8 with calibration data) x 5 devices (two phones, two boards, an
MCU), labelled eval data so every artifact's accuracy drop is measured. Real conversions (one
TensorFlow child process each), real analysis and estimates; host measurement with ``--host``.
Figures, measured side by side in one run, each a fresh `edge-sdk sweep` process:

1. cold, embedded local Dask cluster with 1 worker, empty result store;
2. cold, embedded cluster with one worker per core, another empty store; ratio 1 / 2;
3. warm re-run of 2 after one model file changed: only that model's cells run; ratio 3 / 2.

The sweeps run a frozen copy of edge-sdk's packages (PYTHONPATH): content keys include the code
that converts and measures, so an edit of the working tree during the benchmark would rightly
make the warm run re-run everything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEVICES = ["pixel-7", "galaxy-a03s", "raspberry-pi-4", "raspberry-pi-5", "stm32h747"]
RECIPES = ["float32", "fp16", "dynamic-int8", "int8"]
MODELS_SCRIPT = """
import sys, numpy as np, keras
folder, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for index in range(count):
    keras.utils.set_random_seed(seed + index)
    width = 8 * (index + 1)
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(width, 3, activation="relu"),
                              keras.layers.MaxPooling2D(), keras.layers.Conv2D(2 * width, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10, activation="softmax")])
    model.save(f"{folder}/cnn{index}.keras")
rng = np.random.default_rng(0)
np.savez(f"{folder}/calib.npz", x=rng.random((32, 16, 16, 1), dtype=np.float32))
np.savez(f"{folder}/eval.npz", x=rng.random((64, 16, 16, 1), dtype=np.float32), y=rng.integers(0, 10, 64))
"""


def make_models(folder: Path, count: int, seed: int) -> None:
    folder.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", MODELS_SCRIPT, str(folder), str(count), str(seed)], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, capture_output=True)


PACKAGES = ("edge_sdk", "converters", "runtime_harness", "devices")


def snapshot(root: Path) -> Path:
    """A copy of the packages as they are now (see the module docstring)."""
    import shutil

    frozen = root / "code"
    for package in PACKAGES:
        shutil.copytree(REPO / package, frozen / package, ignore=shutil.ignore_patterns("__pycache__"))
    return frozen


def run_sweep(root: Path, out: str, store: str, workers: int) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(root / "code"), "EDGE_SDK_CACHE_DIR": str(root / "cache")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "sweep", "SWEEP.toml", "-o", out, "--store", store,
                           "--workers", str(workers), "--json"], cwd=root, env=env, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"sweep failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return wall, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=4)
    parser.add_argument("--host", action="store_true", help="also measure every artifact on this host")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
        root = Path(folder)
        snapshot(root)
        make_models(root / "models", args.models, seed=0)
        (root / "SWEEP.toml").write_text(
            f'models = ["models/*.keras"]\nrecipes = {json.dumps(RECIPES)}\ndevices = {json.dumps(DEVICES)}\n'
            f'calibration_data = "models/calib.npz"\neval_data = "models/eval.npz"\nhost = {str(args.host).lower()}\n'
            'host_time_limit = "1 s"\n')
        cells = args.models * len(RECIPES) * len(DEVICES)
        print(f"sweep: {args.models} models x {len(RECIPES)} recipes x {len(DEVICES)} devices = {cells} cells, "
              f"{args.models * len(RECIPES)} conversions; {cores} cores; host measurement {'on' if args.host else 'off'}")
        one, first = run_sweep(root, "out-1", "store-1", 1)
        print(f"  cold, 1 worker:        {one:7.1f} s  ({first['summary']['passed'] + first['summary']['budget_failed']}"
              f" cells done, {first['summary']['errors']} failed)")
        many, second = run_sweep(root, "out-n", "store-n", cores)
        print(f"  cold, {cores} workers:       {many:7.1f} s  (engine {second['engine']['kind']}, "
              f"{second['engine']['workers']} workers)")
        make_models(root / "changed", 1, seed=50)      # new weights for cnn0 (same architecture)
        os.replace(root / "changed" / "cnn0.keras", root / "models" / "cnn0.keras")
        warm, third = run_sweep(root, "out-warm", "store-n", cores)
        rerun = [c for c in third["cells"] if not c["cache_hit"] and c["status"] != "not-applicable"]
        print(f"  warm, one model changed: {warm:5.1f} s  ({len(rerun)} of {cells} cells ran, all of "
              f"{sorted({c['model'] for c in rerun})})")
        print(f"ratios: 1 worker / {cores} workers = {one / many:.2f}x;  warm re-run / cold = {warm / many:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
