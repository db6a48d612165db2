"""``import edge_sdk``: every exported name is called (or checked against what a call returned), with
real models, real interpreters and the loopback adb device; signatures are real (no ``**options``),
``help()`` shows the parameters, and importing the package stays free of TensorFlow and torch."""

from __future__ import annotations

import hashlib
import inspect
import json
import pydoc
import subprocess
import sys
from pathlib import Path

import pytest
from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture

import edge_sdk
from edge_sdk.core.documents import check_document

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(name for name in edge_sdk.__all__ if inspect.isfunction(getattr(edge_sdk, name)))
# every exported function -> the test below that calls it (a new export needs a line here and a call)
CALLED_BY = {"inspect": "models_measurements", "profile": "models_measurements", "estimate": "models_measurements",
             "check": "models_measurements", "compare": "models_measurements", "report": "models_measurements",
             "convert": "errors (argument checks); tests/test_api_example.py converts for real",
             "list_devices": "devices", "load_device": "devices", "read_device": "devices", "host_device": "devices",
             "new_device": "devices", "profile_adb": "phones_over_adb", "calibrate": "phones_over_adb", "sweep": "sweep_plans_a_matrix"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exported_signatures_are_real() -> None:
    assert {"inspect", "convert", "profile", "estimate", "profile_adb", "check", "compare", "report",
            "list_devices", "load_device", "calibrate", "sweep"} <= set(FUNCTIONS)
    for name in FUNCTIONS:
        function = getattr(edge_sdk, name)
        parameters = inspect.signature(function).parameters.values()
        assert not [p for p in parameters if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)], name
        assert all(p.annotation is not inspect.Parameter.empty for p in parameters), name
        assert function.__doc__ and len(function.__doc__) > 60, name
    text = pydoc.render_doc(edge_sdk.profile, renderer=pydoc.plaintext)
    for parameter in ("devices", "threads", "min_time_s", "target_ci", "memory_cap", "on_progress"):
        assert parameter in text


def test_all_lists_exactly_the_lazy_names() -> None:
    from edge_sdk import _LAZY

    assert set(edge_sdk.__all__) == {"__version__", *_LAZY} and len(edge_sdk.__all__) == len(set(edge_sdk.__all__))


def test_convert_takes_every_option_the_converter_knows() -> None:
    from converters.options import KNOWN_OPTIONS

    internal = {"generated_samples", "latency_estimator", "search"}  # set by tests and recipes, not by users
    missing = set(KNOWN_OPTIONS) - internal - set(inspect.signature(edge_sdk.convert).parameters)
    assert not missing, f"add {sorted(missing)} to edge_sdk/_api/models.py:convert with their types"


def test_import_is_cheap_and_lazy() -> None:
    code = ("import sys, edge_sdk; names = [getattr(edge_sdk, n) for n in edge_sdk.__all__]; "
            "print(sorted(m for m in ('tensorflow', 'torch', 'keras', 'dask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_models_measurements_gate_and_reports(sine_tflite: Path, tmp_path: Path) -> None:
    before = sha256(sine_tflite)
    graph = edge_sdk.inspect(sine_tflite)
    assert isinstance(graph, edge_sdk.ModelGraph) and graph.macs > 0
    assert check_document(graph.to_dict(), "inspect")["schema"] == "edge-sdk/inspect"

    events: list[edge_sdk.ProgressEvent] = []
    measured = edge_sdk.profile(sine_tflite, devices=["pixel-4"], runs=20, on_progress=events.append)
    check_document(measured, "profile")
    host, estimate = measured["results"]
    assert host["source"] == "measured" and len(host.get("samples_ms", [])) == 20
    assert estimate["device"] == "pixel-4" and estimate["source"] == "estimated"
    stages = [(e.stage, e.state) for e in events]
    assert stages[0] == ("measure", "start") and stages[-1] == ("measure", "end")
    assert edge_sdk.ProfileDocument(**measured) == measured  # the TypedDict is the dict

    estimated = edge_sdk.estimate(sine_tflite, ["raspberry-pi-4", "stm32h747"])
    assert [r["device"] for r in estimated["results"]] == ["raspberry-pi-4", "stm32h747"]
    assert all(isinstance(r.get("error_band_pct"), float) for r in estimated["results"])

    result = edge_sdk.check(sine_tflite, devices=["pixel-4"], estimate_only=True, use_cache=False)
    assert isinstance(result, edge_sdk.CheckResult) and result.passed and result.exit_code == 0
    check_document(result.document, "check")

    comparison = edge_sdk.compare(estimated, estimated)
    assert isinstance(comparison, edge_sdk.Comparison) and not comparison.changed_rows()
    written = edge_sdk.report([measured, result.document], tmp_path / "report.html", title="api")
    assert written.read_text().rstrip().endswith("</html>")
    assert sha256(sine_tflite) == before  # inputs are never modified


def test_errors_name_parameters_and_carry_exit_codes(sine_tflite: Path, tmp_path: Path) -> None:
    with pytest.raises(edge_sdk.UsageError) as caught:
        edge_sdk.profile(sine_tflite, runs=5, min_time_s=1.0)
    assert "min_time_s" in caught.value.message and caught.value.exit_code == 2
    with pytest.raises(edge_sdk.InputError):
        edge_sdk.inspect(tmp_path / "missing.tflite")
    keras = tmp_path / "model.keras"
    keras.write_bytes(b"PK\x03\x04 not a model, enough for argument checks")
    with pytest.raises(edge_sdk.UsageError, match="calibration_data"):  # refused before any work or TensorFlow
        edge_sdk.convert(keras, tmp_path / "out.tflite", quantize="int8")
    assert not (tmp_path / "out.tflite").exists()
    tree = {name: getattr(edge_sdk, name) for name in ("EdgeSdkError", "UsageError", "ConfigError", "InputError",
                                                       "UnsupportedModelError", "GateFailed", "InfrastructureError",
                                                       "RuntimeCrash", "DeviceError")}
    codes = {name: cls("x").exit_code for name, cls in tree.items()}
    assert codes == {"EdgeSdkError": 2, "UsageError": 2, "ConfigError": 2, "InputError": 2,
                     "UnsupportedModelError": 2, "GateFailed": 1, "InfrastructureError": 3, "RuntimeCrash": 3,
                     "DeviceError": 3}
    assert all(issubclass(cls, edge_sdk.EdgeSdkError) for cls in tree.values())


def test_devices(tmp_path: Path) -> None:
    profiles = edge_sdk.list_devices()
    assert len(profiles) > 10 and all(isinstance(p, edge_sdk.DeviceProfile) for p in profiles)
    pixel = edge_sdk.load_device("pixel-4")
    assert edge_sdk.read_device(pixel.path).id == "pixel-4"
    assert edge_sdk.host_device().cores >= 1
    with pytest.raises(edge_sdk.UsageError, match="pixel"):
        edge_sdk.load_device("pixel-44")
    made = edge_sdk.new_device("my-phone", soc="Snapdragon 888", cores="1x cortex-x1@2.84,3x cortex-a78@2.42,"
                               "4x cortex-a55@1.8", ram="8GiB", like="pixel-7", output=tmp_path)
    assert isinstance(made, edge_sdk.NewDevice) and made.path.parent == tmp_path
    written = edge_sdk.read_device(made.path)
    assert written.id == "my-phone" and written.cores == 8 and "pixel-7" in made.borrowed
    with pytest.raises(edge_sdk.ConfigError, match="cores"):
        edge_sdk.new_device("bad-phone", soc="x", cores="2x cortex-z9@2", ram="8GiB", output=tmp_path)
    assert not (tmp_path / "bad-phone.toml").exists()
    with pytest.raises(edge_sdk.UsageError, match="bundled profile"):  # would silently replace pixel-4's fits
        edge_sdk.new_device("pixel-4", soc="x", cores="4x cortex-a76@2.4", ram="8GiB", output=tmp_path)
    assert not (tmp_path / "pixel-4.toml").exists()


def test_phones_over_adb(adb_lab, sine_tflite: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                         tmp_path: Path) -> None:
    from devices import catalog

    phone = adb_lab.add_device()
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_lab.port))
    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path / "profiles"))
    catalog._load_all.cache_clear()
    try:
        events: list[edge_sdk.ProgressEvent] = []
        document = edge_sdk.profile_adb(sine_tflite, serials=[phone.serial], runs=5, warmup_runs=1,
                                        on_progress=events.append)
        check_document(document, "adb profile")
        assert document["results"][0]["backend"] == "adb" and document["results"][0]["source"] == "measured"
        assert {e.subject for e in events} == {phone.serial} and "benchmark" in {e.stage for e in events}
        calibration = edge_sdk.calibrate(phone.serial, models=["mlperf_tiny_resnet8:int8"], runs=5)
        assert isinstance(calibration, edge_sdk.Calibration) and calibration.matched_profile == "pixel-4"
        assert calibration.points[0]["latency_ms"] > 0
    finally:
        catalog._load_all.cache_clear()


def test_sweep_plans_a_matrix(sine_tflite: Path, tmp_path: Path) -> None:
    config = tmp_path / "SWEEP.toml"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "sine.tflite").write_bytes(sine_tflite.read_bytes())
    config.write_text('models = ["models/*.tflite"]\nrecipes = ["float32"]\ndevices = ["pixel-4"]\nhost = false\n')
    result = edge_sdk.sweep(config, tmp_path / "out", dry_run=True)
    assert isinstance(result, edge_sdk.SweepResult)
    assert json.loads(json.dumps(result.document))["schema"] == "edge-sdk/sweep"


def test_every_exported_function_has_a_test() -> None:
    assert set(FUNCTIONS) == set(CALLED_BY), f"exports without a calling test: {sorted(set(FUNCTIONS) - set(CALLED_BY))}"


def test_the_cli_spells_the_parameters_an_error_names_as_flags() -> None:
    from edge_sdk.cli.params import for_cli

    error = edge_sdk.UsageError("quantize='int8' needs calibration_data=PATH; `epochs` applies to fine_tune_data",
                                hint="e.g. memory_cap='512 MB' or input_shape='in:0:1,28,28,1', cpus=[0, 1]",
                                params=("quantize", "calibration_data", "epochs", "fine_tune_data", "memory_cap",
                                        "input_shape", "cpus"))
    shown = for_cli(error, "profile")
    assert shown.message == "--quantize int8 needs --calibration-data PATH; --epochs applies to --fine-tune-data"
    assert shown.hint == 'e.g. --memory-cap "512 MB" or --input-shape in:0:1,28,28,1, --cpus 0,1'
    assert error.message.startswith("quantize='int8'")  # the library's own error is left as the caller saw it
    budget = edge_sdk.ConfigError("no budget file found; pass budget=PATH", params=("budget",))
    assert str(for_cli(budget, "check")) == "no budget file found; pass --budget PATH"  # prose words stay
