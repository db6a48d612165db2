"""The ModelGraph: everything static analysis knows about a ``.tflite`` file, and ``analyze(path)``.

``analyze`` reads the flatbuffer (``reader``), resolves each op's tensors, constants and weights,
counts MACs and parameters (``ops.macs``), classifies precision (``precision``), plans activation
memory (``memory_plan``) and checks runtime/delegate support (``compatibility``). It never imports
TensorFlow and never runs an interpreter, so it is safe on any file and fast enough for CI.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge_sdk.core.errors import UsageError
from edge_sdk.graph import reader
from edge_sdk.graph.compatibility import OpFacts
from edge_sdk.graph.compatibility import compatibility as check_compatibility
from edge_sdk.graph.memory_plan import PLANNERS, MemoryPlan, Planner, SubgraphPlan, plan_subgraph
from edge_sdk.graph.ops.macs import CONV_LIKE, count_macs, param_input_positions
from edge_sdk.graph.ops.names import CUSTOM_CODE, FLEX_PREFIX, builtin_name
from edge_sdk.graph.precision import classify
from edge_sdk.graph.tensors import TensorInfo, TensorRef, dtype_name, element_count, tensor_bytes

CONTROL_FLOW_OPS = {"WHILE", "IF", "CALL_ONCE", "CALL", "STABLEHLO_WHILE", "STABLEHLO_CASE"}
RESOURCE_OPS = {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"}
FOLDING_OPS = {"DEQUANTIZE", "DENSIFY"}  # on a constant input: computed once at load, kept
NUMERIC_ACTIVATIONS = {"float32", "float16", "bfloat16", "int8", "uint8", "int16"}  # decide precision


@dataclass
class OpInfo:
    """One op in execution order (``index`` is its position in ``ModelGraph.ops``)."""

    index: int
    subgraph: int
    type: str                 # CONV_2D, or the custom code of a custom/Flex op
    kind: str                 # builtin | custom | flex
    version: int
    inputs: list[TensorRef | None]
    outputs: list[TensorRef | None]
    params: int
    macs: int
    mac_rule: str
    options: dict[str, float] = field(default_factory=dict)
    position: int = 0         # position within its subgraph
    weight_bytes: int = 0     # bytes its parameters occupy in the file (as stored: int8, fp16, sparse)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "subgraph": self.subgraph, "position": self.position,
            "type": self.type, "kind": self.kind, "version": self.version,
            "inputs": [r.to_dict() if r is not None else None for r in self.inputs],
            "outputs": [r.to_dict() if r is not None else None for r in self.outputs],
            "params": self.params, "weight_bytes": self.weight_bytes, "macs": self.macs,
            "mac_rule": self.mac_rule,
        }


@dataclass
class ModelGraph:
    path: str
    size_bytes: int
    sha256: str
    params: int
    macs: int
    weight_bytes: dict[str, int]
    peak_activation_bytes: int
    activation_lower_bound_bytes: int
    precision: str
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[OpInfo]
    op_counts: dict[str, int]
    custom_ops: list[str]
    flex_ops: list[str]
    min_runtime_version: str | None
    compatibility: dict[str, Any]
    subgraphs: list[dict[str, Any]]
    memory_plan: MemoryPlan
    sparse_tensors: list[str] = field(default_factory=list)
    control_flow: list[dict[str, Any]] = field(default_factory=list)
    resource_variables: dict[str, int] = field(default_factory=dict)
    metadata_keys: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    planner: str = "litert"  # whose arena the memory plan reproduces (memory_plan.PLANNERS)

    @property
    def unresolved_ops(self) -> list[str]:
        """Custom and Flex ops no stock runtime resolves: the app must register their kernels.

        Custom ops the runtimes register themselves (TFLite_Detection_PostProcess, Mfcc, ...:
        ``edge_sdk/data/custom_ops.toml``) are not in this list.
        """
        from edge_sdk.graph.compatibility import stock_custom_ops

        stock = stock_custom_ops().get("litert-2.3", frozenset())
        return sorted({name for name in self.custom_ops if name not in stock} | set(self.flex_ops))

    def activation_timeline(self) -> list[int]:
        """Live activation bytes during each op, in the order of ``ops``."""
        return self.memory_plan.timeline()

    def to_dict(self) -> dict[str, Any]:
        """The ``inspect --json`` document (an edge-sdk ``inspect`` envelope)."""
        from edge_sdk.core.documents import envelope
        from edge_sdk.graph.partition import delegate_plans

        body = {
            "model": {"path": self.path, "sha256": self.sha256, "size_bytes": self.size_bytes},
            "path": self.path, "size_bytes": self.size_bytes, "sha256": self.sha256,
            "params": self.params, "macs": self.macs, "weight_bytes": self.weight_bytes,
            "peak_activation_bytes": self.peak_activation_bytes,
            "activation_lower_bound_bytes": self.activation_lower_bound_bytes,
            "persistent_bytes": self.memory_plan.persistent_bytes, "memory_planner": self.planner,
            "precision": self.precision,
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
            "op_counts": self.op_counts,
            "custom_ops": self.custom_ops, "flex_ops": self.flex_ops, "unresolved_ops": self.unresolved_ops,
            "sparse_tensors": self.sparse_tensors,
            "control_flow": self.control_flow, "resource_variables": self.resource_variables,
            "min_runtime_version": self.min_runtime_version,
            "compatibility": self.compatibility,
            "delegate_partitions": {name: plan.to_dict() for name, plan in delegate_plans(self).items()},
            "subgraphs": self.subgraphs,
            "metadata_keys": self.metadata_keys, "signatures": self.signatures,
            "ops": [op.to_dict() for op in self.ops],
            "activation_timeline": self.activation_timeline(),
            "memory_plan": self.memory_plan.to_dict(),
        }
        return envelope("inspect", body)


def _tensor_info(raw: reader.RawTensor, index: int) -> TensorInfo:
    scale = raw.scale[0] if raw.scale else None
    zero = raw.zero_point[0] if raw.zero_point else None
    if scale == 0.0 and not zero:
        scale, zero = None, None  # TFLite writes 0/0 for "not quantized"
    return TensorInfo(
        name=raw.name, shape=list(raw.shape), dtype=dtype_name(raw.dtype_code), scale=scale,
        zero_point=zero, shape_signature=list(raw.shape_signature) if raw.shape_signature else None,
        per_channel_scales=len(raw.scale), index=index,
    )


def _op_identity(raw_model: reader.RawModel, op: reader.RawOperator) -> tuple[str, str, int]:
    code = raw_model.opcodes[op.opcode_index]
    if code.builtin_code == CUSTOM_CODE:
        name = code.custom_code or "<unnamed custom op>"
        return name, ("flex" if name.startswith(FLEX_PREFIX) else "custom"), code.version
    return builtin_name(code.builtin_code), "builtin", code.version


def analyze(path: str | os.PathLike[str], *, planner: str = "litert") -> ModelGraph:
    """Static analysis of a ``.tflite`` file. Raises ``InputError`` for anything that is not one.

    ``planner`` picks whose arena the memory plan reproduces: "litert" (LiteRT/TFLite, 64-byte
    aligned) or "tflm" (TensorFlow Lite Micro, 16-byte aligned); see ``memory_plan.PLANNERS``.
    """
    if planner not in PLANNERS:
        raise UsageError(f"unknown memory planner {planner!r}; use one of: {', '.join(PLANNERS)}")
    raw = reader.load(path)
    ops: list[OpInfo] = []
    param_sources: dict[tuple[int, int], tuple[int, str, int]] = {}  # -> (elements, dtype, bytes)
    weighted: list[tuple[str, str]] = []
    activation_dtypes: set[str] = set()
    facts: list[OpFacts] = []
    plans = []
    sparse: list[str] = []
    control_flow: list[dict[str, Any]] = []
    variables = 0

    for s, sub in enumerate(raw.subgraphs):
        tensors = sub.tensors

        def constant(t: int) -> bool:
            tensor = tensors[t]
            return tensor.buffer > 0 and raw.buffer_sizes[tensor.buffer] > 0 and not tensor.is_variable

        # constants folded at load time (fp16 -> fp32 DEQUANTIZE, DENSIFY of sparse weights)
        folded: dict[int, int] = {}
        for op in sub.operators:
            name, kind, _ = _op_identity(raw, op)
            if name in FOLDING_OPS and op.inputs and op.inputs[0] >= 0 and constant(op.inputs[0]):
                for out in op.outputs:
                    if out >= 0:
                        folded[out] = op.inputs[0]

        def ref(t: int) -> TensorRef | None:
            if t < 0:
                return None
            tensor = tensors[t]
            source = folded.get(t, t)
            is_const = constant(t) or t in folded
            extra = {"source": source, "source_dtype": dtype_name(tensors[source].dtype_code)} if is_const else {}
            return TensorRef(t, list(tensor.shape), dtype_name(tensor.dtype_code), is_const, tensor.name, extra)

        for t, tensor in enumerate(tensors):
            if tensor.sparse:
                sparse.append(tensor.name or f"subgraph {s} tensor {t}")
            if tensor.is_variable:
                variables += 1

        for position, op in enumerate(sub.operators):
            name, kind, version = _op_identity(raw, op)
            inputs = [ref(t) for t in op.inputs]
            outputs = [ref(t) for t in op.outputs]
            folding = name in FOLDING_OPS and all(o is None or o.index in folded for o in outputs)
            mac_op = name if kind == "builtin" else f"custom:{name}"
            count = count_macs(mac_op, inputs, outputs, op.options)
            params = op_weight_bytes = 0
            positions = [] if folding or name in CONTROL_FLOW_OPS else param_input_positions(name, inputs)
            for i in positions:
                r = inputs[i]
                assert r is not None
                source = r.extra.get("source", r.index)
                elements = element_count(tensors[source].shape)
                params += elements
                src = tensors[source]
                param_sources[(s, source)] = (elements, dtype_name(src.dtype_code),
                                              raw.buffer_sizes[src.buffer])
                op_weight_bytes += raw.buffer_sizes[src.buffer]
            live = [r for r in inputs if r is not None and not r.constant]
            act = (live[0].dtype if live else next((o.dtype for o in outputs if o is not None), "float32"))
            for r in live + [o for o in outputs if o is not None]:
                activation_dtypes.add(r.dtype)
            bias_slot = CONV_LIKE[name][1] if name in CONV_LIKE else -1
            main = [inputs[i] for i in positions if i != bias_slot]  # the weights, not the bias
            if main and main[0] is not None and act in NUMERIC_ACTIVATIONS:
                weighted.append((act, main[0].extra.get("source_dtype", main[0].dtype)))
            if name in CONTROL_FLOW_OPS:
                called = sorted({v for k, v in op.options.items() if k.endswith("SubgraphIndex") or k == "Subgraph"})
                control_flow.append({"op": name, "index": len(ops), "subgraph": s, "calls": called})
            shapes = [r for r in inputs + outputs if r is not None]
            facts.append(OpFacts(
                len(ops), s, name, kind, version, act, max((len(r.shape) for r in shapes), default=0),
                n_inputs=sum(r is not None for r in inputs),
                constant_inputs=frozenset(i for i, r in enumerate(inputs) if r is not None and r.constant),
                present_inputs=frozenset(i for i, r in enumerate(inputs) if r is not None),
                options=tuple(sorted(op.options.items())),
                input_scale=_scale(tensors, op.inputs)))
            ops.append(OpInfo(len(ops), s, name, kind, version, inputs, outputs, params, count.macs,
                              count.rule, dict(op.options), position, op_weight_bytes))

        plans.append(_plan(s, sub, raw, constant, folded, PLANNERS[planner]))

    first = raw.subgraphs[0]
    model_inputs = [_tensor_info(first.tensors[t], t) for t in first.inputs]
    model_outputs = [_tensor_info(first.tensors[t], t) for t in first.outputs]
    weight_bytes: Counter[str] = Counter()
    for _, dtype, nbytes in param_sources.values():
        weight_bytes[dtype] += nbytes
    memory = MemoryPlan(plans)
    min_version = raw.metadata.get("min_runtime_version", b"").split(b"\x00")[0].decode("ascii", "replace") or None
    custom = sorted({op.type for op in ops if op.kind == "custom"})
    flex = sorted({op.type for op in ops if op.kind == "flex"})
    counts = Counter(op.type for op in ops)
    return ModelGraph(
        path=str(raw.path), size_bytes=raw.size_bytes, sha256=raw.sha256,
        params=sum(e for e, _, _ in param_sources.values()), macs=sum(op.macs for op in ops),
        weight_bytes=dict(sorted(weight_bytes.items())),
        peak_activation_bytes=memory.peak_bytes,
        activation_lower_bound_bytes=memory.lower_bound_bytes,
        precision=classify(weighted, [t.dtype for t in model_inputs + model_outputs], activation_dtypes),
        inputs=model_inputs, outputs=model_outputs, ops=ops,
        op_counts=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        custom_ops=custom, flex_ops=flex, min_runtime_version=min_version,
        compatibility=check_compatibility(facts, min_version),
        subgraphs=[{"index": i, "name": sg.name, "ops": len(sg.operators), "tensors": len(sg.tensors),
                    "inputs": list(sg.inputs), "outputs": list(sg.outputs)}
                   for i, sg in enumerate(raw.subgraphs)],
        memory_plan=memory, sparse_tensors=sparse, control_flow=control_flow,
        resource_variables={"ops": sum(counts[o] for o in RESOURCE_OPS), "variable_tensors": variables},
        metadata_keys=sorted(raw.metadata), signatures=raw.signature_keys, planner=planner,
    )


def _scale(tensors: list[reader.RawTensor], inputs: tuple[int, ...]) -> float | None:
    """Quantization scale of an op's first input, None when it is not quantized."""
    if not inputs or inputs[0] < 0 or not tensors[inputs[0]].scale:
        return None
    return tensors[inputs[0]].scale[0] or None


def _plan(s: int, sub: reader.RawSubgraph, raw: reader.RawModel, constant: Callable[[int], bool],
          folded: dict[int, int], planner: Planner) -> SubgraphPlan:
    """Memory plan of one subgraph: arena tensors vs persistent ones (variables, folded constants)."""
    sizes: dict[int, int] = {}
    persistent: dict[int, int] = {}
    names: dict[int, str] = {}
    for t, tensor in enumerate(sub.tensors):
        if constant(t):
            continue
        nbytes = tensor_bytes(tensor.shape, tensor.dtype_code)
        names[t] = tensor.name
        if tensor.is_variable or t in folded:
            persistent[t] = nbytes
        elif dtype_name(tensor.dtype_code) not in ("resource", "variant"):
            sizes[t] = nbytes
    return plan_subgraph(
        s, len(sub.operators), [op.inputs + op.intermediates for op in sub.operators],
        [op.outputs for op in sub.operators], sub.inputs, sub.outputs, sizes, names, persistent,
        planner=planner,
    )
