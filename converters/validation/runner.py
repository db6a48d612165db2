"""Parent side of the LiteRT child: send inputs, get outputs and sparsity, contain any crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edge_sdk.errors import InputError, RuntimeCrash

CHILD = "converters.validation._litert_child"
TIMEOUT_S = 900


def _call_child(model: Path, inputs: dict[str, np.ndarray] | None, *, sparsity: bool) -> tuple[dict[str, Any], Path]:
    folder = Path(tempfile.mkdtemp(prefix="edge-sdk-parity-"))
    (folder / "request.json").write_text(json.dumps({"run": inputs is not None, "sparsity": sparsity}))
    if inputs is not None:
        np.savez(folder / "inputs.npz", **inputs)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    try:
        done = subprocess.run([sys.executable, "-m", CHILD, str(model), str(folder)], capture_output=True,
                              text=True, timeout=TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeCrash(f"{model}: LiteRT did not finish the validation run within {TIMEOUT_S} s",
                           path=str(model)) from None
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise RuntimeCrash(f"{model}: the LiteRT interpreter crashed ({name}) running the converted model",
                           hint="the artifact was not published; try another --quantize mode and report the crash",
                           path=str(model))
    if done.returncode != 0 or not (folder / "result.json").exists():
        last = [line for line in (done.stderr or "").strip().splitlines() if line.strip()][-1:] or ["no output"]
        raise InputError(f"{model}: LiteRT cannot run this model: {last[0][:400]}",
                         hint="the model may use ops this LiteRT build lacks (Flex/custom ops)", path=str(model))
    return json.loads((folder / "result.json").read_text()), folder


def describe_tflite(model: Path) -> dict[str, Any]:
    """Input/output names, shapes, dtypes and quantization of a .tflite, read by LiteRT in a child."""
    result, folder = _call_child(model, None, sparsity=False)
    _remove(folder)
    return result["describe"]


def run_tflite(model: Path, inputs: dict[str, np.ndarray] | None) -> dict[str, Any]:
    """Outputs (dequantized to float when the I/O is integer), their names, the I/O description and sparsity."""
    result, folder = _call_child(model, inputs, sparsity=True)
    if inputs is not None:
        with np.load(folder / "outputs.npz") as data:
            result["outputs"] = [data[f"out{i}"] for i in range(len(result["output_names"]))]
    _remove(folder)
    return result


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
