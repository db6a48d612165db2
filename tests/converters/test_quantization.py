"""Accuracy-aware int8 on a model built to have one bad op: the per-op report, keep-float, recipe auto.

``conv_bad`` carries one huge outlier weight: per-channel int8 crushes the other weights of its
channel and its output range, so it must be named first, keeping it float must repair the output,
and ``--recipe auto`` must walk past full int8 to "int8, 1 op float". Real TensorFlow conversion
and real LiteRT runs; the model is tiny (16x16 inputs) so each CLI call takes a few seconds.
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


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    import keras

    folder = tmp_path_factory.mktemp("bad_op")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3), name="img")
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv_a")(inputs)
    x = keras.layers.Conv2D(8, 3, name="conv_bad")(x)
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv_c")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inputs, keras.layers.Dense(4, name="head")(x))
    kernel, bias = model.get_layer("conv_bad").get_weights()
    kernel[0, 0, 0, 0] = 5000.0  # the outlier
    model.get_layer("conv_bad").set_weights([kernel, bias])
    model.save(folder / "bad.keras")
    rng = np.random.default_rng(0)
    np.savez(folder / "calib.npz", x=rng.uniform(0, 1, (64, 16, 16, 3)).astype(np.float32))
    return {"dir": folder, "model": folder / "bad.keras", "calib": folder / "calib.npz"}


def cli(*args: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "edge_sdk", "convert", *map(str, args)], check=False,
                          capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def reported(bad) -> dict:
    """One int8 conversion with --quant-report, shared by the report tests."""
    before = file_sha256(bad["model"])
    out = bad["dir"] / "int8.tflite"
    done = cli(bad["model"], "-o", out, "--recipe", "int8-float-io", "--calibration-data", bad["calib"],
               "--quant-report")
    assert done.returncode == 0, done.stderr
    assert file_sha256(bad["model"]) == before
    return {"stdout": done.stdout, "stderr": done.stderr, "manifest": json.loads(Path(f"{out}.json").read_text()),
            "report": json.loads(Path(f"{out}.quant.json").read_text())}


def test_the_report_names_the_bad_op_first_with_its_figures(reported) -> None:
    ops = reported["report"]["ops"]
    assert ops[0]["name"] == "conv_bad" and ops[0]["type"] == "CONV_2D"
    first = ops[0]["float_alone"]
    assert first["error_share"] > 0.5
    assert first["output_sqnr_db"] > reported["report"]["full_int8_output_sqnr_db"] + 6
    assert all(o["float_alone"] is None or o["float_alone"]["error_share"] <= first["error_share"] for o in ops)
    assert ops[0]["local"]["scale"] > 10 * min(o["local"]["scale"] for o in ops)  # the outlier's range
    assert {o["name"] for o in ops} >= {"conv_a", "conv_bad", "conv_c", "head"}  # Keras layer names recovered
    assert reported["manifest"]["quantization"]["report"]["ops"][0]["name"] == "conv_bad"
    assert "conv_bad" in reported["report"]["summary"] and "% of the output error" in reported["report"]["summary"]
    assert reported["report"]["summary"] in reported["stdout"]


def test_poor_parity_is_warned_without_a_gate(reported) -> None:
    assert reported["manifest"]["gate"]["passed"]
    assert reported["manifest"]["warnings"] and reported["manifest"]["warnings"][0]["kind"] == "poor-parity"
    assert "warning: poor parity" in reported["stderr"] and "--recipe auto" in reported["stderr"]


def test_keep_float_repairs_the_output_and_the_op_really_is_float(bad, reported) -> None:
    from converters import convert  # the library call (the CLI maps --keep-float onto it)

    out = bad["dir"] / "kept.tflite"
    manifest = convert(bad["model"], out, recipe="int8-float-io", calibration_data=str(bad["calib"]),
                       keep_float=["conv_bad", "conv_c"])
    assert {k["name"] for k in manifest["quantization"]["kept_float"]} == {"conv_bad", "conv_c"}
    full = reported["manifest"]["validation"]["outputs"][0]["sqnr_db"]
    assert manifest["validation"]["outputs"][0]["sqnr_db"] > full + 6
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(out))
    types = {d["name"]: d["dtype"] for d in interp.get_tensor_details()}
    assert any("conv_bad" in name and dtype == np.float32 for name, dtype in types.items())
    assert any("conv_a" in name and dtype == np.int8 for name, dtype in types.items())


def test_keep_16x8_keeps_the_bad_op_integer_at_16_bit_activations(bad, reported) -> None:
    from converters import convert

    out = bad["dir"] / "k16.tflite"
    manifest = convert(bad["model"], out, recipe="int8", calibration_data=str(bad["calib"]), keep_16x8="conv_bad")
    assert [k["name"] for k in manifest["quantization"]["kept_16x8"]] == ["conv_bad"]
    assert manifest["validation"]["outputs"][0]["sqnr_db"] > reported["manifest"]["validation"]["outputs"][0]["sqnr_db"] + 6
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_path=str(out),
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    outputs = [(op["op_name"], np.dtype(interp._get_tensor_details(op["outputs"][0], 0)["dtype"]))  # noqa: SLF001
               for op in interp._get_ops_details()]  # noqa: SLF001
    assert ("CONV_2D", np.dtype(np.int16)) in outputs and outputs.count(("CONV_2D", np.dtype(np.int8))) == 2
    assert all(dtype != np.float32 for _, dtype in outputs)  # integer everywhere


@pytest.mark.parametrize("args, fragment", [
    (["--recipe", "int8", "--keep-float", "conv_bda"], "did you mean 'conv_bad'"),
    (["--recipe", "fp16", "--keep-float", "conv_bad"], "--keep-float keeps ops in float inside a full-int8 model"),
    (["--recipe", "auto", "--max-accuracy-drop", "1%"], "--recipe auto measures int8 candidates"),
    (["--recipe", "auto", "--calibration-data", "CALIB"], "add --max-accuracy-drop"),
    (["--recipe", "dynamic-int8", "--quant-report"], "--quant-report measures"),
    (["--recipe", "fp16", "--keep-16x8", "conv_bad"], "--keep-16x8 gives chosen ops int16 activations"),
])
def test_bad_requests_exit_2_naming_the_option(bad, tmp_path: Path, args: list[str], fragment: str) -> None:
    args = [str(bad["calib"]) if a == "CALIB" else a for a in args]
    if "--keep-float" in args and args[1] == "int8":
        args += ["--calibration-data", str(bad["calib"])]
    done = cli(bad["model"], "-o", tmp_path / "x.tflite", *args)
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.tflite").exists()


def test_recipe_auto_measures_smallest_first_and_keeps_the_table(bad) -> None:
    out = bad["dir"] / "auto.tflite"
    done = cli(bad["model"], "-o", out, "--recipe", "auto", "--max-accuracy-drop", "2%",
               "--calibration-data", bad["calib"], "--target-device", "pixel-4")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(Path(f"{out}.json").read_text())
    search = manifest["quantization"]["search"]
    table = {c["name"]: c for c in search["candidates"]}
    assert set(table) >= {"int8", "int8, 1 op float", "int16x8", "dynamic-range int8", "fp16", "float32"}
    assert all(c["size_bytes"] > 0 and c["latency_ms"] > 0 and c["gzip_size_bytes"] < c["size_bytes"]
               for c in table.values())
    assert table["int8"]["outcome"].startswith("lost: top-1 disagreement")  # smallest, measured first, fails
    chosen = table[search["chosen"]]
    assert chosen["chosen"] and chosen["outcome"] == "meets the gate" and manifest["gate"]["passed"]
    measured = [c for c in table.values() if "measure_s" in c]
    assert chosen["size_bytes"] == min(c["size_bytes"] for c in table.values() if c is not table["int8"])
    assert all(c["outcome"].startswith("not measured") for c in table.values() if c not in measured)
    assert manifest["output"]["size_bytes"] == chosen["size_bytes"]
    assert search["size_ratio_vs_float32"] == round(search["float32_size_bytes"] / chosen["size_bytes"], 3)
    assert f"recipe auto: chose {search['chosen']}" in done.stdout


def test_recipe_auto_for_latency_keeps_the_bad_op_float(bad, tmp_path: Path) -> None:
    # no estimate: the latency ladder (int8 variants before int16x8, which has no XNNPACK kernels)
    from converters import convert

    search = convert(bad["model"], tmp_path / "fast.tflite", recipe="auto", max_accuracy_drop="2%",
                     objective="latency", calibration_data=str(bad["calib"]))["quantization"]["search"]
    assert search["chosen"] == "int8, 1 op float" and search["kept_float"][0]["name"] == "conv_bad"


def test_the_html_report_draws_the_search_and_the_op_table(bad) -> None:
    out = bad["dir"] / "auto.tflite"  # written by the auto test above (same module, same order)
    if not Path(f"{out}.json").exists():
        pytest.skip("needs test_recipe_auto_walks_past_int8_and_keeps_the_table")
    from edge_sdk.reporting.loading import LoadedDocument
    from edge_sdk.reporting.page import render_page

    manifest = json.loads(Path(f"{out}.json").read_text())
    page = render_page([LoadedDocument("convert", manifest, str(out) + ".json")])
    section = page[page.index('id="quantization"'):]
    assert 'data-chart="quant-size"' in section and 'data-chart="quant-latency"' in section
    assert "(chosen)" in section and "int8, 1 op float" in section
    assert "conv_bad" in section and manifest["quantization"]["report"]["summary"] in section.replace("&#x27;", "'")


def test_on_a_real_model_the_op_named_first_is_the_one_whose_float_copy_helps_most(tmp_path: Path) -> None:
    """MLPerf Tiny ResNet-8 (the publisher's float Keras 2 .h5), calibrated on real photo crops."""
    import assets
    from assets import fetch

    from converters import convert

    h5 = fetch(assets.mltk_model, "image_classification", ".h5")
    np.savez(tmp_path / "calib.npz", x=fetch(assets.photo_crops, 32) / np.float32(255.0))
    common = {"recipe": "int8-float-io", "calibration_data": str(tmp_path / "calib.npz")}
    full = convert(h5, tmp_path / "int8.tflite", quant_report=True, **common)
    report = json.loads((tmp_path / "int8.tflite.quant.json").read_text())
    measured = [op for op in report["ops"] if op["float_alone"] is not None]
    shares = [op["float_alone"]["error_share"] for op in measured]
    assert len(measured) >= 5 and shares == sorted(shares, reverse=True) and shares[0] > 0.05
    top = measured[0]
    assert top["float_alone"]["output_sqnr_db"] > report["full_int8_output_sqnr_db"]
    kept = convert(h5, tmp_path / "kept.tflite", keep_float=top["keep"], **common)
    assert {k["tensor"] for k in kept["quantization"]["kept_float"]} == set(top["keep"])
    assert kept["validation"]["outputs"][0]["sqnr_db"] > full["validation"]["outputs"][0]["sqnr_db"]
