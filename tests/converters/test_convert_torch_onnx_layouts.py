"""The ONNX path on what real exporters produce: tf2onnx channels-last inputs, torch.onnx.export
(dynamo and legacy) with dynamic batch and dynamic sequence length, fixed with --input-shape.

The ONNX files are made here by the real exporters (tf2onnx 1.17 from a Keras model, in a child
process so this process never imports TensorFlow; torch.onnx.export from tests/torch_models.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_sdk.core.hashing import file_sha256

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]

_TF2ONNX = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, tensorflow as tf, tf2onnx
channels, out = int(sys.argv[1]), sys.argv[2]
keras.utils.set_random_seed(0)
x = keras.Input((76, 32, channels), name="audio")
y = keras.layers.Conv2D(8, 3, activation="relu")(x)
y = keras.layers.DepthwiseConv2D(3, padding="same")(y)
y = keras.layers.GlobalAveragePooling2D()(y)
model = keras.Model(x, keras.layers.Dense(4)(y))
spec = (tf.TensorSpec((None, 76, 32, channels), tf.float32, name="audio"),)
function = tf.function(lambda audio: model(audio), input_signature=spec)
tf2onnx.convert.from_function(function, input_signature=spec, opset=13, output_path=out)
'''


def cli(*args: object, cache: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", EDGE_SDK_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=900, check=False)


@pytest.fixture(scope="module")
def tf2onnx_models(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Channels-last [N, 76, 32, C] audio models: C=1 (tf2onnx emits a Reshape to NCHW), C=3 (a Transpose)."""
    pytest.importorskip("tf2onnx", reason="tf2onnx (requirements.txt) is not installed")
    folder = tmp_path_factory.mktemp("tf2onnx")
    models = {}
    for channels in (1, 3):
        path = folder / f"audio_nhwc_c{channels}.onnx"
        done = subprocess.run([sys.executable, "-c", _TF2ONNX, str(channels), str(path)], capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0 and path.exists(), done.stderr[-2000:]
        models[channels] = path
    return models


@pytest.mark.parametrize("channels, node", [(1, "Reshape"), (3, "Transpose")])
def test_tf2onnx_channels_last_input_is_kept_and_converts(tf2onnx_models: dict[int, Path], tmp_path: Path,
                                                         channels: int, node: str) -> None:
    source = tf2onnx_models[channels]
    before = file_sha256(source)
    x = np.random.default_rng(0).uniform(-1, 1, (6, 76, 32, channels)).astype(np.float32)
    np.savez(tmp_path / "eval.npz", x=x)
    out = tmp_path / "audio.tflite"
    done = cli(source, "-o", out, "--eval-data", tmp_path / "eval.npz", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(Path(str(out) + ".json").read_text())
    assert manifest["source"]["inputs"][0]["shape"] == [None, 76, 32, channels]
    assert manifest["output"]["inputs"][0]["shape"] == [1, 76, 32, channels]  # not transposed a second time
    assert any("already channels-last" in note and node in note for note in manifest["layout"]), manifest["layout"]
    assert manifest["validation"]["outputs"][0]["max_abs_error"] < 1e-4
    assert file_sha256(source) == before


def _export(kind: str, path: Path) -> None:
    """KeywordConv1d with a dynamic batch and a dynamic number of frames, from either exporter."""
    import torch

    sys.path.insert(0, str(TESTS))
    from torch_models import kws_conv1d

    example = torch.zeros(2, 40, 49)
    if kind == "legacy":
        torch.onnx.export(kws_conv1d(), (example,), path, dynamo=False, input_names=["mfcc"], opset_version=17,
                          dynamic_axes={"mfcc": {0: "batch", 2: "frames"}})
    else:
        dims = {"mfcc": {0: torch.export.Dim("batch", max=64), 2: torch.export.Dim("frames", min=8, max=512)}}
        torch.onnx.export(kws_conv1d(), (example,), path, dynamo=True, input_names=["mfcc"], dynamic_shapes=dims)


@pytest.mark.parametrize("exporter", ["legacy", "dynamo"])
def test_torch_onnx_export_dynamic_batch_and_sequence(tmp_path: Path, exporter: str) -> None:
    pytest.importorskip("torch", reason="the edge-sdk[torch] extra is not installed")
    source = tmp_path / f"kws_{exporter}.onnx"
    _export(exporter, source)
    out = tmp_path / "kws.tflite"
    done = cli(source, "-o", out, cache=tmp_path / "cache")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--input-shape mfcc:1," in done.stderr and "dynamic sizes" in done.stderr  # the real cause, and the fix
    assert "Traceback" not in done.stderr and not out.exists()
    done = cli(source, "-o", out, "--input-shape", "mfcc:1,40,49", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(Path(str(out) + ".json").read_text())
    assert manifest["steps"][0]["settings"]["input_shapes"] == {"mfcc": [1, 40, 49]}
    assert manifest["source"]["inputs"][0]["shape"] == [None, 40, 49]  # the frames size fixed for the data
    assert manifest["output"]["inputs"][0]["shape"] == [1, 49, 40]
    assert manifest["validation"]["outputs"][0]["max_abs_error"] < 1e-4
