"""Tensor facts shared by the analysis: dtype names and widths, element counts, the TensorInfo record."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# TensorType code -> (name, bits per element). Names follow numpy/TFLite spelling in lower case.
DTYPES: dict[int, tuple[str, int]] = {
    0: ("float32", 32), 1: ("float16", 16), 2: ("int32", 32), 3: ("uint8", 8), 4: ("int64", 64),
    5: ("string", 8), 6: ("bool", 8), 7: ("int16", 16), 8: ("complex64", 64), 9: ("int8", 8),
    10: ("float64", 64), 11: ("complex128", 128), 12: ("uint64", 64), 13: ("resource", 0),
    14: ("variant", 0), 15: ("uint32", 32), 16: ("uint16", 16), 17: ("int4", 4), 18: ("bfloat16", 16),
    19: ("int2", 2), 20: ("uint4", 4), 21: ("float8_e4m3fn", 8), 22: ("float8_e5m2", 8),
}

FLOAT_DTYPES = frozenset({"float32", "float16", "bfloat16", "float64"})
INDEX_DTYPES = frozenset({"int32", "int64"})  # constant int32/int64 inputs are shapes/axes unless a bias


def dtype_name(code: int) -> str:
    return DTYPES.get(code, (f"type{code}", 0))[0]


def element_count(shape: tuple[int, ...] | list[int]) -> int:
    """Elements of a static shape; unknown dimensions (-1) count as 1 (batch 1), scalars as 1."""
    return math.prod(max(d, 1) for d in shape) if shape else 1


def tensor_bytes(shape: tuple[int, ...] | list[int], dtype_code: int) -> int:
    """Bytes a tensor of ``shape`` needs (sub-byte types packed, rounded up to whole bytes)."""
    bits = DTYPES.get(dtype_code, ("", 8))[1]
    return (element_count(shape) * bits + 7) // 8


@dataclass
class TensorInfo:
    """A model input or output as a user sees it: what to feed and what comes back."""

    name: str
    shape: list[int]
    dtype: str
    scale: float | None = None
    zero_point: int | None = None
    shape_signature: list[int] | None = None  # -1 marks a dynamic dimension
    per_channel_scales: int = 0  # > 1 when quantized per channel
    index: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "index": self.index, "shape": self.shape, "dtype": self.dtype,
            "scale": self.scale, "zero_point": self.zero_point,
            "shape_signature": self.shape_signature,
        }


@dataclass
class TensorRef:
    """An op's input or output: enough to read a formula or a table row."""

    index: int
    shape: list[int]
    dtype: str
    constant: bool = False
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "shape": self.shape, "dtype": self.dtype, "constant": self.constant}
