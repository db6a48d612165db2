"""The precision class of a model, from the dtypes of its weights and of the activations they meet.

    float32        float weights, float activations
    float16        float16 weights (dequantized at load), float32 activations
    dynamic-int8   int8 weights, float activations (hybrid kernels quantize activations on the fly)
    int8           int8 weights and activations, int8/uint8 model inputs and outputs
    int8-float-io  int8 weights and activations inside, float model inputs/outputs (QUANTIZE and
                   DEQUANTIZE at the edges)
    int16x8        int16 activations with int8 weights
    mixed          anything else (some layers float, some quantized...)

Only "weighted" ops (those with parameter inputs) decide, so a float SOFTMAX after an int8 body or
a float input QUANTIZE does not make a model "mixed".
"""

from __future__ import annotations

from collections.abc import Iterable

QUANT8 = {"int8", "uint8"}
FLOATS = {"float32"}


def classify(weighted: Iterable[tuple[str, str]], io_dtypes: Iterable[str],
             all_activation_dtypes: Iterable[str]) -> str:
    """``weighted``: (activation dtype, weight dtype) per op with weights (weight dtype before any
    DEQUANTIZE). ``io_dtypes``: dtypes of the model inputs and outputs."""
    pairs = set(weighted)
    io = set(io_dtypes)
    if not pairs:  # no weights at all: judge by the activations alone
        acts = set(all_activation_dtypes) - {"int32", "int64", "bool"}
        if acts <= FLOATS:
            return "float32"
        if acts <= QUANT8:
            return "int8" if io <= QUANT8 else "int8-float-io"
        return "int16x8" if acts == {"int16"} else "mixed"
    acts = {a for a, _ in pairs}
    weights = {w for _, w in pairs}
    if acts <= FLOATS:
        if weights <= FLOATS:
            return "float32"
        if weights <= {"float16"}:
            return "float16"
        if weights <= QUANT8:
            return "dynamic-int8"
        return "mixed"
    if acts <= QUANT8 and weights <= QUANT8:
        return "int8" if io <= QUANT8 else "int8-float-io"
    if acts <= {"int16"} and weights <= QUANT8:
        return "int16x8"
    return "mixed"
