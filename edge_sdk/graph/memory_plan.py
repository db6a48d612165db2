"""Activation memory: tensor lifetimes over execution order, and arena offsets for each tensor.

The interpreter keeps every non-constant tensor in one arena and reuses memory between tensors
whose lifetimes do not overlap. A tensor lives from the op that produces it (step 0 for a model
input) to the last op that reads it (the end for a model output); an op's inputs and outputs are
live together, so they never share bytes. Offsets are assigned the way TFLite's ArenaPlanner and
TFLM's GreedyMemoryPlanner do it: largest tensor first, each at the lowest aligned offset that
does not collide with an already placed tensor whose lifetime overlaps. The two runtimes differ
in alignment and in how they order equal sizes, which changes the arena of branchy models
(DenseNet: 8.0 vs 9.2 MB), so each has its rule in ``PLANNERS``. The plan's peak
(``peak_bytes``) is what an arena must hold; ``lower_bound_bytes`` is the largest set of tensors
live at the same step, which no planner can beat. Variable tensors (state of streaming models)
and constant-folded DEQUANTIZE outputs are persistent and reported apart. Kernel scratch buffers
(im2col, etc.) are not in the graph and not in this plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Allocation:
    tensor: int
    name: str
    size: int
    first: int  # execution step (op index within the subgraph) where it becomes live
    last: int   # last step where it is still needed
    offset: int = -1


@dataclass
class SubgraphPlan:
    subgraph: int
    alignment: int
    allocations: list[Allocation]
    peak_bytes: int
    lower_bound_bytes: int
    timeline: list[int]  # bytes live while each op runs (its inputs, outputs and all still needed later)
    persistent_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "subgraph": self.subgraph, "alignment": self.alignment, "peak_bytes": self.peak_bytes,
            "lower_bound_bytes": self.lower_bound_bytes, "persistent_bytes": self.persistent_bytes,
            "timeline": self.timeline,
            "tensors": [{"tensor": a.tensor, "name": a.name, "size": a.size, "first_op": a.first,
                         "last_op": a.last, "offset": a.offset} for a in self.allocations],
        }


@dataclass
class MemoryPlan:
    subgraphs: list[SubgraphPlan] = field(default_factory=list)

    @property
    def peak_bytes(self) -> int:
        """Each subgraph gets its own arena in TFLite, so the model needs their sum."""
        return sum(p.peak_bytes for p in self.subgraphs)

    @property
    def lower_bound_bytes(self) -> int:
        return sum(p.lower_bound_bytes for p in self.subgraphs)

    @property
    def persistent_bytes(self) -> int:
        return sum(p.persistent_bytes for p in self.subgraphs)

    def timeline(self) -> list[int]:
        return [value for plan in self.subgraphs for value in plan.timeline]

    def to_dict(self) -> dict[str, Any]:
        return {"peak_bytes": self.peak_bytes, "lower_bound_bytes": self.lower_bound_bytes,
                "persistent_bytes": self.persistent_bytes,
                "subgraphs": [p.to_dict() for p in self.subgraphs]}


@dataclass(frozen=True)
class Planner:
    """How one runtime orders and aligns its arena (the greedy placement itself is shared)."""

    name: str
    alignment: int
    source: str
    whole_lifetime_first: bool  # tensors live for the whole run are placed first, by index
    ties: str                   # equal sizes: "first_use" (earliest first) or "reverse_index"


PLANNERS: dict[str, Planner] = {
    "litert": Planner(
        "litert", 64, "tensorflow/lite/arena_planner.cc CreateTensorAllocationVector: whole-run tensors "
        "first, then size descending, equal sizes by allocation time; kDefaultTensorAlignment 64",
        whole_lifetime_first=True, ties="first_use"),
    "tflm": Planner(
        "tflm", 16, "tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc: stable size-descending "
        "sort of the buffers as the allocator adds them (observed: descending tensor index), 16-byte "
        "MicroArenaBufferAlignment; matched the real TFLM arena exactly (bench/bench_inspect.py)",
        whole_lifetime_first=False, ties="reverse_index"),
}


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def lifetimes(n_ops: int, op_inputs: list[tuple[int, ...]], op_outputs: list[tuple[int, ...]],
              graph_inputs: tuple[int, ...], graph_outputs: tuple[int, ...],
              is_activation: dict[int, bool]) -> dict[int, tuple[int, int]]:
    """First and last execution step of every activation tensor of one subgraph."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for t in graph_inputs:
        if is_activation.get(t):
            first[t] = 0
            last[t] = 0
    for step in range(n_ops):
        for t in op_outputs[step]:
            if t >= 0 and is_activation.get(t):
                first.setdefault(t, step)
                last[t] = max(last.get(t, step), step)
        for t in op_inputs[step]:
            if t >= 0 and is_activation.get(t):
                first.setdefault(t, step)  # read before written: an input or a defaulted tensor
                last[t] = max(last.get(t, step), step)
    end = max(n_ops - 1, 0)
    for t in graph_outputs:
        if is_activation.get(t):
            first.setdefault(t, 0)
            last[t] = end
    return {t: (first[t], last[t]) for t in first}


def placement_order(allocations: list[Allocation], planner: Planner, n_ops: int) -> list[Allocation]:
    """The order in which ``planner``'s runtime assigns offsets."""
    end = max(n_ops - 1, 0)

    def key(a: Allocation) -> tuple[int, ...]:
        if planner.whole_lifetime_first and a.first == 0 and a.last == end:
            return (0, a.tensor, 0)
        tie = a.first if planner.ties == "first_use" else -a.tensor
        return (1, -a.size, tie)

    return sorted(allocations, key=key)


def greedy_offsets(order: list[Allocation], alignment: int) -> int:
    """Place allocations, in ``order``, at the lowest free aligned offset; return the arena size."""
    placed: list[Allocation] = []
    peak = 0
    for alloc in order:
        overlapping = sorted((p for p in placed if p.first <= alloc.last and alloc.first <= p.last),
                             key=lambda p: p.offset)
        offset = 0
        for other in overlapping:
            if offset + alloc.size <= other.offset:
                break
            offset = max(offset, _align(other.offset + other.size, alignment))
        alloc.offset = offset
        placed.append(alloc)
        peak = max(peak, offset + alloc.size)
    return _align(peak, alignment) if peak else 0


def plan_subgraph(subgraph: int, n_ops: int, op_inputs: list[tuple[int, ...]],
                  op_outputs: list[tuple[int, ...]], graph_inputs: tuple[int, ...],
                  graph_outputs: tuple[int, ...], sizes: dict[int, int], names: dict[int, str],
                  persistent: dict[int, int], planner: Planner = PLANNERS["litert"]) -> SubgraphPlan:
    """Lifetimes, greedy offsets, peak, lower bound and timeline for one subgraph.

    ``sizes`` maps every arena (activation) tensor to its bytes; ``persistent`` maps tensors kept
    for the model's lifetime (variables, folded constants) to their bytes.
    """
    spans = lifetimes(n_ops, op_inputs, op_outputs, graph_inputs, graph_outputs,
                      dict.fromkeys(sizes, True))
    allocations = [Allocation(t, names.get(t, ""), sizes[t], a, b) for t, (a, b) in sorted(spans.items())
                   if sizes[t] > 0]
    alignment = planner.alignment
    peak = greedy_offsets(placement_order(allocations, planner, n_ops), alignment)
    steps = max(n_ops, 1)
    delta = [0] * (steps + 1)
    for a in allocations:
        delta[a.first] += a.size
        delta[a.last + 1] -= a.size
    timeline, live = [], 0
    for step in range(steps):
        live += delta[step]
        timeline.append(live)
    # a subgraph without ops (inputs wired to outputs) still holds its tensors at "step 0"
    return SubgraphPlan(subgraph=subgraph, alignment=alignment, allocations=allocations,
                        peak_bytes=peak, lower_bound_bytes=max(timeline, default=0),
                        timeline=timeline[:n_ops], persistent_bytes=sum(persistent.values()))
