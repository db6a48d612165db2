"""Calibrate once, quantize many ways: the shared base of the per-op report, keep-float and auto.

TFLiteConverter calibrates (runs the float model on the representative data, recording every
tensor's range) and then quantizes. ``QuantizationDebugger`` exposes the calibrated model; TFLite's
MLIR quantizer (``mlir_quantize``, what ``converter.convert()`` itself calls) turns it into full
int8, into int8 with named ops left in float (``denylisted_nodes``: op output tensor names;
``denylisted_ops``: op types such as ``CONV_2D``), or into the debug model. Each variant costs
milliseconds to a second instead of a new calibration.

Op names: the TFLite name of an op is the name of its output tensor, which carries the location of
the ops fused into it (``model/conv_bad_1/convolution``; ``a;b;c`` when several were fused). The
framework name shown to users is the layer part of it (``conv_bad``, a Keras layer, or
``tf.nn.convolution_3`` for onnx2tf's layer of an ONNX Conv).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from converters._runtime import captured_output, import_tensorflow
from converters.data import Dataset
from converters.sources.base import LoadedSource
from converters.steps.quantize import converting, representative_dataset
from edge_sdk.core.errors import UnsupportedModelError

NOT_QUANTIZED = {"QUANTIZE", "DEQUANTIZE", "NumericVerify"}
# which fused location names the op itself, per op type (the others are its bias add, activation...)
_MAIN_PART = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise", "FULLY_CONNECTED": "matmul|dense|gemm|linear",
              "TRANSPOSE_CONV": "transpose"}


@dataclass(frozen=True)
class OpInfo:
    """One op of the calibrated model: ``tensor`` is what the quantizer's denylist takes."""

    index: int
    type: str
    tensor: str
    name: str
    consumers: tuple[str, ...] = ()  # output tensor names of the ops that read this op's output

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "type": self.type, "name": self.name, "tensor": self.tensor}


def framework_name(tensor: str, op_type: str, layer_names: frozenset[str] = frozenset(),
                   traced_suffix: bool = False) -> str:
    """The user's name for an op from its TFLite location string (best effort, never empty).

    ``traced_suffix``: Keras 3 traces every layer under a uniquified scope (layer ``conv2d`` as
    ``conv2d_1``, ``conv2d_1`` as ``conv2d_1_2``), tf_keras under the layer's own name.
    """
    parts = [p for p in tensor.split(";") if p and not re.fullmatch(r"Const(_\d+)?|arith\.constant\d*", p)]
    if not parts:
        return tensor
    wanted = _MAIN_PART.get(op_type)
    main = next((p for p in parts if wanted and re.search(wanted, p.lower())), parts[0])
    path = main.split("/")
    layer = path[1] if len(path) >= 3 else path[0]
    stripped = re.sub(r"_\d+$", "", layer)
    if stripped in layer_names and (traced_suffix or layer not in layer_names):
        layer = stripped
    return re.sub(r":\d+$", "", layer)


def _output_layer_names(model: Any) -> list[str]:
    """The Keras layers that produce the model's outputs (TFLite names graph outputs after the signature)."""
    names = []
    for tensor in getattr(model, "outputs", None) or []:
        history = getattr(tensor, "_keras_history", None)
        layer = getattr(history, "operation", None) or getattr(history, "layer", None)
        if layer is None and history is not None and len(history) > 0:
            layer = history[0]
        names.append(str(getattr(layer, "name", "")))
    return names if all(names) else []


def run_tflite(model: bytes, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Outputs (dequantized, in the model's output order) of ``model`` on artifact-layout inputs.

    In-process LiteRT, the same runner the validation child uses: the models run here were just
    produced by the quantizer from an already validated calibration, so a crash is not expected.
    """
    from converters.validation._litert_child import run  # noqa: PLC0415 - the one LiteRT runner

    with tempfile.TemporaryDirectory(prefix="edge-sdk-quant-") as folder:
        path = Path(folder) / "variant.tflite"
        path.write_bytes(model)
        outputs, names = run(str(path), inputs)
    return [outputs[n] for n in names]


def list_ops(tflite: bytes, model: Any = None) -> list[OpInfo]:
    """The computing ops of ``tflite`` with their user names (``model``: the Keras source, for layer names)."""
    tf = import_tensorflow()
    layers = frozenset(getattr(layer, "name", "") for layer in getattr(model, "layers", []) or [])
    traced_suffix = type(model).__module__.startswith("keras.")
    output_layers = _output_layer_names(model)
    with captured_output():
        interp = tf.lite.Interpreter(model_content=tflite)
    graph_outputs = [int(d["index"]) for d in interp.get_output_details()]
    details = [op for op in interp._get_ops_details()  # noqa: SLF001 - op wiring, as the debugger reads it
               if op["op_name"] not in NOT_QUANTIZED and any(t >= 0 for t in op["outputs"])]
    first_output = {int(op["index"]): next(int(t) for t in op["outputs"] if t >= 0) for op in details}
    names = {index: interp._get_tensor_details(t, 0)["name"] for index, t in first_output.items()}  # noqa: SLF001
    readers: dict[int, list[str]] = {}
    for op in details:
        for t in op["inputs"]:
            readers.setdefault(int(t), []).append(names[int(op["index"])])
    ops = []
    for op in details:
        index, out = int(op["index"]), first_output[int(op["index"])]
        name = framework_name(names[index], str(op["op_name"]), layers, traced_suffix)
        if out in graph_outputs and len(graph_outputs) == len(output_layers) and name not in layers:
            name = output_layers[graph_outputs.index(out)]  # "StatefulPartitionedCall:0" -> the layer
        ops.append(OpInfo(index, str(op["op_name"]), names[index], name, tuple(readers.get(out, ()))))
    return ops


class Calibrated:
    """The calibrated float model of ``source`` and the int8 variants made from it."""

    def __init__(self, source: LoadedSource, model: Any, calibration: Dataset) -> None:
        tf = import_tensorflow()
        self.source = source
        self.calibration = calibration
        if source.make_converter is None:  # a .tflite source is copied, never converted again
            raise UnsupportedModelError(f"{source.path}: this source cannot be calibrated again (it is already .tflite)")
        with converting(source, "int8"):
            converter = source.make_converter(model)
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative_dataset(source, calibration)
            self.debugger = tf.lite.experimental.QuantizationDebugger(converter=converter)
        self.model: bytes = self.debugger.calibrated_model
        self.ops = list_ops(self.model, model)

    def quantize(self, io: str | None = "float", keep_nodes: list[str] | tuple[str, ...] = (),
                 keep_types: list[str] | tuple[str, ...] = (), *, debug: bool = False) -> bytes:
        """Full int8 except the ops listed (kept float); ``debug`` adds the per-op NumericVerify ops."""
        tf = import_tensorflow()
        from tensorflow.lite.python import convert as tflite_convert  # noqa: PLC0415 - what convert() calls

        dtype = tf.int8 if (io == "int8" and not debug) else tf.float32
        with converting(self.source, "int8"):
            return tflite_convert.mlir_quantize(
                self.model, disable_per_channel=False, input_data_type=dtype, output_data_type=dtype,
                enable_numeric_verify=debug, denylisted_nodes=list(keep_nodes) or None,
                denylisted_ops=list(keep_types) or None)

    def inputs(self, count: int) -> dict[str, np.ndarray]:
        """Up to ``count`` calibration samples in the artifact's layout (the report's inputs)."""
        return self.source.to_artifact_layout(self.calibration.subset(count, seed=3)
                                              .whole_batches(self.source.batch).inputs)

    def float_outputs(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The float model's outputs: the calibrated model runs as the plain float32 model."""
        return run_tflite(self.model, inputs)


def float_ops(model: bytes) -> list[tuple[str, str]]:
    """(type, output tensor name) of the ops of ``model`` that compute in float (not int8)."""
    tf = import_tensorflow()
    with captured_output():
        interp = tf.lite.Interpreter(model_content=model)
    found = []
    for op in interp._get_ops_details():  # noqa: SLF001
        outputs = [int(t) for t in op["outputs"] if t >= 0]
        if not outputs or op["op_name"] in NOT_QUANTIZED:
            continue
        detail = interp._get_tensor_details(outputs[0], 0)  # noqa: SLF001
        if np.dtype(detail["dtype"]) == np.float32:
            found.append((str(op["op_name"]), str(detail["name"])))
    return found
