"""Fast tests of `edge-sdk convert` flag resolution, recipes, dry-run and the cheap-import promise (no TensorFlow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from converters import plan, recipe_names, resolve_options
from converters.formats import detect_format
from edge_sdk.cli import main
from edge_sdk.cli.params import for_cli
from edge_sdk.core.errors import InputError, UnsupportedModelError, UsageError

TFLITE_HEAD = b"\x1c\x00\x00\x00TFL3" + b"\x00" * 24


@pytest.fixture()
def keras_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 not really a model, enough for flag resolution")
    return path


def test_every_recipe_resolves_to_a_consistent_plan(keras_file: Path, tmp_path: Path) -> None:
    (tmp_path / "calib.npz").write_bytes(b"")  # the search needs a real calibration file (only its path here)
    for name in recipe_names():
        options = resolve_options(keras_file, tmp_path / "out.tflite", recipe=name, calibration_data="random")\
            if name in {"int8", "int8-float-io", "int16x8", "prune-50-int8", "prune-80-int8", "sparse-2of4-int8",
                        "channels-50-int8"} else resolve_options(keras_file, tmp_path / "out.tflite", recipe=name)\
            if name != "auto" else resolve_options(keras_file, tmp_path / "out.tflite", recipe=name,
                                                   calibration_data=str(tmp_path / "calib.npz"), max_accuracy_drop="1%")
        steps = [s["name"] for s in options.plan()]
        assert steps[0] == "load" and steps[-1] == "validate", name
        assert ("prune" in steps) == (options.prune is not None), name


def test_flags_override_the_recipe(keras_file: Path, tmp_path: Path) -> None:
    options = resolve_options(keras_file, tmp_path / "o.tflite", recipe="prune-80-int8", prune="60%",
                              quantize="dynamic")
    assert options.prune == pytest.approx(0.6)
    assert options.quantize == "dynamic" and options.io is None  # the recipe's int8 I/O no longer applies


def test_int8_io_defaults_and_2of4_sparsity(keras_file: Path, tmp_path: Path) -> None:
    int8 = resolve_options(keras_file, tmp_path / "o.tflite", quantize="int8", calibration_data="random")
    assert int8.io == "int8"
    sixteen = resolve_options(keras_file, tmp_path / "o.tflite", quantize="int16x8", calibration_data="random")
    assert sixteen.io == "float"
    two_four = resolve_options(keras_file, tmp_path / "o.tflite", prune_structure="2:4")
    assert two_four.prune == 0.5


@pytest.mark.parametrize("options, fragment", [
    ({"quantize": "int8"}, "needs calibration data"),
    ({"quantize": "fp16", "io": "int8"}, "--io int8 applies only"),
    ({"quantize": "int16x8", "io": "int8", "calibration_data": "random"}, "cannot carry int16"),
    ({"prune": "1.5"}, "between 0 and 1"),
    ({"prune": 0.3, "prune_structure": "2:4"}, "50% by definition"),
    ({"epochs": 3}, "--fine-tune-data"),
    ({"fine_tune_data": "train.npz"}, "add --prune"),
    ({"max_accuracy_drop": "1%"}, "--eval-data"),
    ({"quantize": "dynamic", "calibration_data": "c.npz"}, "only used by"),
    ({"max_accuracy_drop": "5", "eval_data": "e.npz"}, "points"),
    ({"recipe": "int9"}, "did you mean 'int8'"),
    ({"quantise": "int8"}, "unknown convert option"),
])
def test_bad_options_are_refused_with_what_to_do(keras_file: Path, tmp_path: Path, options: dict, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_options(keras_file, tmp_path / "o.tflite", **options)
    assert fragment in str(for_cli(caught.value, "convert"))  # the library names parameters; the CLI, flags


def test_all_conflicts_are_reported_at_once(keras_file: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_options(keras_file, tmp_path / "o.tflite", quantize="int8", epochs=2, max_accuracy_drop="1%")
    message = str(caught.value)
    assert "calibration data" in message and "fine_tune_data=PATH" in message and "eval_data=PATH" in message
    message = str(for_cli(caught.value, "convert"))
    assert "calibration data" in message and "--fine-tune-data" in message and "--eval-data" in message


def test_output_equal_to_input_is_refused(keras_file: Path) -> None:
    with pytest.raises(UsageError, match="would overwrite an input, the source model"):
        resolve_options(keras_file, keras_file)


def test_formats_by_extension_magic_and_directory(tmp_path: Path, keras_file: Path) -> None:
    assert detect_format(keras_file) == "keras"
    blob = tmp_path / "model.bin"
    blob.write_bytes(TFLITE_HEAD)
    assert detect_format(blob) == "tflite"
    saved = tmp_path / "sm"
    saved.mkdir()
    with pytest.raises(InputError, match="not a TensorFlow SavedModel"):
        detect_format(saved)
    (saved / "saved_model.pb").write_bytes(b"")
    assert detect_format(saved) == "savedmodel"
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "missing.onnx")


def test_steps_that_cannot_apply_to_the_source_format(tmp_path: Path) -> None:
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"\x08\x07")
    with pytest.raises(UnsupportedModelError, match="pruning needs a Keras model"):
        resolve_options(onnx_file, tmp_path / "o.tflite", prune=0.5)
    tfl = tmp_path / "m.tflite"
    tfl.write_bytes(TFLITE_HEAD)
    with pytest.raises(UnsupportedModelError, match="already a .tflite"):
        resolve_options(tfl, tmp_path / "o.tflite", quantize="fp16")


def test_dry_run_prints_the_resolved_pipeline_and_writes_nothing(keras_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o.tflite"
    code = main(["convert", str(keras_file), "-o", str(out), "--recipe", "channels-50-int8",
                 "--calibration-data", "random", "--fine-tune-data", "t.npz", "--dry-run", "--json"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in document["steps"]] == ["load", "prune", "quantize", "validate"]
    assert document["prune"] == {"sparsity": 0.5, "structure": "channels"}
    assert document["steps"][1]["settings"]["epochs"] == 2
    assert not out.exists()
    assert plan(keras_file, out, quantize="fp16")["steps"][1]["settings"] == {"quantize": "fp16"}


def test_cli_usage_errors_exit_2_without_traceback(keras_file: Path, tmp_path: Path, capsys) -> None:
    code = main(["convert", str(keras_file), "-o", str(tmp_path / "o.tflite"), "--quantize", "int8"])
    err = capsys.readouterr().err
    assert code == 2 and "calibration data" in err and "Traceback" not in err
    assert main(["convert", str(tmp_path / "nope.keras"), "-o", str(tmp_path / "o.tflite")]) == 2


def test_import_converters_and_dry_run_do_not_import_tensorflow(keras_file: Path, tmp_path: Path) -> None:
    code = ("import sys, converters; from edge_sdk.cli import main; "
            f"rc = main(['convert', {str(keras_file)!r}, '-o', {str(tmp_path / 'o.tflite')!r}, '--dry-run']); "
            "heavy = [m for m in ('tensorflow', 'keras', 'onnx2tf', 'tf_keras') if m in sys.modules]; "
            "print(rc, heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr


def test_help_lists_every_recipe_and_exits_0(capsys) -> None:
    assert main(["convert", "--help"]) == 0
    text = capsys.readouterr().out
    for name in recipe_names():
        assert f"  {name} " in text


def test_a_corrupt_tflite_source_is_refused_with_the_readers_message(tmp_path: Path, capsys) -> None:
    """The same exact message inspect gives (the flatbuffer reader runs before LiteRT is asked)."""
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(TFLITE_HEAD + b"\xff" * 64)
    code = main(["convert", str(broken), "-o", str(tmp_path / "copy.tflite")])
    err = capsys.readouterr().err
    assert code == 2 and "broken.tflite" in err and "no subgraph" in err and "Traceback" not in err
    assert not (tmp_path / "copy.tflite").exists()


def test_json_mode_prints_the_error_as_json(tmp_path: Path, capsys) -> None:
    code = main(["convert", str(tmp_path / "missing.onnx"), "-o", str(tmp_path / "o.tflite"), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 2 and document["exit_code"] == 2 and document["error"] == "InputError"
    assert "missing.onnx" in document["message"]
