"""Precision classes, custom/Flex ops and runtime op versions, checked against the real runtimes."""

from __future__ import annotations

import numpy as np
import pytest

from edge_sdk.graph import analyze
from edge_sdk.graph.precision import classify
from model_scripts import STREAMING_MODEL
from edge_sdk.graph.synth import ModelSpec, Op, Subgraph, Tensor, build, single_op

RNG = np.random.default_rng(1)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _litert_runs(data: bytes) -> None:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=data)
    interpreter.allocate_tensors()
    for d in interpreter.get_input_details():
        interpreter.set_tensor(d["index"], np.ones(d["shape"], dtype=d["dtype"]))
    interpreter.invoke()


def test_float16_weights_dequantized_once(tmp_path):
    w = RNG.standard_normal((6, 8)).astype(np.float16)
    tensors = [Tensor([1, 8]), Tensor([6, 8], "float16", data=w), Tensor([6, 8]), Tensor([1, 6])]
    ops = [Op("DEQUANTIZE", [1], [2]), Op("FULLY_CONNECTED", [0, 2, -1], [3], ("FullyConnectedOptions", {}))]
    data = build(ModelSpec([Subgraph(tensors, ops, [0], [3])]))
    _litert_runs(data)
    graph = analyze(_write(tmp_path, "fp16.tflite", data))
    assert graph.precision == "float16"
    assert graph.params == 48 and graph.weight_bytes == {"float16": 96}
    assert [op.params for op in graph.ops] == [0, 48]  # counted at the consumer, once
    assert graph.memory_plan.persistent_bytes == 6 * 8 * 4  # the dequantized copy is kept, not in the arena


def test_dynamic_range_int8(tmp_path):
    w = RNG.integers(-127, 127, (6, 8)).astype(np.int8)
    data = single_op("FULLY_CONNECTED", [Tensor([1, 8]), Tensor([6, 8], "int8", data=w, scale=[0.02], zero_point=[0])],
                     [Tensor([1, 6])], options=("FullyConnectedOptions", {"asymmetricQuantizeInputs": True}))
    _litert_runs(data)
    graph = analyze(_write(tmp_path, "dyn.tflite", data))
    assert graph.precision == "dynamic-int8"
    assert graph.weight_bytes == {"int8": 48}


def test_int16x8_activations(tmp_path):
    w = RNG.integers(-127, 127, (6, 8)).astype(np.int8)
    data = single_op("FULLY_CONNECTED",
                     [Tensor([1, 8], "int16", scale=[0.001], zero_point=[0]),
                      Tensor([6, 8], "int8", data=w, scale=[0.02], zero_point=[0]),
                      Tensor([6], "int64", data=np.zeros(6, np.int64), scale=[0.00002], zero_point=[0])],
                     [Tensor([1, 6], "int16", scale=[0.01], zero_point=[0])],
                     options=("FullyConnectedOptions", {}))
    _litert_runs(data)
    graph = analyze(_write(tmp_path, "a16w8.tflite", data))
    assert graph.precision == "int16x8"
    assert graph.params == 48 + 6


def test_precision_classes_from_dtype_pairs():
    assert classify([("float32", "float32")], ["float32"], []) == "float32"
    assert classify([("int8", "int8")], ["uint8", "int8"], []) == "int8"
    assert classify([("int8", "int8")], ["float32", "int8"], []) == "int8-float-io"
    assert classify([("int8", "int8"), ("float32", "float32")], ["float32"], []) == "mixed"
    assert classify([], ["float32"], ["float32"]) == "float32"


@pytest.mark.parametrize("name, kind", [("MyVendorNms", "custom"), ("FlexAddV2", "flex")])
def test_unresolved_custom_and_flex_ops_are_named_and_block_every_runtime(tmp_path, name, kind):
    from ai_edge_litert.interpreter import Interpreter

    data = single_op(name, [Tensor([1, 4])], [Tensor([1, 4])], custom=True)
    with pytest.raises(RuntimeError, match="(?i)custom op|flex|select"):
        interpreter = Interpreter(model_content=data)  # the real runtime refuses to prepare it
        interpreter.allocate_tensors()
    graph = analyze(_write(tmp_path, f"{kind}.tflite", data))
    assert (graph.custom_ops, graph.flex_ops) == (([name], []) if kind == "custom" else ([], [name]))
    assert graph.ops[0].kind == kind and graph.ops[0].type == name
    for key, verdict in graph.compatibility["runtimes"].items():
        assert not verdict["loadable"], key
        assert name in verdict["problems"][0]
    for delegate, verdict in graph.compatibility["delegates"].items():
        assert verdict["unsupported"][0]["op"] == name and verdict["unsupported"][0]["reason"], delegate


def test_op_version_table_agrees_with_the_real_tflite_runtime(tmp_path):
    """FULLY_CONNECTED v12 (what TF 2.21 writes for dynamic-range) loads in LiteRT, not in 2.14."""
    tflite_runtime = pytest.importorskip("tflite_runtime.interpreter")
    from ai_edge_litert.interpreter import Interpreter

    data = single_op("FULLY_CONNECTED", [Tensor([1, 4]), Tensor([2, 4], data=np.ones((2, 4), np.float32))],
                     [Tensor([1, 2])], options=("FullyConnectedOptions", {}), version=12)
    Interpreter(model_content=data)
    with pytest.raises(ValueError, match="FULLY_CONNECTED' version '12'"):
        tflite_runtime.Interpreter(model_content=data)
    verdicts = analyze(_write(tmp_path, "fc12.tflite", data)).compatibility["runtimes"]
    assert verdicts["litert-2.3"]["loadable"]
    assert not verdicts["tflite-runtime-2.14"]["loadable"]
    assert "version 12" in verdicts["tflite-runtime-2.14"]["problems"][0]


def test_int16_op_is_left_to_the_cpu_by_xnnpack_with_the_reason(tmp_path):
    data = single_op("ADD", [Tensor([1, 4], "int16", scale=[0.01]), Tensor([1, 4], "int16", scale=[0.01])],
                     [Tensor([1, 4], "int16", scale=[0.02])], options=("AddOptions", {}))
    verdict = analyze(_write(tmp_path, "add16.tflite", data)).compatibility["delegates"]["xnnpack"]
    assert verdict["supported_ops"] == 0
    assert "int16" in verdict["unsupported"][0]["reason"]




@pytest.mark.slow
def test_streaming_model_with_control_flow_and_resource_variables(tmp_path):
    """A real TF conversion of a stateful streaming model: CALL_ONCE, WHILE, VAR_HANDLE..."""
    import os
    import subprocess
    import sys

    path = tmp_path / "streaming.tflite"
    subprocess.run([sys.executable, "-c", STREAMING_MODEL, str(path)], check=True, capture_output=True,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=300)
    graph = analyze(path)
    assert len(graph.subgraphs) == 4
    calls = {c["op"]: c["calls"] for c in graph.control_flow}
    assert set(calls) == {"CALL_ONCE", "WHILE"} and len(calls["WHILE"]) == 2
    assert graph.resource_variables["ops"] >= 3
    assert graph.precision == "float32"
    assert {op.subgraph for op in graph.ops} == {0, 1, 2, 3}
    assert graph.compatibility["runtimes"]["litert-2.3"]["loadable"]
    _litert_runs(path.read_bytes())


_SPARSE_MODEL = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf, keras
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
for layer in model.layers:
    w, b = layer.get_weights()
    w[np.random.default_rng(0).random(w.shape) < 0.9] = 0   # 90% unstructured sparsity
    layer.set_weights([w, b])
conv = tf.lite.TFLiteConverter.from_keras_model(model)
conv.optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
open(sys.argv[1], "wb").write(conv.convert())
'''


@pytest.mark.slow
def test_sparse_weights_are_reported_and_counted_once(tmp_path):
    """A real TF conversion with EXPERIMENTAL_SPARSITY: sparse tensors densified at load (DENSIFY)."""
    import os
    import subprocess
    import sys

    path = tmp_path / "sparse.tflite"
    subprocess.run([sys.executable, "-c", _SPARSE_MODEL, str(path)], check=True, capture_output=True,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=300)
    graph = analyze(path)
    assert len(graph.sparse_tensors) == 2
    assert graph.op_counts.get("DENSIFY") == 2
    assert [op.params for op in graph.ops if op.type == "DENSIFY"] == [0, 0]
    assert sum(op.params for op in graph.ops if op.type == "FULLY_CONNECTED") == graph.params >= 64 * 128 + 128 * 10
    assert graph.weight_bytes["float32"] < 0.5 * 4 * graph.params  # only the non-zeros are stored
    assert graph.memory_plan.persistent_bytes >= 4 * (64 * 128 + 128 * 10)  # the dense copies kept at load


_LOAD_IN_RUNTIME = r'''
import sys
if sys.argv[1] == "litert-2.3":
    from ai_edge_litert.interpreter import Interpreter
else:
    from tflite_runtime.interpreter import Interpreter
try:
    Interpreter(model_path=sys.argv[2])
    print("loads")
except ValueError as exc:
    print("refused" if "Didn't find op" in str(exc) else f"other error: {exc}")
'''


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SOFTMAX", "MEAN", "RESHAPE"])
def test_committed_version_table_matches_both_real_runtimes(op, tmp_path):
    """The highest version the table records loads; the next one is refused, in each runtime.

    Each load runs in a fresh child process: tflite-runtime 2.14 misbehaves in a process where
    TensorFlow is already imported (other tests convert models in-process), as it would in an app.
    """
    import subprocess
    import sys

    pytest.importorskip("tflite_runtime.interpreter")
    from edge_sdk.graph.compatibility import runtime_ops

    table = runtime_ops()
    for key in ("litert-2.3", "tflite-runtime-2.14"):
        top = max(table[key][op])
        for version, expected in ((top, "loads"), (top + 1, "refused")):
            path = _write(tmp_path, f"{key}-{op}-v{version}.tflite",
                          single_op(op, [Tensor([1])], [Tensor([1])], version=version))
            done = subprocess.run([sys.executable, "-c", _LOAD_IN_RUNTIME, key, str(path)],
                                  capture_output=True, text=True, timeout=60)
            assert done.stdout.strip() == expected, (key, op, version, done.stdout, done.stderr[-500:])


def test_xnnpack_table_predicts_litert_real_delegation(kws_tflite, vww_tflite, resnet8_tflite, sine_tflite):
    """KWS keeps its int8 AVERAGE_POOL_2D on the CPU in LiteRT; the table must say so, op by op."""
    from tools.xnnpack_probe import cpu_fallback_ops, table_agreement

    assert cpu_fallback_ops(kws_tflite) >= {10}  # the AVERAGE_POOL_2D
    for model in (kws_tflite, vww_tflite, resnet8_tflite, sine_tflite):
        agree, total, wrong = table_agreement(model)
        assert agree == total, wrong


_TFLM_LOAD = r'''
import sys
from tflite_micro.python.tflite_micro import runtime as micro
micro.Interpreter.from_file(sys.argv[1], arena_size=1 << 16)
'''


@pytest.mark.parametrize("scale, runs", [(0.1, True), (1e-9, False)])
def test_tflm_softmax_scale_floor_predicts_the_real_abort(tmp_path, scale, runs):
    """TFLM aborts the process on an int8 SOFTMAX with a degenerate input scale; inspect says so first."""
    import subprocess
    import sys

    pytest.importorskip("tflite_micro")
    path = _write(tmp_path, "softmax.tflite", single_op(
        "SOFTMAX", [Tensor([1, 10], "int8", scale=[scale], zero_point=[0])],
        [Tensor([1, 10], "int8", scale=[1 / 256], zero_point=[-128])], options=("SoftmaxOptions", {"beta": 1.0})))
    child = subprocess.run([sys.executable, "-c", _TFLM_LOAD, str(path)], capture_output=True, timeout=60)
    assert (child.returncode == 0) is runs, child.returncode
    verdict = analyze(path).compatibility["delegates"]["tflm"]
    assert verdict["all_supported"] is runs
    if not runs:
        assert "SOFTMAX" in verdict["unsupported"][0]["op"] and "scale" in verdict["unsupported"][0]["reason"]
