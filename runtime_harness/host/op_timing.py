"""Per-op time on this host, measured for real: each op cut out as a one-op model and timed alone.

LiteRT's Python API has no op profiler, and its C++ profiler is not reachable from a wheel. So we
measure each op the way a kernel benchmark does: the op, its constant weights and its activation
tensors become a one-op ``.tflite`` (written with the schema's object API, no TensorFlow), fed the
*real* values that reach it in the full model (captured once with the reference kernels and
``experimental_preserve_all_tensors``), and timed with the same runtime, threads and default
delegate as the whole-model measurement. Runs inside the isolated host child, like the rest.

Honest limits, reported with every table: a one-op model pays one interpreter call per op (the
*invoke floor*, measured on the cheapest op and subtracted), loses fusion across ops, and starts
with cold caches for its weights; the sum of per-op times is compared with the whole-model median
so the user sees the method's error. Ops that cannot run alone (control flow, resource variables,
custom ops without a kernel, dynamic shapes) get a note instead of a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge_sdk.graph.reader import IDENTIFIER

CANNOT_RUN_ALONE = {"WHILE", "IF", "CALL_ONCE", "CALL", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
                    "STABLEHLO_WHILE", "STABLEHLO_CASE"}


@dataclass(frozen=True)
class OpBudget:
    """How long each op is timed: at least ``min_runs`` invokes and ``min_s`` seconds, at most ``max_s``."""

    warmup: int = 3
    min_runs: int = 10
    min_s: float = 0.05
    max_s: float = 0.4


def cut_single_op(model_bytes: bytes, op_position: int, subgraph: int = 0) -> tuple[bytes, list[int]]:
    """A one-op ``.tflite``: op ``op_position`` of ``subgraph`` with only the tensors and buffers it uses.

    The op's non-constant inputs become the model's inputs and its outputs the model's outputs.
    Returns the model and, for each of its inputs in order, the tensor index in the original model
    (a constant folded at load time, such as an fp16 weight's DEQUANTIZE output, is an input here)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as fb

    model = fb.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    graph = model.subgraphs[subgraph]
    op = graph.operators[op_position]
    used = [t for t in list(op.inputs) + list(op.outputs) + list(op.intermediates or []) if t >= 0]
    order = list(dict.fromkeys(used))
    remap = {old: new for new, old in enumerate(order)}
    buffers = [fb.BufferT()]
    tensors = []
    for old in order:
        tensor = graph.tensors[old]
        source = model.buffers[tensor.buffer] if tensor.buffer < len(model.buffers) else None
        if tensor.buffer > 0 and source is not None and (source.data is not None or source.size):
            copy = fb.BufferT()
            if source.data is not None:
                copy.data = source.data
            else:  # stored after the flatbuffer (models over 2 GB): read it from the file's tail
                copy.data = np.frombuffer(model_bytes, np.uint8, count=source.size, offset=source.offset)
            buffers.append(copy)
            tensor.buffer = len(buffers) - 1
        else:
            tensor.buffer = 0
        tensors.append(tensor)
    constant = {remap[t] for t in used if tensors[remap[t]].buffer > 0}
    op.inputs = [remap[t] if t >= 0 else -1 for t in op.inputs]
    op.outputs = [remap[t] for t in op.outputs if t >= 0]
    op.intermediates = [remap[t] for t in (op.intermediates or []) if t >= 0]
    graph.tensors = tensors
    graph.operators = [op]
    graph.inputs = [t for t in dict.fromkeys(op.inputs) if t >= 0 and t not in constant]
    sources = [order[t] for t in graph.inputs]
    graph.outputs = list(op.outputs)
    model.subgraphs = [graph]
    model.buffers = buffers
    model.signatureDefs = []
    model.metadata = []
    model.metadataBuffer = []
    builder = flatbuffers.Builder(1024 + sum(len(b.data) if b.data is not None else 0 for b in buffers))
    builder.Finish(model.Pack(builder), file_identifier=IDENTIFIER)
    return bytes(builder.Output()), sources


def capture_tensors(module: Any, model_path: str, feeds: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Every tensor of subgraph 0 after one inference with the reference kernels (no delegate).

    The reference kernels keep every intermediate tensor, which a delegate would hide."""
    resolver = module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = module.Interpreter(model_path=model_path, experimental_op_resolver_type=resolver,
                                     experimental_preserve_all_tensors=True)
    details = interpreter.get_input_details()
    for detail in details:
        shape = feeds[detail["index"]].shape
        if tuple(shape) != tuple(detail["shape"]):
            interpreter.resize_tensor_input(detail["index"], list(shape), strict=False)
    interpreter.allocate_tensors()
    for index, data in feeds.items():
        interpreter.set_tensor(index, data)
    interpreter.invoke()
    captured = {}
    for detail in interpreter.get_tensor_details():
        try:
            captured[detail["index"]] = np.array(interpreter.get_tensor(detail["index"]))
        except ValueError:  # a tensor with no data (optional, resource)
            continue
    return captured


def _time(invoke: Any, budget: OpBudget) -> tuple[float, int]:
    for _ in range(budget.warmup):
        invoke()
    samples: list[float] = []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter_ns()
        invoke()
        samples.append((time.perf_counter_ns() - t0) / 1e6)
        elapsed = time.perf_counter() - started
        if (len(samples) >= budget.min_runs and elapsed >= budget.min_s) or elapsed >= budget.max_s:
            return float(np.median(samples)), len(samples)


def time_one(module: Any, model_bytes: bytes, op: dict[str, Any], values: dict[int, np.ndarray],
             threads: int | None, budget: OpBudget = OpBudget()) -> dict[str, Any]:
    """One op of subgraph 0 timed alone: ``{index, type, ms, runs}`` or ``{index, type, ms: None, note}``.

    ``ms`` is the raw median of one interpreter call; :func:`subtract_floor` takes the call's own
    cost off once every op is timed."""
    row: dict[str, Any] = {"index": op["index"], "type": op["type"], "ms": None}
    if op["type"] in CANNOT_RUN_ALONE:
        row["note"] = f"{op['type']} cannot run alone (control flow or resource state): not timed"
        return row
    try:
        single, sources = cut_single_op(model_bytes, op["position"])
        interpreter = module.Interpreter(model_content=single, num_threads=threads)
        local_inputs = interpreter.get_input_details()
        for detail, source in zip(local_inputs, sources):
            value = values[source]
            if tuple(value.shape) != tuple(detail["shape"]):
                interpreter.resize_tensor_input(detail["index"], list(value.shape), strict=False)
        interpreter.allocate_tensors()
        for detail, source in zip(local_inputs, sources):
            interpreter.set_tensor(detail["index"], values[source].astype(detail["dtype"], copy=False))
        row["ms"], row["runs"] = _time(interpreter.invoke, budget)
    except (ValueError, RuntimeError, KeyError, IndexError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        row["note"] = f"{op['type']} could not run alone on this host ({reason}): not timed"
    return row


def subtract_floor(rows: list[dict[str, Any]], floor: float) -> float:
    """Take one interpreter call's cost off every timed row (never below 0); returns the floor used."""
    timed = [r["ms"] for r in rows if r["ms"] is not None]
    floor = min([floor, *timed]) if timed else floor
    for row in rows:
        if row["ms"] is not None:
            row["raw_ms"] = round(row["ms"], 5)
            row["ms"] = round(max(row["ms"] - floor, 0.0), 5)
    return round(floor, 5)


def _invoke_floor(module: Any, threads: int | None, budget: OpBudget) -> float:
    """The cost of one interpreter call on an op that does (almost) nothing: ABS on one float."""
    from edge_sdk.graph.synth import ModelSpec, Op, Subgraph, Tensor, build

    tiny = build(ModelSpec([Subgraph([Tensor([1]), Tensor([1])], [Op("ABS", [0], [1])], [0], [1])]))
    interpreter = module.Interpreter(model_content=tiny, num_threads=threads)
    interpreter.allocate_tensors()
    return _time(interpreter.invoke, budget)[0]


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Child side (:mod:`edge_sdk.core.child`): time every op of ``request["ops"]`` not in ``skip``.

    Each row is sent as progress the moment it is measured, so a crash in one op (a kernel that
    segfaults when run alone) loses only that op: the parent restarts after it."""
    from edge_sdk.core.child import report_progress
    from edge_sdk.core.errors import InputError, UnsupportedModelError
    from runtime_harness.host.inputs import InputProblem, plan_inputs
    from runtime_harness.host.runtimes import LoadProblem, import_runtime, load_interpreter

    runtime, model, threads = request["runtime"], request["model"], request.get("threads")
    try:
        module = import_runtime(runtime)
        interpreter = load_interpreter(module, runtime, model, threads)
        plans, _ = plan_inputs(interpreter.get_input_details(), request.get("input_shapes") or {},
                               request.get("input_data"))
    except InputProblem as problem:
        raise InputError(problem.message, hint=problem.hint, path=model) from None
    except LoadProblem as problem:
        raise UnsupportedModelError(problem.message, hint=problem.hint, path=model) from None
    values = capture_tensors(module, model, {plan.index: plan.data for plan in plans})
    with open(model, "rb") as handle_:
        model_bytes = handle_.read()
    skip = set(request.get("skip", []))
    for op in request["ops"]:
        if op["index"] in skip:
            continue
        report_progress({"started": op["index"]})
        _inject_fault(op["index"])
        report_progress({"row": time_one(module, model_bytes, op, values, threads)})
    return {"invoke_floor_ms": _invoke_floor(module, threads, OpBudget())}


#: Test hook standing in for a kernel that crashes when run alone: "INDEX:segv" or "INDEX:hang".
FAULT_ENV = "EDGE_SDK_OP_FAULT"


def _inject_fault(index: int) -> None:
    import os
    import signal

    spec = os.environ.get(FAULT_ENV, "")
    target, _, kind = spec.partition(":")
    if target.isdigit() and int(target) == index:
        if kind == "hang":
            time.sleep(3600)
        os.kill(os.getpid(), signal.SIGSEGV)


if __name__ == "__main__":
    import sys

    from edge_sdk.core.child import serve

    sys.exit(serve(handle))
