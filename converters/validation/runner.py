"""Parent side of the LiteRT child: send inputs, get outputs and sparsity, contain any crash."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edge_sdk.core.child import Child, ChildCrashed, ChildTimedOut
from edge_sdk.core.errors import RuntimeCrash

CHILD = "converters.validation._litert_child"
TIMEOUT_S = 900


class PendingRun:
    """A LiteRT child started in the background; ``result()`` waits for it and reads its answer.

    Starting the child first lets the source framework compute its reference outputs meanwhile.
    """

    def __init__(self, model: Path, inputs: dict[str, np.ndarray] | None, *, sparsity: bool,
                 reference_kernels: bool = False) -> None:
        self.model = model
        self.folder = Path(tempfile.mkdtemp(prefix="edge-sdk-parity-"))
        if inputs is not None:
            np.savez(self.folder / "inputs.npz", **inputs)
        request = {"model": str(model), "folder": str(self.folder), "run": inputs is not None,
                   "sparsity": sparsity, "reference_kernels": reference_kernels}
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        try:
            self.child = Child(CHILD, request, timeout_s=TIMEOUT_S, what="the LiteRT interpreter",
                               path=str(model), env=env, workdir=self.folder)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def result(self) -> dict[str, Any]:
        model = self.model
        try:
            try:
                result: dict[str, Any] = self.child.wait()
            except ChildTimedOut:
                raise RuntimeCrash(f"{model}: LiteRT did not finish the validation run within {TIMEOUT_S} s",
                                   path=str(model)) from None
            except ChildCrashed as crash:
                raise RuntimeCrash(f"{model}: the LiteRT interpreter crashed ({crash.signal_name}) running the "
                                   "converted model",
                                   hint="the artifact was not published; try another `quantize` mode and report "
                                        "the crash", path=str(model), params=("quantize",)) from None
            if (self.folder / "outputs.npz").exists():
                with np.load(self.folder / "outputs.npz") as data:
                    result["outputs"] = [data[f"out{i}"] for i in range(len(result["output_names"]))]
            return result
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def cancel(self) -> None:
        self.child.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def describe_tflite(model: Path) -> dict[str, Any]:
    """Input/output names, shapes, dtypes and quantization of a .tflite, read by LiteRT in a child."""
    return PendingRun(model, None, sparsity=False).result()["describe"]


def start_tflite(model: Path, inputs: dict[str, np.ndarray] | None) -> PendingRun:
    """Start running ``model`` on ``inputs`` (outputs dequantized when the I/O is integer) and measuring sparsity."""
    return PendingRun(model, inputs, sparsity=True)


def run_reference_kernels(model: Path, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Outputs of ``model`` under LiteRT's plain reference kernels (no XNNPACK), in output order."""
    return PendingRun(model, inputs, sparsity=False, reference_kernels=True).result()["outputs"]
