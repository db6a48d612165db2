"""`edge-sdk devices`: list, show with sources, JSON, exit codes, and no TensorFlow on the way."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from edge_sdk.cli import main


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "edge_sdk", "devices", *args],
                          capture_output=True, text=True, timeout=60)


def test_list_in_a_real_process_without_tensorflow():
    result = _run()
    assert result.returncode == 0, result.stderr
    for device_id in ("pixel-4", "galaxy-s24", "raspberry-pi-5", "stm32h747", "nucleo-u575zi-q"):
        assert device_id in result.stdout
    imported = [line for line in result.stderr.splitlines() if "import time:" in line]
    assert imported, "importtime output expected"
    assert not [line for line in imported if "tensorflow" in line or "keras" in line]


def test_show_prints_every_section_with_sources_and_held_out_errors(capsys):
    assert main(["devices", "show", "raspberry-pi-4"]) == 0
    out = capsys.readouterr().out
    for needle in ("[cpu]", "cortex-a72 @ 1.5 GHz", "[memory]", "source:", "(estimate:",
                   "NobuoTsukamoto/benchmarks", "[estimator, leave-one-source-out]", "ssdlite_mobilenet_v2_300"):
        assert needle in out, needle


def test_show_json_is_the_profile_with_derived_figures(capsys):
    assert main(["devices", "show", "stm32h747", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "edge-sdk/devices" and document["version"] == 1
    device = document["device"]
    assert device["id"] == "stm32h747" and device["kind"] == "mcu"
    assert device["memory"]["flash_bytes"] == 2 * 1024 * 1024
    assert device["derived"]["family"] == "m-profile"
    assert {h["model"] for h in device["held_out"]} >= {"mobilenet_v2_0.35_128_5cls"}


def test_list_json(capsys):
    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["devices"]
    assert len(listed) >= 12 and all(d["calibration_points"] >= 0 for d in listed)


@pytest.mark.parametrize("argv, needle", [
    (["devices", "show", "pixle-4"], "pixel-4"),
    (["devices", "show"], "needs a device id"),
    (["devices", "pixel-4"], "devices show pixel-4"),
])
def test_bad_usage_exits_2_with_a_hint(argv, needle, capsys):
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_adb_flag_hands_over_to_the_adb_module_or_says_it_is_missing(capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no adb binary: never touches a real device here
    code = main(["devices", "--adb"])
    err = capsys.readouterr().err
    assert code in (0, 3)
    if code == 3:
        assert "adb" in err
