"""Multiply-accumulate (MAC) and parameter formulas per op, computed from static shapes.

One MAC is one multiply plus one add into an accumulator. The formulas use the output shape the
converter stored (so padding, strides and dilation are already accounted for) and the weight shape:

    CONV_2D             out_elems * KH * KW * Cin_per_group       filter [Cout, KH, KW, Cin/groups]
    DEPTHWISE_CONV_2D   out_elems * KH * KW                        filter [1, KH, KW, Cout]
    TRANSPOSE_CONV      in_elems * KH * KW * Cout                  weights [Cout, KH, KW, Cin]
    CONV_3D             out_elems * KD * KH * KW * Cin             filter [KD, KH, KW, Cin, Cout]
    CONV_3D_TRANSPOSE   in_elems * KD * KH * KW * Cout             filter [KD, KH, KW, Cout, Cin]
    FULLY_CONNECTED     out_elems * K                              weights [Cout, K]
    BATCH_MATMUL        out_elems * K                              K = lhs[-1] (lhs[-2] if adj_x)
    *_POOL_2D           out_elems * FH * FW                        one accumulate/compare per window tap
    MEAN, SUM, REDUCE_* in_elems                                   one accumulate per input element
    elementwise binary  out_elems                                  ADD, SUB, MUL, DIV, MAXIMUM, ...
    PRELU, HARD_SWISH   out_elems                                  one multiply per element
    recurrent (LSTM...) steps * batch * (elements of the 2-D weight matrices)

Everything else counts 0 MACs, with the reason reported per op: data movement (RESHAPE, CONCAT,
PAD, TRANSPOSE, GATHER...) does no arithmetic; activations and unary functions (RELU, LOGISTIC,
TANH, SOFTMAX, EXP...) are comparisons, lookups or transcendental evaluations, not multiply-
accumulates; QUANTIZE/DEQUANTIZE are type conversions; custom ops are opaque. Their cost is
memory-bound and the latency estimator models it from tensor bytes, not from MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_sdk.graph.tensors import TensorRef, element_count

CONV_LIKE = {
    # op -> positions of its weight inputs (filter and bias)
    "CONV_2D": (1, 2), "DEPTHWISE_CONV_2D": (1, 2), "CONV_3D": (1, 2),
    "TRANSPOSE_CONV": (1, 3), "CONV_3D_TRANSPOSE": (1, 3), "FULLY_CONNECTED": (1, 2),
}
POOLS = {"AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D"}
REDUCTIONS = {"MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "REDUCE_ANY", "REDUCE_ALL"}
ELEMENTWISE_BINARY = {
    "ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "POW", "FLOOR_DIV",
    "FLOOR_MOD", "ADD_N", "PRELU", "HARD_SWISH", "RSQRT", "SQRT", "SQUARE", "ATAN2",
}
RECURRENT = {"LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "RNN",
             "UNIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_RNN", "SVDF"}
DATA_MOVEMENT = {
    "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "CONCATENATION", "PACK", "UNPACK", "SPLIT", "SPLIT_V",
    "PAD", "PADV2", "MIRROR_PAD", "TRANSPOSE", "GATHER", "GATHER_ND", "SCATTER_ND", "SLICE",
    "STRIDED_SLICE", "TILE", "BROADCAST_TO", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE", "SPACE_TO_BATCH_ND",
    "BATCH_TO_SPACE_ND", "SHAPE", "EMBEDDING_LOOKUP", "REVERSE_V2", "FILL", "ZEROS_LIKE", "ONES_LIKE",
    "RESIZE_NEAREST_NEIGHBOR", "SELECT", "SELECT_V2", "WHERE", "CAST", "ARG_MAX", "ARG_MIN", "TOPK_V2",
}
CONVERSIONS = {"QUANTIZE", "DEQUANTIZE"}
CONTROL_FLOW = {"WHILE", "IF", "CALL_ONCE", "CALL"}


@dataclass(frozen=True)
class MacCount:
    macs: int
    rule: str  # the formula used, or why the op counts 0


def _elems(ref: TensorRef | None) -> int:
    return element_count(ref.shape) if ref is not None else 0


def _dim(ref: TensorRef | None, axis: int) -> int:
    if ref is None or len(ref.shape) < abs(axis) + (0 if axis < 0 else 1):
        return 1
    return max(ref.shape[axis], 1)


def _get(refs: list[TensorRef | None], i: int) -> TensorRef | None:
    return refs[i] if 0 <= i < len(refs) else None


def zero_mac_reason(op: str) -> str:
    if op in DATA_MOVEMENT:
        return "0: data movement, no arithmetic"
    if op in CONVERSIONS:
        return "0: type conversion (scale and round), not a multiply-accumulate"
    if op in CONTROL_FLOW:
        return "0 here: the called subgraphs' ops are counted where they are listed"
    if op.startswith("custom:"):
        return "0: custom op, its arithmetic is unknown to static analysis"
    return "0: activation/unary/other op, no multiply-accumulate (memory-bound)"


def count_macs(op: str, inputs: list[TensorRef | None], outputs: list[TensorRef | None],
               options: dict[str, float]) -> MacCount:
    """MACs of one op from its static shapes (see the module docstring for every formula)."""
    out = _get(outputs, 0)
    weights = _get(inputs, 1)
    if op == "CONV_2D" and weights is not None and len(weights.shape) == 4:
        kh, kw, cin = weights.shape[1], weights.shape[2], weights.shape[3]
        return MacCount(_elems(out) * kh * kw * cin, "out_elems * KH * KW * Cin_per_group")
    if op == "DEPTHWISE_CONV_2D" and weights is not None and len(weights.shape) == 4:
        return MacCount(_elems(out) * weights.shape[1] * weights.shape[2], "out_elems * KH * KW")
    if op == "TRANSPOSE_CONV" and weights is not None and len(weights.shape) == 4:
        kh, kw, cout = weights.shape[1], weights.shape[2], weights.shape[0]
        return MacCount(_elems(_get(inputs, 2)) * kh * kw * cout, "in_elems * KH * KW * Cout")
    if op == "CONV_3D" and weights is not None and len(weights.shape) == 5:
        kd, kh, kw, cin = weights.shape[:4]
        return MacCount(_elems(out) * kd * kh * kw * cin, "out_elems * KD * KH * KW * Cin")
    if op == "CONV_3D_TRANSPOSE" and weights is not None and len(weights.shape) == 5:
        kd, kh, kw, cout = weights.shape[:4]
        return MacCount(_elems(_get(inputs, 2)) * kd * kh * kw * cout, "in_elems * KD * KH * KW * Cout")
    if op == "FULLY_CONNECTED" and weights is not None and weights.shape:
        return MacCount(_elems(out) * _dim(weights, -1), "out_elems * K (weights [Cout, K])")
    if op == "BATCH_MATMUL":
        lhs = _get(inputs, 0)
        k = _dim(lhs, -2) if options.get("AdjX") or options.get("AdjointLhs") else _dim(lhs, -1)
        return MacCount(_elems(out) * k, "out_elems * K")
    if op in POOLS:
        fh, fw = int(options.get("FilterHeight", 1)), int(options.get("FilterWidth", 1))
        return MacCount(_elems(out) * max(fh, 1) * max(fw, 1), "out_elems * FH * FW")
    if op in REDUCTIONS:
        return MacCount(_elems(_get(inputs, 0)), "in_elems (one accumulate per input element)")
    if op in ELEMENTWISE_BINARY:
        return MacCount(_elems(out), "out_elems (one op per output element)")
    if op in RECURRENT:
        return _recurrent(inputs)
    return MacCount(0, zero_mac_reason(op))


def _recurrent(inputs: list[TensorRef | None]) -> MacCount:
    data = _get(inputs, 0)
    if data is None or not data.shape:
        return MacCount(0, "0: recurrent op without a static input shape")
    # input [batch, steps, features] (or [batch, features] for a single step); time-major is rarer
    steps_times_batch = element_count(data.shape[:-1])
    matrix = sum(_elems(t) for t in inputs[1:] if t is not None and t.constant and len(t.shape) == 2)
    return MacCount(steps_times_batch * matrix, "steps * batch * weight_matrix_elems")


def param_input_positions(op: str, inputs: list[TensorRef | None]) -> list[int]:
    """Positions of ``inputs`` that are learned parameters (weights, biases, constant operands).

    Constant int32/int64 inputs are shapes, axes or permutations, not parameters, except in the
    bias slot of a convolution or fully connected op (quantized biases are int32).
    """
    bias_slots = CONV_LIKE.get(op, ())
    positions = []
    for i, ref in enumerate(inputs):
        if ref is None or not ref.constant:
            continue
        if ref.dtype in ("int32", "int64") and i not in bias_slots:
            continue
        if ref.dtype in ("string", "bool", "resource", "variant"):
            continue
        positions.append(i)
    return positions
