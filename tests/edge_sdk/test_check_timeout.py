"""`check --timeout`: a hung host measurement ends at the user's timeout, exit 3, and the hint names the flag.

Before, check had no --timeout (every host run waited 300 s) while its hint told the user to raise
one. The hang is real interpreter code stopped after loading the model (EDGE_SDK_HARNESS_FAULT=hang).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from runtime_harness.host.runner import FAULT_ENV

REPO = Path(__file__).resolve().parents[2]


def _check(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    full_env.update(PYTHONPATH=str(REPO), XDG_CACHE_HOME=str(cwd / "cache"), **env)
    return subprocess.run([sys.executable, "-m", "edge_sdk", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=full_env)


def test_a_hang_stops_at_check_timeout_with_exit_3(sine_tflite, tmp_path):
    started = time.monotonic()
    done = _check(tmp_path, str(sine_tflite), "--device", "pixel-2", "--timeout", "3", **{FAULT_ENV: "hang"})
    assert done.returncode == 3, done.stderr
    assert "did not finish within 3 s" in done.stderr and "raise --timeout (now 3 s)" in done.stderr
    assert "timeout_s" not in done.stderr and "--min-time" not in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 60


def test_check_timeout_must_be_positive(sine_tflite, tmp_path):
    done = _check(tmp_path, str(sine_tflite), "--device", "pixel-2", "--timeout", "0")
    assert done.returncode == 2 and "--timeout must be a positive number" in done.stderr
