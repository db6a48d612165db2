"""Write small ``.tflite`` flatbuffers directly with the schema's object API (no TensorFlow).

Used to build exact test models (one op of each MAC formula, a custom op, a Flex op, a corrupt
header) and by ``tools/version_probe.py`` to ask the real runtimes which op versions they
register. The models are real flatbuffers that LiteRT loads; nothing here fakes a runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge_sdk.graph.reader import IDENTIFIER
from edge_sdk.graph.tensors import DTYPES

_CODES = {name: code for code, (name, _) in DTYPES.items()}
_NUMPY = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "int8": np.int8,
          "uint8": np.uint8, "int16": np.int16, "int64": np.int64, "bool": np.bool_}


@dataclass
class Tensor:
    shape: list[int]
    dtype: str = "float32"
    data: np.ndarray | None = None  # constant data (a weight); None for an activation
    name: str = ""
    scale: list[float] | None = None
    zero_point: list[int] | None = None
    is_variable: bool = False


@dataclass
class Op:
    op: str                      # a BuiltinOperator name (CONV_2D) or, with custom=True, a custom code
    inputs: list[int]
    outputs: list[int]
    options: tuple[str, dict[str, Any]] | None = None  # ("Conv2DOptions", {"strideH": 1, ...})
    version: int = 1
    custom: bool = False
    custom_options: bytes | None = None  # a custom op's flexbuffer options


@dataclass
class Subgraph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    name: str = ""


@dataclass
class ModelSpec:
    subgraphs: list[Subgraph]
    metadata: dict[str, bytes] = field(default_factory=dict)


def build(spec: ModelSpec) -> bytes:
    """Serialize ``spec`` to ``.tflite`` bytes (with the TFL3 identifier)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as fb

    model = fb.ModelT()
    model.version = 3
    model.buffers = [fb.BufferT()]  # buffer 0: the empty sentinel every model has
    opcode_index: dict[tuple[str, int, bool], int] = {}
    model.operatorCodes = []
    model.subgraphs = []
    for sub in spec.subgraphs:
        graph = fb.SubGraphT()
        graph.name = sub.name
        graph.tensors = []
        for i, t in enumerate(sub.tensors):
            tensor = fb.TensorT()
            tensor.shape = list(t.shape)
            tensor.type = _CODES[t.dtype]
            tensor.name = t.name or f"t{i}"
            tensor.isVariable = t.is_variable
            tensor.buffer = 0
            if t.data is not None:
                buffer = fb.BufferT()
                array = np.asarray(t.data, dtype=_NUMPY.get(t.dtype, np.uint8))
                buffer.data = np.frombuffer(array.tobytes(), dtype=np.uint8)
                model.buffers.append(buffer)
                tensor.buffer = len(model.buffers) - 1
            if t.scale is not None:
                quant = fb.QuantizationParametersT()
                quant.scale = list(t.scale)
                quant.zeroPoint = list(t.zero_point or [0] * len(t.scale))
                tensor.quantization = quant
            graph.tensors.append(tensor)
        graph.operators = []
        for o in sub.ops:
            key = (o.op, o.version, o.custom)
            if key not in opcode_index:
                code = fb.OperatorCodeT()
                builtin = fb.BuiltinOperator.CUSTOM if o.custom else getattr(fb.BuiltinOperator, o.op)
                code.builtinCode = builtin
                code.deprecatedBuiltinCode = min(builtin, 127)
                code.version = o.version
                if o.custom:
                    code.customCode = o.op
                opcode_index[key] = len(model.operatorCodes)
                model.operatorCodes.append(code)
            operator = fb.OperatorT()
            operator.opcodeIndex = opcode_index[key]
            operator.inputs = list(o.inputs)
            operator.outputs = list(o.outputs)
            if o.custom_options is not None:
                operator.customOptions = list(o.custom_options)
            if o.options is not None:
                name, values = o.options
                options = getattr(fb, name + "T")()
                for attr, value in values.items():
                    setattr(options, attr, value)
                operator.builtinOptionsType = getattr(fb.BuiltinOptions, name)
                operator.builtinOptions = options
            graph.operators.append(operator)
        graph.inputs = list(sub.inputs)
        graph.outputs = list(sub.outputs)
        model.subgraphs.append(graph)
    model.metadata = []
    for name, payload in spec.metadata.items():
        buffer = fb.BufferT()
        buffer.data = np.frombuffer(payload, dtype=np.uint8)
        model.buffers.append(buffer)
        entry = fb.MetadataT()
        entry.name = name
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=IDENTIFIER)
    return bytes(builder.Output())


def single_op(op: str, inputs: list[Tensor], outputs: list[Tensor], *,
              options: tuple[str, dict[str, Any]] | None = None, version: int = 1,
              custom: bool = False, metadata: dict[str, bytes] | None = None) -> bytes:
    """A model of one op: non-constant inputs become model inputs, outputs become model outputs."""
    tensors = list(inputs) + list(outputs)
    in_idx = list(range(len(inputs)))
    out_idx = list(range(len(inputs), len(tensors)))
    graph_inputs = [i for i in in_idx if tensors[i].data is None and not tensors[i].is_variable]
    sub = Subgraph(tensors, [Op(op, in_idx, out_idx, options, version, custom)], graph_inputs, out_idx)
    return build(ModelSpec([sub], metadata or {}))
