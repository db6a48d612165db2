"""``keep_float``: the ops a user wants left in float, resolved against the model's own op names.

A user names an op the way the per-op report shows it (the Keras layer ``conv_bad``, onnx2tf's
``tf.nn.convolution_3``), by its full TFLite tensor name, or a whole op type (``CONV_2D``,
``hard_swish``). Each name must match something in this model: a typo is refused with the closest
names the model really has, never silently ignored (an ignored name would ship a broken int8).
"""

from __future__ import annotations

from converters.quantization.calibrated import OpInfo
from edge_sdk.core.errors import UsageError
from edge_sdk.core.suggest import did_you_mean


def resolve_keep_float(ops: list[OpInfo], wanted: list[str] | None,
                       param: str = "keep_float") -> tuple[list[str], list[str]]:
    """(denylisted node tensor names, denylisted op types) for ``wanted``; UsageError on unknown names."""
    nodes: list[str] = []
    types: list[str] = []
    unknown: list[str] = []
    known_types = {op.type for op in ops}
    for item in wanted or []:
        if item.upper() in known_types:
            types.append(item.upper())
            continue
        matched = [op.tensor for op in ops if item in (op.name, op.tensor) or item in op.tensor.split(";")]
        if matched:
            nodes.extend(t for t in matched if t not in nodes)
        else:
            unknown.append(item)
    if unknown:
        names = sorted({op.name for op in ops})
        problems = []
        for item in unknown:
            problems.append(f"{item!r}" + did_you_mean(item, names + sorted(known_types), n=3, cutoff=0.5, parens=True))
        shown = ", ".join(names[:12]) + (f" ... ({len(names)} in all)" if len(names) > 12 else "")
        raise UsageError(f"{param}: no op of this model is called {'; '.join(problems)}",
                         hint=f"use an op name from quant_report or an op type ({', '.join(sorted(known_types))}); "
                              f"this model's ops: {shown}", params=(param, "quant_report"))
    return nodes, types


def describe_kept(ops: list[OpInfo], nodes: list[str], types: list[str]) -> list[dict[str, str]]:
    """The ops kept float, as the manifest lists them (name, type, TFLite tensor)."""
    return [{"name": op.name, "type": op.type, "tensor": op.tensor} for op in ops
            if op.tensor in nodes or op.type in types]
