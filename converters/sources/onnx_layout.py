"""What onnx2tf must be told about an ONNX model's inputs: layout, fixed shapes, and what to try.

onnx2tf assumes every rank-3+ input is channels-first and moves its channels last. Exporters from
TensorFlow (tf2onnx) keep the TF model's channels-last inputs and put a Transpose (or, for one
channel, a Reshape) to NCHW right behind them; transposing such an input again breaks the first
Conv (``Depth of input (32) is not a multiple of input depth of filter``). Inputs with that
pattern are detected here and kept as they are. Dynamic sizes are fixed (batch to 1, others from
``input_shape``) with onnx2tf's ``overwrite_input_shape``, and several option sets are tried in
turn, so the one failure a user sees names the real cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from converters.sources.base import TensorSpec


@dataclass
class Attempt:
    """One onnx2tf option set: a label for messages, and the keyword arguments of onnx2tf.convert."""

    label: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _constant(model: Any, name: str) -> np.ndarray | None:
    from onnx import numpy_helper  # noqa: PLC0415

    for init in model.graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in model.graph.node:
        if node.op_type == "Constant" and node.output and node.output[0] == name:
            for attr in node.attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
    return None


def channels_last_inputs(path: Path, specs: list[TensorSpec]) -> dict[str, str]:
    """Inputs that are already channels-last, each with the evidence (the node that moves channels first)."""
    import onnx  # noqa: PLC0415

    model = onnx.load(str(path), load_external_data=False)
    found: dict[str, str] = {}
    for spec in specs:
        rank = len(spec.shape)
        if rank < 3:
            continue
        to_first = [0, rank - 1, *range(1, rank - 1)]
        for node in model.graph.node:
            if not node.input or node.input[0] != spec.name:
                continue
            if node.op_type == "Transpose":
                perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
                if perm == to_first:
                    found[spec.name] = f"a Transpose {perm} to channels-first follows it (as tf2onnx exports)"
            elif node.op_type == "Reshape" and spec.shape[-1] == 1 and len(node.input) > 1:
                target = _constant(model, node.input[1])
                middle = list(spec.shape[1:-1])
                if target is not None and len(target) == rank and int(target[1]) == 1 and \
                        all(d is None or int(t) == d for t, d in zip(target[2:], middle)):
                    found[spec.name] = "a Reshape to channels-first (1 channel) follows it (as tf2onnx exports)"
    return found


def fixed_shapes(specs: list[TensorSpec], given: dict[str, tuple[int, ...]]) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Every input's shape with batch fixed to 1 and ``given`` applied; plus inputs still dynamic.

    Raises ValueError for a ``given`` shape that contradicts the model (rank, fixed sizes, unknown name).
    """
    names = {s.name for s in specs}
    unknown = [n for n in given if n not in names]
    if unknown:
        raise ValueError(f"input_shape names {', '.join(unknown)}, but the model's inputs are {', '.join(sorted(names))}")
    shapes: dict[str, tuple[int, ...]] = {}
    dynamic: list[str] = []
    for spec in specs:
        if spec.name in given:
            dims = given[spec.name]
            if len(dims) != len(spec.shape) or any(d is not None and d != g for d, g in zip(spec.shape, dims)):
                raise ValueError(f"input_shape {spec.name}:{','.join(map(str, dims))} does not fit the model's "
                                 f"{['?' if d is None else d for d in spec.shape]}")
            shapes[spec.name] = dims
            continue
        dims_or_none = [1 if (i == 0 and d is None) else d for i, d in enumerate(spec.shape)]
        if any(d is None for d in dims_or_none):
            dynamic.append(f"{spec.name} {['?' if d is None else d for d in spec.shape]}")
            continue
        shapes[spec.name] = tuple(int(d) for d in dims_or_none)  # type: ignore[arg-type]
    return shapes, dynamic


def attempts(shapes: dict[str, tuple[int, ...]], channels_last: dict[str, str], given: bool) -> list[Attempt]:
    """The onnx2tf option sets to try, most likely first."""
    overwrite = [f"{n}:{','.join(map(str, d))}" for n, d in shapes.items()]
    fixed = Attempt("fixed input shapes", {"batch_size": None, "overwrite_input_shape": overwrite}) \
        if overwrite else None
    plain = Attempt("batch size 1", {"batch_size": 1})
    if channels_last and fixed is not None:
        keep = Attempt("channels-last inputs kept, fixed input shapes",
                       {**fixed.kwargs, "keep_shape_absolutely_input_names": sorted(channels_last)})
        return [keep, fixed, plain]
    if channels_last:
        keep = Attempt("channels-last inputs kept, batch size 1",
                       {"batch_size": 1, "keep_shape_absolutely_input_names": sorted(channels_last)})
        return [keep, plain]
    if fixed is None:
        return [plain]
    return [fixed, plain] if given else [plain, fixed]


def failure_hint(channels_last: dict[str, str]) -> str:
    """What to do when every attempt failed (dynamic sizes are refused before onnx2tf runs)."""
    if channels_last:
        return ("the channels-last input(s) " + ", ".join(channels_last) + " were kept as they are and also tried "
                "transposed; the failing op is named above: simplify the graph (onnxsim) or re-export it")
    return "the failing op is named above: re-export with another opset or simplify the graph (onnxsim) first"
