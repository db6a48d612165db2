"""Which ops LiteRT really hands to its default XNNPACK delegate: the check on op_support.toml.

LiteRT applies XNNPACK when it prepares a model and replaces each delegated partition with a
``DELEGATE`` node whose inputs and outputs are the partition's boundary tensors. The original
nodes stay listed, so an op ran on the CPU exactly when none of its outputs leaves a partition and
an output is read by a partition, by a CPU op, or is a model output. Walking the ops backwards
settles that in one pass. Used by ``bench/bench_inspect.py`` and the tests to measure how well the
static table predicts real delegation; ``inspect`` itself never runs an interpreter. This runs
LiteRT in-process: call it on models you trust, or from a child process.
"""

from __future__ import annotations

import os
from collections import defaultdict


def cpu_fallback_ops(path: str | os.PathLike[str]) -> set[int]:
    """Indexes (in subgraph 0) of the ops LiteRT 2.3 leaves on the CPU under default XNNPACK."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    details = interpreter._get_ops_details()  # noqa: SLF001 - the only view of the partitions
    original = [d for d in details if d["op_name"] != "DELEGATE"]
    delegates = [d for d in details if d["op_name"] == "DELEGATE"]
    if not delegates:
        return {d["index"] for d in original}
    leaves = {int(t) for d in delegates for t in d["outputs"]}
    feeds = {int(t) for d in delegates for t in d["inputs"]}
    model_outputs = {d["index"] for d in interpreter.get_output_details()}
    readers: dict[int, list[int]] = defaultdict(list)
    for d in original:
        for t in d["inputs"]:
            readers[int(t)].append(d["index"])
    cpu: set[int] = set()
    for d in reversed(original):
        outputs = [int(t) for t in d["outputs"]]
        if any(t in leaves for t in outputs):
            continue
        if any(t in model_outputs or t in feeds or any(r in cpu for r in readers[t]) for t in outputs):
            cpu.add(d["index"])
    return cpu


def table_agreement(path: str | os.PathLike[str]) -> tuple[int, int, list[str]]:
    """(ops where the table and LiteRT agree, ops in subgraph 0, descriptions of disagreements)."""
    from edge_sdk.graph import analyze

    graph = analyze(path)
    predicted = {u["index"] for u in graph.compatibility["delegates"]["xnnpack"]["unsupported"]}
    actual = cpu_fallback_ops(path)
    ops = [op for op in graph.ops if op.subgraph == 0]
    wrong = [f"#{op.index} {op.type}: table says {'CPU' if op.index in predicted else 'XNNPACK'}, "
             f"LiteRT used {'CPU' if op.index in actual else 'XNNPACK'}"
             for op in ops if (op.index in predicted) != (op.index in actual)]
    return len(ops) - len(wrong), len(ops), wrong
