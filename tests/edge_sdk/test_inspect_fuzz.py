"""Fuzz: mutated and truncated real models either analyse or raise one InputError; never crash or hang."""

from __future__ import annotations

import random
import signal
import subprocess
import sys

from model_mutations import mutate as _mutate

from edge_sdk.core.errors import InputError
from edge_sdk.graph import analyze

CASES = 360


def _alarm(*_):
    raise TimeoutError("analyze took more than 5 s on a corrupt file (a hang)")


def test_mutated_real_models_never_escape_input_error(sine_tflite, kws_tflite, resnet8_tflite, tmp_path):
    rng = random.Random(20261128)
    sources = [p.read_bytes() for p in (sine_tflite, kws_tflite, resnet8_tflite)]
    outcome = {"analysed": 0, "rejected": 0}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for case in range(CASES):
            kind, blob = _mutate(sources[case % len(sources)], rng)
            path = tmp_path / f"case{case}.tflite"
            path.write_bytes(blob)
            signal.alarm(5)
            try:
                graph = analyze(path)
                assert graph.size_bytes == len(blob)
                outcome["analysed"] += 1
            except InputError as error:
                message = str(error)
                assert str(path) in message and "\n" not in error.message, (kind, message)
                outcome["rejected"] += 1
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    # both branches are exercised: the fuzzer is not only producing garbage or only harmless noise
    assert outcome["analysed"] > CASES // 10 and outcome["rejected"] > CASES // 10, outcome


def test_corrupt_files_through_the_cli_exit_2_without_traceback(resnet8_tflite, tmp_path):
    rng = random.Random(7)
    data = resnet8_tflite.read_bytes()
    seen_rejections = 0
    for case in range(12):
        kind, blob = _mutate(data, rng) if case % 2 else ("truncate", data[: rng.randrange(8, len(data))])
        path = tmp_path / f"cli{case}.tflite"
        path.write_bytes(blob)
        run = subprocess.run([sys.executable, "-m", "edge_sdk", "inspect", str(path)], capture_output=True,
                             text=True, timeout=60)
        assert run.returncode in (0, 2), (kind, run.stderr)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
        if run.returncode == 2:
            seen_rejections += 1
            assert run.stderr.startswith(f"edge-sdk: error: {path}:")
    assert seen_rejections >= 6
