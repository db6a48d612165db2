"""Inputs for a host measurement: resolve each input's shape, then generate or load its data.

Runs inside the child process (numpy only). Every problem is raised as :class:`InputProblem`
with a message naming the input and what to do; the child turns it into an exit-2 error.

Shapes: converters write ``-1`` for an unknown batch (``shape_signature`` ``[-1, 224, 224, 3]``);
that is universal and harmless, so an unknown *batch* is taken as 1 (and said so). Any other
unknown dimension (a sequence length, an image size) has no safe default: it needs
``input_shape`` (``--input-shape NAME:1,128``) or data whose shape fixes it.

Generated data respects the tensor's type and quantization: a quantized integer input takes
values over its whole integer range (every code is a valid real value ``(q - zero_point) *
scale``), float inputs take uniform values in [-1, 1] (the range of normalized images and
most features), integer inputs that are not quantized are usually indices or token ids, so they
get small non-negative values (0..7) that are valid for any vocabulary or table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge_sdk.core.arrays import NpzMembers, load_npy
from edge_sdk.core.errors import InputError
from edge_sdk.core.files import require_file


class InputProblem(Exception):
    """An input cannot be built as requested (wrong shape, dtype, missing name, unknown size)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class InputPlan:
    """One model input: where it is, the concrete shape to run with, and the data to feed."""

    index: int
    name: str
    shape: tuple[int, ...]
    data: np.ndarray
    origin: str  # "generated" or the data file it came from


def resolve_shape(detail: dict[str, Any], requested: dict[str, list[int]],
                  data: np.ndarray | None) -> tuple[tuple[int, ...], str | None]:
    """The concrete shape of one input, and a note when a default was taken.

    Precedence: ``input_shape`` for this name, then the shape of the supplied data, then the
    model's own shape with an unknown batch taken as 1.
    """
    name = detail["name"]
    signature = [int(d) for d in detail.get("shape_signature", detail["shape"])]
    static = [int(d) for d in detail["shape"]]
    if name in requested:
        shape = tuple(int(d) for d in requested[name])
        _check_compatible(name, signature, shape, "input_shape")
        return shape, None
    if data is not None:
        _check_compatible(name, signature, tuple(data.shape), "the input data")
        shape = tuple(int(d) for d in data.shape)
        note = None
        if signature and signature[0] < 0 and shape and shape[0] != 1:
            note = (f"input {name!r}: running with batch {shape[0]} from the data; latency is per batch "
                    f"(save one sample, shape {[1, *shape[1:]]}, for per-sample latency)")
        return shape, note
    unknown = [axis for axis, dim in enumerate(signature) if dim < 0]
    if not unknown:
        return tuple(static), None
    if unknown == [0] and len(signature) > 1:
        return (1, *signature[1:]), f"input {name!r}: unknown batch size taken as 1"
    pretty = "[" + ", ".join("?" if d < 0 else str(d) for d in signature) + "]"
    example = ",".join("1" if d < 0 else str(d) for d in signature)
    raise InputProblem(
        f"input {name!r} has a dynamic shape {pretty}: the harness cannot guess its size",
        hint=f"give it one, e.g. input_shape='{name}:{example}' (or pass input_data with that shape)",
    )


def _check_compatible(name: str, signature: list[int], shape: tuple[int, ...], origin: str) -> None:
    fits = len(signature) == len(shape) and all(s < 0 or s == d for s, d in zip(signature, shape))
    if not fits or any(d <= 0 for d in shape):
        pretty = "[" + ", ".join("?" if d < 0 else str(d) for d in signature) + "]"
        raise InputProblem(
            f"input {name!r} expects shape {pretty}, but {origin} has shape {list(shape)}",
            hint="fix the shape (a '?' dimension may take any positive size)",
        )


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_fits(name: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
    """An input larger than this machine's memory is the model's problem, said with its name and shape
    (it used to end in "out of memory (MemoryError)" naming nothing)."""
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    memory = _physical_memory()
    if memory is not None and needed > memory:
        raise InputProblem(f"input {name!r} of shape {list(shape)} ({dtype}) needs {needed / 1e9:,.1f} GB, more "
                           f"than this machine's {memory / 1e9:,.1f} GB of memory",
                           hint="give its dynamic dimensions smaller sizes with input_shape, or check the "
                                "model's input shape")


def generate(shape: tuple[int, ...], dtype: np.dtype, quantization: tuple[float, int], seed: int = 0) -> np.ndarray:
    """Random data of ``shape``/``dtype`` within the range the tensor can legitimately hold."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    scale = float(quantization[0]) if quantization else 0.0
    if dtype.kind == "f":
        return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
    if dtype.kind in "iu" and scale > 0:
        info = np.iinfo(dtype)
        low, high = max(int(info.min), -(2**15)), min(int(info.max), 2**15 - 1)
        return rng.integers(low, high, size=shape, endpoint=True).astype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 8, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    raise InputProblem(
        f"cannot generate data of type {dtype} (e.g. strings)",
        hint="pass real inputs with input_data=FILE.npy or FILE.npz",
    )


def load_data_file(path: str, details: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Read ``.npy`` (one input) or ``.npz`` (arrays named like the inputs, or in input order)."""
    try:  # missing, a directory, a device or a FIFO (/dev/zero never ends, a FIFO blocks): named as such
        require_file(path, "input data file (.npy/.npz)", missing="no such input data file",
                     missing_hint="pass an existing .npy or .npz file")
    except InputError as error:
        raise InputProblem(error.message, hint=error.hint or "pass a regular .npy or .npz file") from None
    try:  # headers first: a pickle, a corrupt member or a header declaring terabytes is named, not run
        return _read_arrays(path, [d["name"] for d in details])
    except InputError as error:
        raise InputProblem(error.message, hint=error.hint or "save inputs with numpy.save / numpy.savez") from None


def _read_arrays(path: str, names: list[str]) -> dict[str, np.ndarray]:
    if not path.lower().endswith(".npz"):
        if len(names) != 1:
            raise InputProblem(
                f"{path}: one array given but the model has {len(names)} inputs ({', '.join(names)})",
                hint="use an .npz with one array per input name: numpy.savez(path, **{name: array})",
            )
        return {names[0]: load_npy(Path(path))}
    with NpzMembers(Path(path)) as loaded:
        keys = list(loaded.files)
        if all(n in keys for n in names):
            return {n: loaded[n] for n in names}
        if len(keys) == len(names) and all(k.startswith("arr_") for k in keys):
            return {n: loaded[f"arr_{i}"] for i, n in enumerate(names)}
    missing = [n for n in names if n not in keys]
    raise InputProblem(
        f"{path}: no array for input(s) {', '.join(repr(m) for m in missing)} (file has {', '.join(keys) or 'nothing'})",
        hint="name the arrays after the model inputs: numpy.savez(path, **{name: array})",
    )


def cast_checked(name: str, array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Convert user data to the input's dtype only when no value changes meaning."""
    dtype = np.dtype(dtype)
    if array.dtype == dtype:
        return array
    if array.dtype.kind == "f" and dtype.kind == "f":
        return array.astype(dtype)
    if array.dtype.kind in "iu" and dtype.kind in "iuf":
        info = np.iinfo(dtype) if dtype.kind in "iu" else None
        if info is None or (array.size == 0 or (array.min() >= info.min and array.max() <= info.max)):
            return array.astype(dtype)
    raise InputProblem(
        f"input {name!r} expects {dtype}, but the data is {array.dtype}",
        hint=f"convert it first (numpy: array.astype(numpy.{dtype.name})); for a quantized input "
             "quantize with the input's scale and zero point",
    )


def plan_inputs(details: list[dict[str, Any]], requested_shapes: dict[str, list[int]],
                data_path: str | None) -> tuple[list[InputPlan], list[str]]:
    """Resolve every input's shape and data; returns the plans and notes on defaults taken."""
    names = {d["name"] for d in details}
    if "" in requested_shapes:  # an unnamed input_shape: only meaningful for a single-input model
        if len(details) != 1:
            raise InputProblem(
                f"an unnamed input_shape, but the model has {len(details)} inputs",
                hint=f"name each one: input_shape='NAME:D,D,...' (inputs: {', '.join(sorted(names))})",
            )
        requested_shapes = {details[0]["name"]: requested_shapes[""],
                            **{k: v for k, v in requested_shapes.items() if k}}
    unknown = sorted(set(requested_shapes) - names)
    if unknown:
        raise InputProblem(
            f"input_shape names {', '.join(repr(u) for u in unknown)}, which the model does not have",
            hint=f"the model's inputs are: {', '.join(sorted(names))}",
        )
    supplied = load_data_file(data_path, details) if data_path else {}
    plans, notes = [], []
    for detail in details:
        name = detail["name"]
        data = supplied.get(name)
        shape, note = resolve_shape(detail, requested_shapes, data)
        if note:
            notes.append(note)
        if data is not None:
            if tuple(data.shape) != shape:
                raise InputProblem(f"input {name!r}: data shape {list(data.shape)} differs from input_shape {list(shape)}")
            array, origin = cast_checked(name, data, detail["dtype"]), os.path.basename(str(data_path))
        else:
            _check_fits(name, shape, np.dtype(detail["dtype"]))
            array, origin = generate(shape, detail["dtype"], detail.get("quantization", (0.0, 0))), "generated"
        plans.append(InputPlan(int(detail["index"]), name, shape, np.ascontiguousarray(array), origin))
    return plans, notes
