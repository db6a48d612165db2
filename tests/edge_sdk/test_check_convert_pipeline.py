"""convert -> check, for real: the accuracy drop a check gates on is the one the converter measured.

A small CNN is trained for one epoch on real MNIST digits (tests/assets.py) and converted to full
int8 by `edge-sdk convert` with labelled evaluation data, all in child processes (TensorFlow never
enters the test process). The check then reads the manifest the converter wrote beside the model.
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
from edge_sdk.budgets import check

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]

TRAIN = r'''
import os, sys, numpy as np
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
data = np.load(sys.argv[1])
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                          keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(data["x"], data["y"], epochs=1, batch_size=32, verbose=0)
model.save(sys.argv[2])
'''


def test_accuracy_drop_from_a_real_conversion_gates_the_model(tmp_path, monkeypatch):
    x, y = fetch(assets.mnist_5k)
    x = (x.astype("float32") / 255.0)[..., None]
    order = np.random.default_rng(0).permutation(len(x))  # the file is sorted by digit: 0-5 train, 8 eval
    x, y = x[order], y[order]
    np.savez(tmp_path / "train.npz", x=x[:3000], y=y[:3000])
    np.savez(tmp_path / "eval.npz", x=x[4000:4500], y=y[4000:4500])
    np.savez(tmp_path / "calib.npz", x=x[:100])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", TRAIN, str(tmp_path / "train.npz"), str(tmp_path / "cnn.keras")],
                   check=True, env=env, capture_output=True, timeout=300)
    (tmp_path / "build").mkdir()
    model = tmp_path / "build" / "cnn_int8.tflite"
    converted = subprocess.run(
        [sys.executable, "-m", "edge_sdk", "convert", str(tmp_path / "cnn.keras"), "-o", str(model),
         "--recipe", "int8", "--calibration-data", str(tmp_path / "calib.npz"),
         "--eval-data", str(tmp_path / "eval.npz")], env=env, capture_output=True, text=True, timeout=600)
    assert converted.returncode == 0, converted.stderr[-3000:]
    manifest = json.loads(model.with_name(model.name + ".json").read_text())
    drop = manifest["validation"]["accuracy"]["drop"]
    assert manifest["validation"]["accuracy"]["source"] > 0.8  # a real classifier: a drop of 0% -> 0% tells nothing

    (tmp_path / ".git").mkdir()
    (tmp_path / "edge-budget.toml").write_text(
        '[[check]]\nname = "mcu"\nmodels = ["build/*.tflite"]\naccuracy_drop = "2%"\n'
        'precisions = ["int8"]\ndelegates = ["tflm"]\nsize = "64 kB"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDGE_SDK_CACHE_DIR", raising=False)
    result = check()
    verdicts = {v.metric: v for v in result.verdicts}
    accuracy = verdicts["accuracy_drop"]
    assert accuracy.actual == pytest.approx(drop) and "500 labelled samples" in accuracy.how
    assert accuracy.status == ("pass" if drop <= 0.02 else "fail")
    assert verdicts["precisions"].actual == "int8" and verdicts["precisions"].status == "pass"
    assert verdicts["size"].actual == model.stat().st_size == manifest["output"]["size_bytes"]
