"""`edge-sdk check --serial S`: a budget device that matches a phone gets numbers measured on it.

The loopback device STANDS IN FOR A PHONE (tests/loopback_device): it speaks the real adb wire
protocol to the real adb client and server, and reports itself as a Pixel 4; its benchmark_model
runs the model with the host's LiteRT. Real here: the check CLI, adb, the transfer, LiteRT, the
MLPerf Tiny model, the device profiles and the estimator for the device that is not connected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture

REPO = Path(__file__).resolve().parents[2]


def test_matching_device_is_measured_over_adb_the_other_estimated(adb_lab, kws_tflite, tmp_path):
    phone = adb_lab.add_device()
    (tmp_path / ".git").mkdir()
    shutil.copy(kws_tflite, tmp_path / "kws.tflite")
    (tmp_path / "edge-budget.toml").write_text(
        '[[check]]\nname = "phones"\nmodels = ["kws.tflite"]\ndevices = ["pixel-4", "raspberry-pi-4"]\n'
        'latency_p50 = "1 s"\nlatency_p90 = "1 s"\n')
    env = {**adb_lab.env, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    env.pop("EDGE_SDK_CACHE_DIR", None)
    env["XDG_CACHE_HOME"] = str(tmp_path / "user-cache")
    command = [sys.executable, "-m", "edge_sdk", "check", "--serial", phone.serial, "--estimate-only",
               "-o", "report.json"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = json.loads((tmp_path / "report.json").read_text())["checks"][0]["verdicts"]
    by_device = {(v["device"], v["metric"]): v for v in verdicts}
    measured = by_device[("pixel-4", "latency_p50")]
    assert measured["how"].startswith("measured on Google Pixel 4 over adb") and measured["actual"] > 0
    assert "upper bound of p90" in by_device[("pixel-4", "latency_p90")]["how"]
    assert by_device[("raspberry-pi-4", "latency_p50")]["how"].startswith("estimated for Raspberry Pi 4")
    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert again.returncode == 0 and "cached measurements reused" in again.stdout, again.stdout  # no 2nd phone run
    assert os.path.exists(tmp_path / "user-cache" / "edge-sdk" / "measurements")
    assert not os.path.exists(tmp_path / ".edge-sdk-cache")
