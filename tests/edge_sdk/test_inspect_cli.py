"""``edge-sdk inspect`` as a user runs it: output, JSON document, exit codes, bad input, no TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_sdk.graph.synth import Tensor, single_op


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge_sdk", "inspect", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))


def test_text_summary_and_op_table(kws_tflite):
    run = _cli(str(kws_tflite))
    assert run.returncode == 0, run.stderr
    for expected in ("precision    int8-float-io", "MACs         2.66 M", "DEPTHWISE_CONV_2D", "runtimes",
                     "tflite-runtime-2.14  loads", "xnnpack", "SOFTMAX: computes in int8"):
        assert expected in run.stdout, expected


def test_json_document_and_output_file(kws_tflite, tmp_path):
    target = tmp_path / "out" / "kws.inspect.json"
    run = _cli(str(kws_tflite), "--json", "-o", str(target))
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["schema"] == "edge-sdk/inspect" and document["params"] == 22604
    assert json.loads(target.read_text())["sha256"] == document["sha256"]


def test_unresolved_custom_op_is_reported_in_full_then_exits_2(tmp_path):
    """The issue's bad-input case: the report is complete, the exit code says it cannot run."""
    model = tmp_path / "custom.tflite"
    model.write_bytes(single_op("MyAppPostProcess", [Tensor([1, 10, 4]), Tensor([1, 10, 3])],
                                [Tensor([1, 5, 4])], custom=True))
    run = _cli(str(model), "--json")
    assert run.returncode == 2
    document = json.loads(run.stdout)
    assert document["custom_ops"] == document["unresolved_ops"] == ["MyAppPostProcess"]
    assert not any(v["loadable"] for v in document["compatibility"]["runtimes"].values())
    assert str(model) in run.stderr and "MyAppPostProcess" in run.stderr and "Traceback" not in run.stderr
    text = _cli(str(model))
    assert text.returncode == 2 and "WARNING" in text.stdout


def test_stock_custom_op_ssd_head_loads_everywhere(tmp_path):
    """TFLite_Detection_PostProcess is a custom op every stock runtime registers: SSD models load."""
    from tools.custom_op_models import detection_postprocess

    model = tmp_path / "ssd_head.tflite"
    model.write_bytes(detection_postprocess())
    run = _cli(str(model), "--json")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["custom_ops"] == ["TFLite_Detection_PostProcess"] and document["unresolved_ops"] == []
    assert all(v["loadable"] for v in document["compatibility"]["runtimes"].values())
    assert document["compatibility"]["delegates"]["tflm"]["all_supported"]


def _bad_inputs(tmp: Path, real: Path, onnx_bytes: bytes) -> dict[str, tuple[Path, str]]:
    data = real.read_bytes()
    cases = {
        "missing": (tmp / "nope.tflite", "no such file"),
        "directory": (tmp, "is a directory"),
        "empty": (tmp / "empty.tflite", "empty"),
        "random": (tmp / "random.tflite", "not a TFLite model"),
        "truncated": (tmp / "truncated.tflite", "truncated"),
        "wrong identifier": (tmp / "wrongid.tflite", "identifier"),
        "onnx": (tmp / "model.onnx", "ONNX"),
        "keras h5": (tmp / "model.h5", "Keras"),
        "json": (tmp / "report.tflite", "JSON"),
    }
    cases["empty"][0].write_bytes(b"")
    cases["random"][0].write_bytes(np.random.default_rng(0).bytes(4096))
    cases["truncated"][0].write_bytes(data[: len(data) // 3])
    cases["wrong identifier"][0].write_bytes(data[:4] + b"TFL2" + data[8:])
    cases["onnx"][0].write_bytes(onnx_bytes)
    cases["keras h5"][0].write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(512))
    cases["json"][0].write_text('{"schema": "edge-sdk/profile"}')
    return cases


@pytest.fixture(scope="module")
def onnx_bytes() -> bytes:
    import assets
    from assets import fetch

    return fetch(assets.orientation_onnx).read_bytes()[:65536]


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "random", "truncated", "wrong identifier",
                                  "onnx", "keras h5", "json"])
def test_bad_input_exits_2_with_one_clear_message(case, tmp_path, resnet8_tflite, onnx_bytes):
    path, cause = _bad_inputs(tmp_path, resnet8_tflite, onnx_bytes)[case]
    run = _cli(str(path))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert str(path) in run.stderr and cause.lower() in run.stderr.lower()
    with_json = _cli(str(path), "--json")
    assert with_json.returncode == 2 and json.loads(with_json.stdout)["path"] == str(path)


def test_inspect_and_help_never_import_tensorflow(kws_tflite):
    for args in (["inspect", str(kws_tflite), "--json"], ["--help"]):
        run = subprocess.run([sys.executable, "-X", "importtime", "-m", "edge_sdk", *args],
                             capture_output=True, text=True, timeout=120)
        imported = [line.split("|")[-1].strip() for line in run.stderr.splitlines() if "|" in line]
        assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras", "tf_keras")], args


def test_output_never_overwrites_the_model(kws_tflite, tmp_path):
    copy = tmp_path / "m.tflite"
    copy.write_bytes(kws_tflite.read_bytes())
    run = _cli(str(copy), "-o", str(copy))
    assert run.returncode == 2 and copy.read_bytes() == kws_tflite.read_bytes()
