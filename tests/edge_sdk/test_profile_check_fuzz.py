"""Fuzz `profile` and `check` with mutated real models: a verdict or one clear error, never a traceback.

Hundreds of cases run in-process in estimate-only mode (graph analysis, the estimator, every
budget metric that needs no interpreter), where the only acceptable failure is an EdgeSdkError
with exit code 2. A modest number go through the CLI with real host runs in the interpreter child:
exit 0/1/2/3 only, no traceback, no "internal error", and exit 3 only when the interpreter really
crashed or hung (a corrupt model may well crash LiteRT; that is contained and said). The mutations
are the inspect fuzzer's (tests/edge_sdk/test_inspect_fuzz.py).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from model_mutations import mutate as _mutate

from edge_sdk.core.errors import EXIT_BAD_INPUT, EdgeSdkError
from edge_sdk.core.hashing import file_sha256

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
IN_PROCESS_CASES = 240
CLI_CASES = 6
BUDGET = """[[check]]
name = "fuzz"
models = ["m.tflite"]
devices = ["pixel-2", "raspberry-pi-4"]
size = "1 MB"
latency_p50 = "1 s"
peak_memory = "100 MB"
macs = "1 G"
precisions = ["int8", "float32"]
no_custom_ops = true
"""


def _alarm(*_):
    raise TimeoutError("a corrupt model took more than 10 s (a hang)")


@pytest.fixture()
def sources(sine_tflite, kws_tflite, resnet8_tflite) -> list[bytes]:
    return [p.read_bytes() for p in (sine_tflite, kws_tflite, resnet8_tflite)]


def test_estimate_only_profile_and_check_on_mutated_models(sources, tmp_path, monkeypatch):
    from edge_sdk.budgets import check
    from edge_sdk.profiling import profile

    monkeypatch.setenv("EDGE_SDK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    (tmp_path / "edge-budget.toml").write_text(BUDGET)
    model = tmp_path / "m.tflite"
    rng = random.Random(20261204)
    outcomes: dict[str, int] = {}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for case in range(IN_PROCESS_CASES):
            kind, blob = _mutate(sources[case % len(sources)], rng)
            model.write_bytes(blob)
            for verb in ("profile", "check"):
                signal.alarm(10)
                try:
                    if verb == "profile":
                        document = profile(model, devices=["pixel-2"], estimate_only=True)
                        assert document["results"], (case, kind)
                    else:
                        result = check(budget=tmp_path / "edge-budget.toml", estimate_only=True, use_cache=False)
                        assert result.verdicts, (case, kind)
                    outcomes[f"{verb} ok"] = outcomes.get(f"{verb} ok", 0) + 1
                except EdgeSdkError as error:
                    assert error.exit_code == EXIT_BAD_INPUT, (case, kind, verb, error.message)
                    assert str(model) in error.message, (case, kind, verb, error.message)
                    outcomes[f"{verb} rejected"] = outcomes.get(f"{verb} rejected", 0) + 1
                finally:
                    signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    for name in ("profile ok", "profile rejected", "check ok", "check rejected"):   # both branches exercised
        assert outcomes.get(name, 0) > IN_PROCESS_CASES // 10, outcomes


def test_mutated_models_through_the_cli_with_host_runs(sources, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env.update(PYTHONPATH=str(REPO), EDGE_SDK_CACHE_DIR=str(tmp_path / "cache"), XDG_CACHE_HOME=str(tmp_path / "home"))
    rng = random.Random(5)
    codes = []
    for case in range(CLI_CASES):
        kind, blob = _mutate(sources[case % len(sources)], rng)
        model = tmp_path / f"m{case}.tflite"
        model.write_bytes(blob)
        before = file_sha256(model)
        for verb in (["profile", str(model), "--runs", "3", "--timeout", "60"],
                     ["check", str(model), "--device", "pixel-2", "--timeout", "60"]):
            run = subprocess.run([sys.executable, "-m", "edge_sdk", *verb], cwd=tmp_path, env=env,
                                 capture_output=True, text=True, timeout=300, check=False)
            where = (case, kind, verb[0], run.returncode, run.stderr[-1500:])
            assert run.returncode in (0, 1, 2, 3), where
            assert "Traceback" not in run.stderr and "internal error" not in run.stderr, where
            if run.returncode == 3:                       # only a real crash or hang of the interpreter
                assert "crashed (" in run.stderr or "did not finish within" in run.stderr, where
            if run.returncode == 2:
                assert run.stderr.startswith(f"edge-sdk: error: {model}"), where
            codes.append(run.returncode)
        assert file_sha256(model) == before                # inputs are never modified
    assert 0 in codes and 2 in codes, codes
