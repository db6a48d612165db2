"""edge_sdk/data/custom_ops.toml holds against the real runtimes (each load in a fresh child process)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edge_sdk.graph.compatibility import stock_custom_ops
from tools.custom_op_models import MODELS
from edge_sdk.graph.synth import Tensor, single_op

_RUN = r"""
import sys, numpy as np
module = "ai_edge_litert.interpreter" if sys.argv[1] == "litert-2.3" else "tflite_runtime.interpreter"
Interpreter = __import__(module, fromlist=["Interpreter"]).Interpreter
try:
    interpreter = Interpreter(model_path=sys.argv[2])
    interpreter.allocate_tensors()
    for d in interpreter.get_input_details():
        interpreter.set_tensor(d["index"], np.random.default_rng(0).random(d["shape"]).astype(d["dtype"]))
    interpreter.invoke()
    print("runs")
except RuntimeError as exc:
    print("unresolved" if "unresolved custom op" in str(exc) else f"other: {exc}")
"""

RUNTIMES = ("litert-2.3", "tflite-runtime-2.14")


def _run(runtime: str, path) -> str:
    done = subprocess.run([sys.executable, "-c", _RUN, runtime, str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or f"died: {done.returncode} {done.stderr[-300:]}"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_every_listed_custom_op_really_runs(runtime, tmp_path):
    pytest.importorskip("tflite_runtime.interpreter")
    listed = stock_custom_ops()[runtime]
    assert listed == set(MODELS), "every listed op needs a one-op model in tools/custom_op_models.py"
    for name in sorted(listed):
        path = tmp_path / f"{name}.tflite"
        path.write_bytes(MODELS[name]())
        assert _run(runtime, path) == "runs", name


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_app_specific_custom_op_is_unresolved(runtime, tmp_path):
    pytest.importorskip("tflite_runtime.interpreter")
    path = tmp_path / "app_op.tflite"
    path.write_bytes(single_op("MaxPoolingWithArgmax2D", [Tensor([1, 4])], [Tensor([1, 4])], custom=True))
    assert _run(runtime, path) == "unresolved"
