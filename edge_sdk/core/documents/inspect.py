"""The ``inspect`` document: what static analysis of a ``.tflite`` knows (``ModelGraph.to_dict``).

Sizes in bytes; ``macs`` and ``params`` are counts; ``ops`` lists every op with its own figures
(op index, type, MACs, params, tensors); ``memory_plan`` is the arena plan the runtime would make.
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Any, NotRequired, TypedDict

from edge_sdk.core.documents.common import Envelope, ModelRef


class OpRecord(TypedDict):
    index: NotRequired[int]
    type: NotRequired[str]
    macs: NotRequired[int | None]
    params: NotRequired[int | None]


class InspectDocument(Envelope):
    """``edge-sdk inspect --json``: a model's ops, parameters, MACs, memory plan and compatibility."""

    model: NotRequired[ModelRef]
    path: NotRequired[str]
    size_bytes: NotRequired[int]
    sha256: NotRequired[str]
    params: NotRequired[int]
    macs: NotRequired[int]
    weight_bytes: NotRequired[dict[str, int]]   # bytes of parameters per stored dtype
    peak_activation_bytes: NotRequired[int]
    activation_lower_bound_bytes: NotRequired[int]
    persistent_bytes: NotRequired[int]
    memory_planner: NotRequired[str]
    precision: NotRequired[str]
    inputs: NotRequired[list[dict[str, Any]]]
    outputs: NotRequired[list[dict[str, Any]]]
    op_counts: NotRequired[dict[str, int]]
    custom_ops: NotRequired[list[str]]
    flex_ops: NotRequired[list[str]]
    unresolved_ops: NotRequired[list[str]]
    min_runtime_version: NotRequired[str | None]
    compatibility: NotRequired[dict[str, Any]]
    delegate_partitions: NotRequired[dict[str, Any]]
    ops: NotRequired[list[OpRecord]]
    activation_timeline: NotRequired[list[int]]
    memory_plan: NotRequired[dict[str, Any]]
