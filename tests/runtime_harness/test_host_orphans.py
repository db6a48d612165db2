"""A hung interpreter never outlives `edge-sdk profile`: killing the CLI kills its measurement child.

Before, the interpreter child of a killed `profile` (its own process group, so a terminal's Ctrl-C
or a CI runner's kill of the CLI alone missed it) hung on forever, past its own --timeout. The hang
is real interpreter code stopped right after loading the model (EDGE_SDK_HARNESS_FAULT=hang).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from runtime_harness.host.runner import FAULT_ENV

REPO = Path(__file__).resolve().parents[2]


def _measurement_child(cli: subprocess.Popen) -> psutil.Process:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for child in psutil.Process(cli.pid).children():
            if "runtime_harness.host.runner" in " ".join(child.cmdline()):
                return child
        time.sleep(0.05)
    pytest.fail("the measurement child never started")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_profile_kills_the_hung_interpreter(sine_tflite, how):
    env = dict(os.environ, PYTHONPATH=str(REPO), **{FAULT_ENV: "hang"})
    cli = subprocess.Popen([sys.executable, "-m", "edge_sdk", "profile", str(sine_tflite), "--timeout", "120"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child = _measurement_child(cli)
        time.sleep(1.5)                         # loaded and hanging
        cli.send_signal(how)
        cli.wait(timeout=10)
        started = time.monotonic()
        child.wait(timeout=5)                   # psutil.TimeoutExpired if it outlives its parent
        assert time.monotonic() - started < 5
    finally:
        if cli.poll() is None:
            cli.kill()


def test_a_hang_ends_at_the_timeout_with_exit_3(sine_tflite):
    env = dict(os.environ, PYTHONPATH=str(REPO), **{FAULT_ENV: "hang"})
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "edge_sdk", "profile", str(sine_tflite), "--timeout", "3"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and "did not finish within 3 s" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and time.monotonic() - started < 30
