"""Bad sweep input fails fast and clearly (exit 2, or 3 for an unreachable scheduler) and leaves
nothing behind: no half-written result store, no sweep.json."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_helpers import cli, free_port, sweep_dir  # noqa: E402

from edge_sdk.core.errors import ConfigError, UsageError  # noqa: E402
from edge_sdk.sweep import load_sweep_config, sweep  # noqa: E402


def _nothing_written(root: Path) -> None:
    assert not (root / "cache" / "sweep").exists()
    assert not (root / "out").exists()


def test_unknown_recipe_names_the_line_and_the_closest_recipe(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, recipes='["float32", "dynamic_int8"]')
    with pytest.raises(ConfigError) as error:
        load_sweep_config(config)
    assert f"{config}:2:" in error.value.message and "did you mean 'dynamic-int8'" in error.value.message
    done = cli("sweep", "SWEEP.toml", "-o", "out", cwd=tmp_path)
    assert done.returncode == 2 and "unknown recipe 'dynamic_int8'" in done.stderr and "Traceback" not in done.stderr
    _nothing_written(tmp_path)


def test_unknown_device_and_unknown_key_get_did_you_mean(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, devices='["pixel-7", "adb:pixle-4"]')
    with pytest.raises(ConfigError, match=r"SWEEP.toml:3: unknown device 'adb:pixle-4' \(did you mean 'pixel-4'"):
        load_sweep_config(config)
    config.write_text(config.read_text().replace("devices", "device"))
    with pytest.raises(ConfigError, match=r"SWEEP.toml:3: unknown key 'device' \(did you mean 'devices'\?\)"):
        load_sweep_config(config)


def test_glob_matching_nothing_and_syntax_errors(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path)
    config.write_text(config.read_text().replace("models/*.tflite", "modles/*.keras"))
    with pytest.raises(ConfigError, match=r"SWEEP.toml:1: models: 'modles/\*.keras' matches nothing"):
        load_sweep_config(config)
    config.write_text('models = ["models/*.tflite"\nrecipes = ["float32"]\n')
    with pytest.raises(ConfigError, match=r"SWEEP.toml:\d+:\d+: TOML syntax error"):
        load_sweep_config(config)
    done = cli("sweep", "SWEEP.toml", cwd=tmp_path)
    assert done.returncode == 2
    _nothing_written(tmp_path)


def test_pyproject_table_is_read_and_does_not_break_budget_discovery(tmp_path: Path) -> None:
    sweep_dir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.edge-sdk.sweep]\nmodels = ["models/*.tflite"]\nrecipes = ["float32"]\n'
        'devices = ["pixel-7"]\nhots = true\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml:8: unknown key 'hots' \(did you mean 'host'\?\)"):
        load_sweep_config(tmp_path / "pyproject.toml")
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text().replace("hots", "host"))
    config = load_sweep_config(tmp_path / "pyproject.toml")
    assert [m.name for m in config.models] == ["models/m0.tflite", "models/m1.tflite"] and config.host
    from edge_sdk.budgets.config import find_budget

    (tmp_path / ".git").mkdir()
    assert find_budget(tmp_path) is None   # a sweep table alone is not a budget


def test_impossible_shard_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    sweep_dir(tmp_path)
    for spec in ("3/2", "0/2", "1/0", "a/b"):
        with pytest.raises(UsageError, match="shard"):
            sweep(tmp_path / "SWEEP.toml", tmp_path / "out", shard=spec)
    done = cli("sweep", "SWEEP.toml", "-o", "out", "--shard", "3/2", cwd=tmp_path)
    assert done.returncode == 2 and "--shard 3/2: shard 3 of 2 does not exist" in done.stderr, done.stderr
    _nothing_written(tmp_path)


def test_full_integer_recipe_without_calibration_data_is_a_config_error(tmp_path: Path) -> None:
    keras_like = tmp_path / "models" / "net.onnx"
    keras_like.parent.mkdir()
    keras_like.write_bytes(b"\x08\x07")  # detected by extension; never converted: the plan refuses first
    (tmp_path / "SWEEP.toml").write_text('models = ["models/*.onnx"]\nrecipes = ["int8"]\ndevices = ["pixel-7"]\n')
    with pytest.raises(ConfigError, match="needs calibration data") as error:
        sweep(tmp_path / "SWEEP.toml", tmp_path / "out")
    assert "calibration_data" in (error.value.hint or "")
    _nothing_written(tmp_path)


@pytest.mark.slow
def test_unreachable_scheduler_exits_3_fast_with_one_line_naming_it(tmp_path: Path) -> None:
    sweep_dir(tmp_path)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    done = cli("sweep", "SWEEP.toml", "-o", "out", "--scheduler", address, cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0], done.stderr
    assert elapsed < 20, f"took {elapsed:.1f} s"
    assert not (tmp_path / "out").exists()


def test_recipe_auto_needs_its_accuracy_budget_in_the_sweep_file(tmp_path: Path) -> None:
    model = tmp_path / "models" / "net.onnx"
    model.parent.mkdir()
    model.write_bytes(b"\x08\x07")   # detected by extension; never converted: the plan refuses first
    (tmp_path / "calib.npz").write_bytes(b"PK")
    config = tmp_path / "SWEEP.toml"
    config.write_text('models = ["models/*.onnx"]\nrecipes = ["auto"]\ndevices = ["pixel-7"]\n'
                      'calibration_data = "calib.npz"\n')
    with pytest.raises(ConfigError, match="max_accuracy_drop") as error:
        sweep(config, tmp_path / "out")
    assert (error.value.hint or "").startswith("add max_accuracy_drop")
    config.write_text(config.read_text() + 'max_accuracy_drop = "150%"\n')
    with pytest.raises(ConfigError, match=r"SWEEP.toml:5: max_accuracy_drop='150%' means a drop of 150 points"):
        load_sweep_config(config)
    _nothing_written(tmp_path)


def test_an_output_that_is_or_lies_under_a_file_or_replaces_a_shard_is_refused_first(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=1, recipes='["float32"]', devices='["pixel-7"]')
    model = tmp_path / "models" / "m0.tflite"
    before = model.read_bytes()
    for output, fragment in ((model, "is a file"), (model / "out", "which is a file")):
        with pytest.raises(UsageError, match=fragment) as error:   # was an internal error after the whole run
            sweep(config, output, shard="1/1")
        assert error.value.params == ("output",)
        assert model.read_bytes() == before
    assert not (tmp_path / "cache" / "sweep").exists()               # refused before anything ran
    done = cli("sweep", "SWEEP.toml", "-o", "models/m0.tflite", cwd=tmp_path)
    assert done.returncode == 2 and "-o models/m0.tflite: is a file" in done.stderr, done.stderr
    sweep(config, tmp_path / "shard", shard="1/1")
    from edge_sdk.sweep import merge

    shard_document = (tmp_path / "shard" / "sweep.json").read_bytes()
    with pytest.raises(UsageError, match="would overwrite an input, the shard's sweep document"):
        merge([tmp_path / "shard"], tmp_path / "shard")
    assert (tmp_path / "shard" / "sweep.json").read_bytes() == shard_document
