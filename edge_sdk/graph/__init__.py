"""Static analysis of ``.tflite`` files (no TensorFlow, no interpreter): ``analyze(path) -> ModelGraph``.

Modules, in the order the analysis reads: ``reader`` (flatbuffer loading and validation),
``tensors`` (dtypes, sizes), ``ops`` (names, MAC/param formulas), ``precision``, ``memory_plan``
(liveness and arena offsets), ``compatibility`` (runtime and delegate support, from the tables in
``edge_sdk/data``), ``model_graph`` (the ModelGraph record and ``analyze``).
"""

from edge_sdk.graph.model_graph import ModelGraph, OpInfo, analyze
from edge_sdk.graph.tensors import TensorInfo, TensorRef

__all__ = ["ModelGraph", "OpInfo", "TensorInfo", "TensorRef", "analyze"]
