"""What every source loader returns: input specs, a reference runner and a converter factory."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TensorSpec:
    """One model input in the SOURCE model's layout; ``None`` marks a dynamic dimension."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str

    def fixed_shape(self) -> tuple[int, ...]:
        """The shape of one sample with batch 1; other dynamic dims make generation impossible."""
        dims = [1 if (i == 0 and d is None) else d for i, d in enumerate(self.shape)]
        if any(d is None for d in dims):
            raise ValueError(f"input {self.name!r} has dynamic dimensions {list(self.shape)}")
        return tuple(int(d) for d in dims)  # type: ignore[arg-type]

    @property
    def is_float(self) -> bool:
        return np.issubdtype(np.dtype(self.dtype), np.floating)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}


Reference = Callable[[dict[str, np.ndarray]], list[np.ndarray]]


@dataclass
class LoadedSource:
    """A loaded model, ready to be converted and compared against.

    ``input_perms`` maps an input name to the axis permutation that turns source-layout data into
    the artifact's layout (ONNX NCHW -> NHWC), ``None`` when the layouts agree.
    ``reference`` computes the source model's outputs (a list, in ``output_names`` order) on a
    batch of source-layout inputs; ``None`` when there is nothing to compare with (a .tflite source).
    """

    format: str
    path: Path
    inputs: list[TensorSpec]
    output_names: list[str]
    reference: Reference | None
    make_converter: Callable[[Any], Any] | None
    keras_model: Any = None
    input_perms: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    layout_notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    cleanup: Callable[[], None] = lambda: None
    # A source that builds its .tflite itself (PyTorch through litert-torch: no TFLiteConverter):
    # export(quantize, io, calibration Dataset or None) -> bytes; None means use make_converter.
    export: Callable[[str, str | None, Any], bytes] | None = None
    report: dict[str, Any] = field(default_factory=dict)  # what loading did (tool, path, why): the load step's report

    @property
    def batch(self) -> int:
        """Rows per model call: the fixed batch size of models exported with one (e.g. 2), else 1.

        Data always holds one sample per row; models with a fixed batch B consume B rows per call.
        """
        fixed = [s.shape[0] for s in self.inputs if s.shape and isinstance(s.shape[0], int) and s.shape[0] > 1]
        return max(fixed) if fixed else 1

    def to_artifact_layout(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Transpose source-layout input arrays into the artifact's layout (batch axis kept first)."""
        out = {}
        for name, array in data.items():
            perm = self.input_perms.get(name)
            out[name] = np.ascontiguousarray(np.transpose(array, perm)) if perm else array
        return out


def natural_key(name: str) -> list[Any]:
    """Sort key so that output_10 follows output_9."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def channels_last_perm(source_shape: tuple[int | None, ...], artifact_shape: tuple[int | None, ...]) -> tuple[int, ...] | None:
    """The NCHW->NHWC permutation if ``artifact_shape`` is ``source_shape`` with channels moved last."""
    if len(source_shape) < 3 or len(source_shape) != len(artifact_shape):
        return None
    perm = (0, *range(2, len(source_shape)), 1)
    moved = tuple(source_shape[p] for p in perm)
    same = all(a is None or b is None or a == b for a, b in zip(moved, artifact_shape))
    identical = all(a is None or b is None or a == b for a, b in zip(source_shape, artifact_shape))
    return perm if same and not identical else None
