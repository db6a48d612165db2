"""`edge-sdk profile --backend adb`: the CLI dispatches to the adb backend with its flags.

The loopback device STANDS IN FOR A PHONE (tests/loopback_device): it speaks the real adb wire
protocol to the real adb client and server; its benchmark_model runs the model with the host's
LiteRT. Real here: the CLI, adb, the transfer, LiteRT, the MLPerf Tiny model.
"""

from __future__ import annotations

import json
import subprocess
import sys

from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge_sdk", "profile", *args], capture_output=True, text=True,
                          env=env, timeout=180)


def test_adb_backend_profiles_a_phone_through_the_cli(adb_lab, resnet8_tflite, tmp_path):
    phone = adb_lab.add_device()
    report = tmp_path / "phone.json"
    result = cli(adb_lab.env, str(resnet8_tflite), "--backend", "adb", "--serial", phone.serial, "--runs", "10",
                 "--threads", "2", "-o", str(report), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    measured = next(r for r in document["results"] if r["source"] == "measured")
    assert measured["backend"] == "adb" and measured["source"] == "measured" and measured["threads"] == 2
    assert measured["device"] == "pixel-4" and measured["latency_ms"]["p50"] > 0
    assert json.loads(report.read_text())["results"][0]["latency_ms"] == measured["latency_ms"]


def test_host_only_flags_are_refused_with_adb(adb_lab, resnet8_tflite):
    result = cli(adb_lab.env, str(resnet8_tflite), "--backend", "adb", "--device", "pixel-4", "--estimate-only")
    assert result.returncode == 2 and "--device, --estimate-only do not apply to --backend adb" in result.stderr


def test_unknown_serial_is_an_infrastructure_error(adb_lab, resnet8_tflite):
    result = cli(adb_lab.env, str(resnet8_tflite), "--backend", "adb", "--serial", "no-such-phone", "--runs", "5")
    assert result.returncode == 3 and "no-such-phone" in result.stderr and "Traceback" not in result.stderr
