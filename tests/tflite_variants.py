"""Real .tflite models rewritten to carry one specific defect, for error-path tests.

Each variant starts from a real third-party model (via tests/assets.py) and changes one field of
its flatbuffer with the LiteRT schema bindings, so the interpreters' own loaders produce their
real error messages: an op version newer than tflite-runtime 2.14 registers (as a TF 2.21
dynamic-range model has), a custom op nobody links in, a dynamic non-batch input dimension.
"""

from __future__ import annotations

from pathlib import Path

import flatbuffers
from ai_edge_litert import schema_py_generated as schema


def _rewrite(source: Path, target: Path, change) -> Path:
    model = schema.ModelT.InitFromPackedBuf(bytearray(source.read_bytes()), 0)
    change(model)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    target.write_bytes(bytes(builder.Output()))
    return target


def with_op_version(source: Path, target: Path, version: int) -> Path:
    """Every operator code bumped to ``version`` (12 for FULLY_CONNECTED: LiteRT loads it, 2.14 does not)."""
    def change(model):
        for code in model.operatorCodes:
            code.version = version
    return _rewrite(source, target, change)


def with_custom_op(source: Path, target: Path, name: str) -> Path:
    """The first operator code turned into the custom op ``name`` (unresolved in every runtime)."""
    def change(model):
        code = model.operatorCodes[0]
        code.builtinCode = schema.BuiltinOperator.CUSTOM
        code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
        code.customCode = name.encode()
    return _rewrite(source, target, change)


def with_dynamic_input_dim(source: Path, target: Path, axis: int) -> Path:
    """Input 0's ``shape_signature`` gets -1 at ``axis`` (a dynamic, non-batch dimension)."""
    def change(model):
        graph = model.subgraphs[0]
        tensor = graph.tensors[graph.inputs[0]]
        signature = list(tensor.shapeSignature if tensor.shapeSignature is not None else tensor.shape)
        signature[axis] = -1
        tensor.shapeSignature = signature
    return _rewrite(source, target, change)
