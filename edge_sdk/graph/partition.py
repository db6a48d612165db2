"""Which partitions a delegate would take, which ops fall back to the CPU, and what each boundary costs.

A delegate does not take "the supported ops": TFLite hands it *partitions*, built by
``PartitionGraphIntoIndependentNodeSubsets`` (tensorflow/lite/graph_info.cc). That algorithm walks
the execution plan and grows one subset at a time, alternating between "delegated" and "not
delegated": a node joins the current subset when it is of the current kind and every tensor it
reads is already available (a graph input, a constant, or produced by a node already placed).
When no such node is left, the subset closes; the next takes the kind of the first node not yet
placed. We replay that here on the
per-op support verdicts of :mod:`edge_sdk.graph.compatibility`, so the partitions are the ones the
runtime would build for that verdict table, not a guess from adjacency.

Delegates then keep a limited number of partitions: the GPU delegate takes the largest one
(``max_delegated_partitions = 1`` by default), NNAPI three, XNNPACK all of them. Every tensor that
crosses between a delegated partition and CPU kernels is a copy (and for the GPU a layout
conversion): its bytes are the fallback's cost, reported per boundary.

TensorFlow Lite Micro has no delegate and no fallback: an op it lacks stops the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edge_sdk.graph.model_graph import ModelGraph
from edge_sdk.graph.tensors import DTYPES, element_count

# Default number of partitions each delegate keeps (largest first); None = all of them.
MAX_PARTITIONS: dict[str, int | None] = {"xnnpack": None, "gpu": 1, "nnapi": 3}
# Delegates whose tensors live in memory of their own (GPU textures/buffers, an NNAPI driver's):
# every boundary, graph inputs and outputs included, is a copy. XNNPACK reads and writes the CPU
# tensors in place, so its boundaries copy nothing; they only end a fused run of kernels.
COPYING_DELEGATES = frozenset({"gpu", "nnapi"})
_BITS = dict(DTYPES.values())


@dataclass
class Partition:
    """A run of ops executed together, by the delegate (``delegated``) or by CPU kernels."""

    delegated: bool
    ops: list[int]                                   # op indices (ModelGraph.ops) in execution order
    reason: str = ""                                 # why a delegated candidate is not taken (limit)

    def to_dict(self) -> dict[str, Any]:
        return {"delegated": self.delegated, "ops": self.ops, "op_count": len(self.ops),
                **({"reason": self.reason} if self.reason else {})}


@dataclass
class Boundary:
    """A tensor that crosses between a delegated partition and the CPU: one copy per inference."""

    tensor: int
    name: str
    bytes: int
    producer: int | None                             # op index, None for a graph input
    direction: str                                   # "to-cpu" | "to-delegate"
    copies: bool = True                              # False for XNNPACK (same memory, no copy)

    def to_dict(self) -> dict[str, Any]:
        return {"tensor": self.tensor, "name": self.name, "bytes": self.bytes, "producer": self.producer,
                "direction": self.direction, "copies": self.copies}


@dataclass
class DelegatePlan:
    """What one delegate would do with the primary subgraph."""

    delegate: str
    partitions: list[Partition]
    fallback_ops: list[dict[str, Any]]               # {index, op, reason}
    boundaries: list[Boundary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def delegated_ops(self) -> int:
        return sum(len(p.ops) for p in self.partitions if p.delegated)

    @property
    def boundary_bytes(self) -> int:
        """Bytes copied per inference across delegate boundaries (0 for XNNPACK: no copies)."""
        return sum(b.bytes for b in self.boundaries if b.copies)

    def to_dict(self) -> dict[str, Any]:
        delegated = [p for p in self.partitions if p.delegated]
        return {
            "delegate": self.delegate,
            "delegated_partitions": len(delegated), "delegated_ops": self.delegated_ops,
            "cpu_partitions": len(self.partitions) - len(delegated),
            "partitions": [p.to_dict() for p in self.partitions],
            "fallback_ops": self.fallback_ops,
            "boundaries": [b.to_dict() for b in self.boundaries],
            "boundary_bytes": self.boundary_bytes,
            "notes": self.notes,
        }


def _tensor_bytes(ref: Any) -> int:
    return (element_count(ref.shape) * _BITS.get(ref.dtype, 8) + 7) // 8


def _split(graph: ModelGraph, supported: dict[int, bool]) -> list[Partition]:
    """Replay TFLite's PartitionGraphIntoIndependentNodeSubsets on the primary subgraph."""
    ops = [op for op in graph.ops if op.subgraph == 0]
    produced_by = {ref.index: op.index for op in ops for ref in op.outputs if ref is not None}
    available: set[int] = set()
    placed: set[int] = set()
    partitions: list[Partition] = []
    while len(placed) < len(ops):
        # a subset takes the kind of the first node not yet placed (graph_info.cc: kTfUnexplored)
        kind = next(supported.get(op.index, False) for op in ops if op.index not in placed)
        subset: list[int] = []
        progress = True
        while progress:
            progress = False
            for op in ops:
                if op.index in placed or supported.get(op.index, False) != kind:
                    continue
                needs = [r.index for r in op.inputs if r is not None and not r.constant
                         and r.index in produced_by]
                if all(t in available for t in needs):
                    subset.append(op.index)
                    placed.add(op.index)
                    available.update(r.index for r in op.outputs if r is not None)
                    progress = True
        if not subset:  # not in execution order (a malformed file): place the next node alone
            first = next(op for op in ops if op.index not in placed)
            subset = [first.index]
            placed.add(first.index)
            available.update(r.index for r in first.outputs if r is not None)
        partitions.append(Partition(kind, sorted(subset)))
    return partitions


def _limit(partitions: list[Partition], limit: int | None, delegate: str) -> None:
    """Keep the ``limit`` largest delegated partitions, as the delegates' defaults do."""
    if limit is None:
        return
    ranked = sorted((p for p in partitions if p.delegated), key=lambda p: (-len(p.ops), p.ops[0]))
    for dropped in ranked[limit:]:
        dropped.delegated = False
        dropped.reason = (f"{delegate} keeps its {limit} largest partition{'s' if limit > 1 else ''} "
                          "by default (max_delegated_partitions); these ops run on the CPU")


def _boundaries(graph: ModelGraph, partitions: list[Partition], copies: bool) -> list[Boundary]:
    owner = {i: p.delegated for p in partitions for i in p.ops}
    ops = {op.index: op for op in graph.ops if op.subgraph == 0}
    producer = {ref.index: (op.index, ref) for op in ops.values() for ref in op.outputs if ref is not None}
    graph_inputs = {t.index: t for t in graph.inputs}
    graph_outputs = {t.index for t in graph.outputs}
    seen: set[tuple[int, str]] = set()
    found: list[Boundary] = []

    def add(tensor: int, name: str, nbytes: int, source: int | None, direction: str) -> None:
        if (tensor, direction) not in seen:
            seen.add((tensor, direction))
            found.append(Boundary(tensor, name, nbytes, source, direction, copies))

    for op in ops.values():
        for ref in op.inputs:
            if ref is None or ref.constant:
                continue
            if ref.index in producer:
                source, _ = producer[ref.index]
                if owner[source] != owner[op.index]:
                    add(ref.index, ref.name, _tensor_bytes(ref), source,
                        "to-delegate" if owner[op.index] else "to-cpu")
            elif ref.index in graph_inputs and owner[op.index] and copies:
                add(ref.index, ref.name, _tensor_bytes(ref), None, "to-delegate")
    for tensor in graph_outputs:
        if tensor in producer and owner[producer[tensor][0]] and copies:
            source, ref = producer[tensor]
            add(tensor, ref.name, _tensor_bytes(ref), source, "to-cpu")
    return sorted(found, key=lambda b: (b.producer if b.producer is not None else -1, b.tensor))


def delegate_plan(graph: ModelGraph, delegate: str, *, max_partitions: int | str | None = "default") -> DelegatePlan:
    """The partitions ``delegate`` (xnnpack, gpu, nnapi, tflm) would take on ``graph``, with boundaries.

    ``max_partitions`` overrides the delegate's default limit (None: no limit)."""
    verdict = graph.compatibility["delegates"][delegate]
    reasons = {u["index"]: u for u in verdict["unsupported"]}
    fallback = [{"index": i, "op": u["op"], "reason": u["reason"]} for i, u in sorted(reasons.items())]
    notes: list[str] = []
    if any(op.subgraph > 0 for op in graph.ops):
        notes.append("ops in subgraphs called by control flow (WHILE/IF) are not partitioned here: the "
                     "delegates leave control flow on the CPU")
    if delegate == "tflm":
        runs = not fallback
        notes.append("TensorFlow Lite Micro has no delegate and no CPU fallback: "
                     + ("every op has a kernel" if runs else "the ops listed stop the model from running"))
        primary = [op.index for op in graph.ops if op.subgraph == 0]
        return DelegatePlan(delegate, [Partition(runs, primary)] if primary else [], fallback, [], notes)
    supported = {op.index: op.index not in reasons for op in graph.ops if op.subgraph == 0}
    partitions = _split(graph, supported)
    limit = MAX_PARTITIONS.get(delegate) if max_partitions == "default" else max_partitions
    _limit(partitions, limit if not isinstance(limit, str) else None, delegate)
    taken_by_limit = {i for p in partitions if p.reason for i in p.ops}
    for index in sorted(taken_by_limit):
        op = next(o for o in graph.ops if o.index == index)
        fallback.append({"index": index, "op": op.type, "reason": next(p.reason for p in partitions if index in p.ops)})
    fallback.sort(key=lambda f: f["index"])
    boundaries = _boundaries(graph, partitions, delegate in COPYING_DELEGATES)
    if boundaries and delegate not in COPYING_DELEGATES:
        notes.append(f"{delegate} works on the CPU tensors in place: its {len(boundaries)} boundaries copy nothing, "
                     "but each ends a fused run and hands the thread pool back to the CPU kernels")
    return DelegatePlan(delegate, partitions, fallback, boundaries, notes)


def delegate_plans(graph: ModelGraph) -> dict[str, DelegatePlan]:
    """Every delegate's plan, keyed by delegate name (the ``partitions`` section of inspect)."""
    return {name: delegate_plan(graph, name) for name in graph.compatibility["delegates"]}
