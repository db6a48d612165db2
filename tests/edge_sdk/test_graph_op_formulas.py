"""Hand-computed MACs and params for each formula, on tiny one-op models written as flatbuffers.

Each model is first run by the real LiteRT interpreter (so the shapes we count on are the shapes
the runtime computes), then analysed statically.
"""

from __future__ import annotations

import numpy as np
import pytest

from edge_sdk.graph import analyze
from edge_sdk.graph.synth import Tensor, single_op


def _w(*shape: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def _run_litert(data: bytes) -> list[tuple[int, ...]]:
    """Invoke the model once in LiteRT; return the output shapes the runtime produced."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=data)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.ones(detail["shape"], dtype=detail["dtype"]))
    interpreter.invoke()
    return [tuple(interpreter.get_tensor(d["index"]).shape) for d in interpreter.get_output_details()]


CASES = {
    # name: (op, inputs, outputs, options, expected MACs, expected params)
    "conv2d_stride2_valid": (
        "CONV_2D", [Tensor([1, 9, 9, 3]), Tensor([8, 3, 3, 3], data=_w(8, 3, 3, 3)), Tensor([8], data=_w(8))],
        [Tensor([1, 4, 4, 8])], ("Conv2DOptions", {"padding": 1, "strideH": 2, "strideW": 2}),
        1 * 4 * 4 * 8 * (3 * 3 * 3), 8 * 3 * 3 * 3 + 8),
    "depthwise_multiplier2": (
        "DEPTHWISE_CONV_2D", [Tensor([1, 6, 6, 4]), Tensor([1, 3, 3, 8], data=_w(1, 3, 3, 8)), Tensor([8], data=_w(8))],
        [Tensor([1, 6, 6, 8])], ("DepthwiseConv2DOptions", {"padding": 0, "strideH": 1, "strideW": 1, "depthMultiplier": 2}),
        6 * 6 * 8 * 3 * 3, 3 * 3 * 8 + 8),
    "transpose_conv": (
        "TRANSPOSE_CONV", [Tensor([4], "int32", data=np.array([1, 8, 8, 5], np.int32)),
                           Tensor([5, 3, 3, 2], data=_w(5, 3, 3, 2)), Tensor([1, 4, 4, 2])],
        [Tensor([1, 8, 8, 5])], ("TransposeConvOptions", {"padding": 0, "strideH": 2, "strideW": 2}),
        (4 * 4 * 2) * 3 * 3 * 5, 5 * 3 * 3 * 2),
    "fully_connected": (
        "FULLY_CONNECTED", [Tensor([2, 10]), Tensor([7, 10], data=_w(7, 10)), Tensor([7], data=_w(7))],
        [Tensor([2, 7])], ("FullyConnectedOptions", {}), 2 * 7 * 10, 7 * 10 + 7),
    "batch_matmul_adj_x": (
        "BATCH_MATMUL", [Tensor([3, 5, 4]), Tensor([3, 5, 6])],
        [Tensor([3, 4, 6])], ("BatchMatMulOptions", {"adjX": True}), 3 * 4 * 6 * 5, 0),
    "average_pool": (
        "AVERAGE_POOL_2D", [Tensor([1, 8, 8, 3])], [Tensor([1, 4, 4, 3])],
        ("Pool2DOptions", {"padding": 0, "strideH": 2, "strideW": 2, "filterHeight": 3, "filterWidth": 2}),
        4 * 4 * 3 * 3 * 2, 0),
    "max_pool": (
        "MAX_POOL_2D", [Tensor([1, 8, 8, 3])], [Tensor([1, 4, 4, 3])],
        ("Pool2DOptions", {"padding": 1, "strideH": 2, "strideW": 2, "filterHeight": 2, "filterWidth": 2}),
        4 * 4 * 3 * 2 * 2, 0),
    "add_with_constant": (
        "ADD", [Tensor([1, 5, 5, 3]), Tensor([3], data=_w(3))], [Tensor([1, 5, 5, 3])],
        ("AddOptions", {}), 5 * 5 * 3, 3),
    "mean_spatial": (
        "MEAN", [Tensor([1, 7, 7, 16]), Tensor([2], "int32", data=np.array([1, 2], np.int32))],
        [Tensor([1, 1, 1, 16])], ("ReducerOptions", {"keepDims": True}), 7 * 7 * 16, 0),
    "softmax_counts_zero": (
        "SOFTMAX", [Tensor([1, 10])], [Tensor([1, 10])], ("SoftmaxOptions", {"beta": 1.0}), 0, 0),
    "reshape_counts_zero": (
        "RESHAPE", [Tensor([1, 2, 6]), Tensor([2], "int32", data=np.array([1, 12], np.int32))],
        [Tensor([1, 12])], None, 0, 0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mac_and_param_formula_matches_hand_count(case, tmp_path):
    op, inputs, outputs, options, macs, params = CASES[case]
    data = single_op(op, inputs, outputs, options=options)
    assert _run_litert(data) == [tuple(t.shape) for t in outputs], "the runtime disagrees with our shapes"
    path = tmp_path / f"{case}.tflite"
    path.write_bytes(data)
    graph = analyze(path)
    assert [o.type for o in graph.ops] == [op]
    assert graph.ops[0].macs == macs, graph.ops[0].mac_rule
    assert graph.macs == macs
    assert graph.params == params
    if macs == 0:
        assert graph.ops[0].mac_rule.startswith("0"), "a zero-MAC op must say why"


def test_weights_shared_by_two_ops_count_once(tmp_path):
    from edge_sdk.graph.synth import ModelSpec, Op, Subgraph, build

    tensors = [Tensor([1, 4]), Tensor([4, 4], data=_w(4, 4)), Tensor([1, 4]), Tensor([1, 4])]
    ops = [Op("FULLY_CONNECTED", [0, 1, -1], [2], ("FullyConnectedOptions", {})),
           Op("FULLY_CONNECTED", [2, 1, -1], [3], ("FullyConnectedOptions", {}))]
    path = tmp_path / "shared.tflite"
    path.write_bytes(build(ModelSpec([Subgraph(tensors, ops, [0], [3])])))
    graph = analyze(path)
    assert [op.params for op in graph.ops] == [16, 16]
    assert graph.params == 16 and graph.weight_bytes == {"float32": 64}
    assert graph.macs == 32
