"""The adb verbs through the real CLI: ``devices --adb``, ``calibrate``, ``profile --backend adb``.

Against the real adb client and the loopback test device, which STANDS IN FOR A PHONE
(tests/loopback_device). Calibration writes into a temporary profile directory and the result is
read back by the device catalog itself, so the schema is the judge.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from edge_sdk.cli import main
from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture
from loopback_device.sandbox import describe

NO_PROFILE_PHONE = {"ro.product.model": "Nokia X20", "ro.product.device": "Nokia_X20", "ro.product.name": "nokia_x20",
                    "ro.product.manufacturer": "HMD Global", "ro.soc.model": "SM4350", "ro.board.platform": "holi"}


@pytest.fixture(scope="module")
def phones(adb_lab):
    return {"pixel": adb_lab.add_device(), "nokia": adb_lab.add_device(describe(props=NO_PROFILE_PHONE)),
            "locked": adb_lab.add_device(describe(auth="never"))}


@pytest.fixture
def cli_env(adb_lab, monkeypatch, tmp_path):
    from devices import catalog

    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_lab.port))
    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path / "profiles"))
    catalog._load_all.cache_clear()
    yield tmp_path / "profiles"
    catalog._load_all.cache_clear()


def test_devices_adb_table_states_profiles_and_hints(phones, cli_env, capsys):
    assert main(["devices", "--adb"]) == 0
    out = capsys.readouterr().out
    pixel_row = next(line for line in out.splitlines() if line.startswith(phones["pixel"].serial))
    assert "Pixel 4" in pixel_row and "Qualcomm SM8150" in pixel_row and "arm64-v8a" in pixel_row and "pixel-4" in pixel_row
    assert f"edge-sdk calibrate --serial {phones['nokia'].serial}" in out
    assert "tap 'Allow'" in out
    assert main(["devices", "--adb", "--json"]) == 0
    rows = {r["serial"]: r for r in json.loads(capsys.readouterr().out)["adb_devices"]}
    assert rows[phones["pixel"].serial]["profile"] == "pixel-4"
    assert rows[phones["nokia"].serial]["profile"] is None and rows[phones["nokia"].serial]["state"] == "device"
    assert rows[phones["locked"].serial]["state"] == "unauthorized"


def test_calibrate_updates_the_matched_profile_and_replaces_its_own_points(phones, cli_env, capsys):
    args = ["calibrate", "--serial", phones["pixel"].serial, "--models", "mlperf_tiny_resnet8:int8",
            "--runs", "5", "--min-secs", "0"]
    assert main(args) == 0 and main(args) == 0
    written = cli_env / "pixel-4.toml"
    data = tomllib.loads(written.read_text())
    ours = [p for p in data["calibration"] if p["source"].startswith("measured by edge-sdk calibrate")]
    assert len(ours) == 1 and ours[0]["model"] == "mlperf_tiny_resnet8" and ours[0]["latency_ms"] > 0
    assert phones["pixel"].serial in ours[0]["source"] and "governor schedutil" in ours[0]["notes"]
    assert any(p["source"].startswith("tensorflow/tensorflow") for p in data["calibration"])  # published kept
    from devices import catalog, load_profile

    catalog._load_all.cache_clear()
    assert load_profile("pixel-4").path == str(written)  # the user profile now replaces the bundled one


def test_calibrate_creates_a_new_profile_from_the_phone(phones, cli_env, capsys):
    nokia = phones["nokia"].serial
    assert main(["calibrate", "--serial", nokia, "--models", "mlperf_tiny_resnet8:int8"]) == 2
    err = capsys.readouterr().err
    assert "matches no device profile" in err and "--profile hmd-global-nokia-x20" in err
    assert main(["calibrate", "--serial", nokia, "--profile", "nokia-x20", "--models", "mlperf_tiny_kws_dscnn:int8",
                 "--runs", "5", "--min-secs", "0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["created"] is True and report["points"][0]["model"] == "mlperf_tiny_kws_dscnn"
    from devices import catalog, load_profile

    catalog._load_all.cache_clear()
    profile = load_profile("nokia-x20")
    assert profile.adb_match["models"] == ["Nokia X20"] and profile.big_core_mask == "0xF0"
    assert [c.core for c in profile.clusters] == ["cortex-a76", "cortex-a76", "cortex-a55"]
    assert main(["devices", "--adb", "--json"]) == 0
    rows = {r["serial"]: r for r in json.loads(capsys.readouterr().out)["adb_devices"]}
    assert rows[nokia]["profile"] == "nokia-x20"


def test_profile_backend_adb_through_the_cli(phones, cli_env, capsys, resnet8_tflite, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a partial report lands when -o is not given
    report = tmp_path / "adb.json"
    assert main(["profile", str(resnet8_tflite), "--backend", "adb", "--serial", phones["pixel"].serial,
                 "-o", str(report)]) == 0
    document = json.loads(report.read_text())
    assert document["results"][0]["source"] == "measured" and document["results"][0]["backend"] == "adb"
    phones["pixel"].set_faults({"benchmark": "crash"})
    try:
        code = main(["profile", str(resnet8_tflite), "--backend", "adb", "--serial", phones["pixel"].serial])
    finally:
        phones["pixel"].set_faults({})
    assert code == 3
    err = capsys.readouterr().err
    assert "crashed" in err and "SIGSEGV" in err and "Traceback" not in err
    partial = tmp_path / f"{resnet8_tflite.name}.adb-partial.json"
    assert str(partial) in err and json.loads(partial.read_text())["failures"][0]["stage"] == "benchmark"
