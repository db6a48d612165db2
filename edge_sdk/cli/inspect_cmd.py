"""``edge-sdk inspect MODEL.tflite``: static analysis of a .tflite (no TensorFlow, no interpreter)."""

from __future__ import annotations

import argparse
import sys

from edge_sdk.core.errors import EXIT_BAD_INPUT
from edge_sdk.core.table import WIDTH, fit_to_terminal, render_table
from edge_sdk.core.units import format_bytes, format_count

DESCRIPTION = """Static analysis of a .tflite file, read straight from its flatbuffer (no TensorFlow,
no interpreter): size and sha256, inputs/outputs with quantization, every op with shapes,
parameters and MACs, precision class, a liveness-based activation memory plan, custom/Flex ops,
control flow, min_runtime_version, and which runtimes (LiteRT 2.3, tflite-runtime 2.14) can load it
and which delegates (XNNPACK, GPU, NNAPI, TFLite Micro) take each op, with the reason when not.

example:  edge-sdk inspect model.tflite
          edge-sdk inspect model.tflite --json > model.inspect.json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL.tflite", help="the .tflite file to analyse")
    parser.add_argument("--json", action="store_true", help="print one JSON document (edge-sdk/inspect) instead of tables")
    parser.add_argument("-o", "--output", metavar="PATH", help="also write the JSON document to PATH (atomically)")
    parser.add_argument("--max-ops", type=int, default=200, metavar="N",
                        help="rows of the op table in text mode (default 200; 0 = all)")
    parser.add_argument("--memory", action="store_true", help="text mode: also print the arena plan (tensor offsets)")
    parser.add_argument("--planner", default="litert", choices=("litert", "tflm"),
                        help="whose arena the memory plan reproduces: litert (LiteRT/TFLite, 64-byte aligned, "
                             "default) or tflm (TensorFlow Lite Micro, 16-byte aligned)")


def run(args: argparse.Namespace) -> int:
    from edge_sdk.cli.common import print_json, write_json_output
    from edge_sdk.core.paths import OutputPlan
    from edge_sdk.graph import analyze

    OutputPlan().read(args.model, "model").write("-o", args.output).check()
    graph = analyze(args.model, planner=args.planner)
    document = graph.to_dict()
    if args.output:
        write_json_output("-o", args.output, document)
    if args.json:
        print_json(document)
    else:
        print(render_text(graph, max_ops=args.max_ops, memory=args.memory))
    if graph.unresolved_ops:
        # The report above is complete; the exit code says the model cannot run as it is.
        print(f"edge-sdk: error: {args.model}: uses {', '.join(graph.unresolved_ops)}, which no stock TFLite "
              "runtime provides: LiteRT and tflite-runtime will refuse to allocate it\n"
              "  hint: register the kernel in your app, or re-convert "
              "without it (Flex ops: convert without SELECT_TF_OPS)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _shape(shape: list[int] | None) -> str:
    return "x".join(str(d) for d in shape) if shape else "scalar"


def _quant(scale: float | None, zero: int | None) -> str:
    return "-" if scale is None else f"{scale:.6g} / {zero}"


def render_text(graph, *, max_ops: int = 200, memory: bool = False) -> str:
    """The human summary: headline figures, I/O, op table, counts, runtimes and delegates."""
    plan = graph.memory_plan
    weights = ", ".join(f"{dtype} {format_bytes(n)}" for dtype, n in graph.weight_bytes.items()) or "none"
    lines = [
        f"model        {graph.path}",
        f"size         {format_bytes(graph.size_bytes)} ({graph.size_bytes} bytes)   sha256 {graph.sha256}",
        f"precision    {graph.precision}",
        f"params       {format_count(graph.params)} ({graph.params})   weight bytes: {weights}",
        f"MACs         {format_count(graph.macs)} ({graph.macs})",
        (f"activations  peak {format_bytes(graph.peak_activation_bytes)} (arena plan, {graph.planner} planner, "
         f"{plan.subgraphs[0].alignment}-byte aligned), lower bound {format_bytes(graph.activation_lower_bound_bytes)}, "
         f"persistent {format_bytes(plan.persistent_bytes)}"),
        f"min runtime  {graph.min_runtime_version or '- (no min_runtime_version metadata)'}",
        f"subgraphs    {len(graph.subgraphs)}: "
        + ", ".join(f"#{s['index']} {s['name'] or '-'} ({s['ops']} ops)" for s in graph.subgraphs),
    ]
    if graph.unresolved_ops:
        lines.append(f"WARNING      {', '.join(graph.unresolved_ops)}: no stock runtime provides these ops; "
                     "they cannot run until the app registers their kernels")
    elif graph.custom_ops:
        lines.append(f"custom ops   {', '.join(graph.custom_ops)}: registered by the stock runtimes themselves")
    if graph.sparse_tensors:
        lines.append(f"sparse       {len(graph.sparse_tensors)} sparse tensors: {', '.join(graph.sparse_tensors[:5])}")
    if graph.control_flow:
        lines.append("control flow " + ", ".join(f"{c['op']} (op #{c['index']}) -> subgraphs {c['calls']}"
                                                   for c in graph.control_flow))
    if any(graph.resource_variables.values()):
        lines.append(f"variables    {graph.resource_variables['ops']} resource-variable ops, "
                     f"{graph.resource_variables['variable_tensors']} variable tensors")
    for title, tensors in (("inputs", graph.inputs), ("outputs", graph.outputs)):
        lines += ["", title, render_table(["name", "shape", "dtype", "scale / zero point"],
                                          [[t.name, _shape(t.shape), t.dtype, _quant(t.scale, t.zero_point)] for t in tensors],
                                          max_width=WIDTH)]
    shown = graph.ops if max_ops <= 0 else graph.ops[:max_ops]
    rows = []
    for op in shown:
        ins = ", ".join(_shape(r.shape) + ("*" if r.constant else "") for r in op.inputs if r is not None)
        outs = ", ".join(_shape(r.shape) for r in op.outputs if r is not None)
        dtype = next((r.dtype for r in op.outputs if r is not None), "-")
        rows.append([op.index, op.type if op.subgraph == 0 else f"{op.type} [sg{op.subgraph}]", op.version,
                     ins, outs, dtype, format_count(op.params) if op.params else "", format_count(op.macs) if op.macs else ""])
    lines += ["", f"ops ({len(graph.ops)}; * = constant input)",
              render_table(["#", "op", "v", "inputs", "outputs", "dtype", "params", "MACs"], rows, right_align=(0, 2, 6, 7),
                           max_width=WIDTH)]
    if len(shown) < len(graph.ops):
        lines.append(f"... {len(graph.ops) - len(shown)} more ops (--max-ops 0 shows all, --json has every op)")
    lines += ["", "op counts    " + ", ".join(f"{name} x{n}" for name, n in graph.op_counts.items())]
    zero: dict[str, list[str]] = {}
    for op in graph.ops:
        if op.macs == 0 and op.type not in zero.get(op.mac_rule, []):
            zero.setdefault(op.mac_rule, []).append(op.type)
    for rule, names in zero.items():
        lines.append(f"0 MACs       {', '.join(names)}: {rule.removeprefix('0: ').removeprefix('0 here: ')}")
    lines += ["", "runtimes"]
    for key, verdict in graph.compatibility["runtimes"].items():
        status = "loads" if verdict["loadable"] else "CANNOT load"
        lines.append(f"  {key:<20} {status}")
        lines += [f"      {problem}" for problem in verdict["problems"][:8]]
        lines += [f"      note: {note}" for note in verdict.get("notes", [])]
    lines += ["", "delegates (ops the delegate takes / total; the rest run on the CPU, except on TFLite Micro)"]
    for name, verdict in graph.compatibility["delegates"].items():
        lines.append(f"  {name:<8} {verdict['supported_ops']}/{verdict['total_ops']}"
                     + ("  all supported" if verdict["all_supported"] else ""))
        for item in verdict["unsupported"][:6]:
            lines.append(f"      #{item['index']} {item['op']}: {item['reason']}")
        if len(verdict["unsupported"]) > 6:
            lines.append(f"      ... {len(verdict['unsupported']) - 6} more (see --json)")
    from edge_sdk.graph.partition import delegate_plans

    lines += ["", "delegate partitions (as TFLite would hand them over; copies per inference at each boundary)"]
    for name, delegation in delegate_plans(graph).items():
        if name == "tflm":
            continue
        cpu_ops = sum(len(p.ops) for p in delegation.partitions if not p.delegated)
        lines.append(f"  {name:<8} {sum(p.delegated for p in delegation.partitions)} delegated partition(s), "
                     f"{delegation.delegated_ops} ops; {cpu_ops} ops on the CPU; "
                     f"{len(delegation.boundaries)} boundaries, {format_bytes(delegation.boundary_bytes)} copied")
    if memory:
        lines += ["", "arena plan (tensor, bytes, live from op to op, offset)"]
        for sub in plan.subgraphs:
            rows = [[a.tensor, a.name[:48], a.size, f"{a.first}-{a.last}", a.offset]
                    for a in sorted(sub.allocations, key=lambda a: (a.first, a.offset))]
            lines += [f"subgraph {sub.subgraph}: arena {format_bytes(sub.peak_bytes)}",
                      render_table(["tensor", "name", "bytes", "ops", "offset"], rows, right_align=(0, 2, 4),
                                   max_width=WIDTH)]
    return fit_to_terminal(lines)
