"""Where an estimate's time goes: the same cost model applied to each op alone.

The latency model is a sum over op classes of work / (device throughput x fitted efficiency), so it
can be read op by op: each op's own features (MACs of its class, bytes it moves, one kernel call)
go through the same fitted model for the same device and threads. The per-op figures are then
scaled so they add up to the whole-model estimate (the whole model's fixed terms, such as its
thread-pool hand-offs, are spread in proportion), which keeps one number per device and lets the
table answer "which op costs the time" without claiming more precision than the whole estimate has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devices.profile import DeviceProfile
from runtime_harness.estimator.features import CONV_OPS, DEPTHWISE_OPS, FREE_OPS, GEMM_OPS, extract_features


def kernel_class(op_type: str) -> str:
    """The cost-model class an op is charged to (what the estimate assumes about its kernel)."""
    if op_type in CONV_OPS:
        return "conv (GEMM)"
    if op_type in DEPTHWISE_OPS:
        return "depthwise"
    if op_type in GEMM_OPS:
        return "fully connected (GEMM)"
    if op_type in FREE_OPS:
        return "free (metadata only)"
    return "element-wise pass"


@dataclass
class _OneOp:
    """A graph view holding one op, with what ``extract_features`` reads."""

    ops: list[Any]
    precision: str
    weight_bytes: dict[str, int]
    size_bytes: int
    peak_activation_bytes: int


def _bytes_moved(op: Any) -> int:
    from runtime_harness.estimator.features import _ref_bytes  # one definition of a tensor's bytes

    return sum(_ref_bytes(r) for r in list(op.inputs) + list(op.outputs) if r is not None and not r.constant)


def per_op_breakdown(graph: Any, profile: DeviceProfile, total_ms: float, *, threads: int | None = None,
                     delegated: set[int] | None = None) -> list[dict[str, Any]]:
    """Per-op rows of an estimate on ``profile``: ``{index, type, layer, ms, share, macs, bytes_moved,
    kernel, delegated}``, summing to ``total_ms``. ``delegated``: op indices the device's default
    delegate (XNNPACK on phones and boards) takes; None when not known."""
    from runtime_harness.estimator import estimate_features

    raw: list[float] = []
    ops = [op for op in graph.ops if op.subgraph == 0]
    for op in ops:
        if op.type in FREE_OPS:
            raw.append(0.0)
            continue
        view = _OneOp([op], graph.precision, {"op": op.weight_bytes}, op.weight_bytes, 0)
        raw.append(float(estimate_features(extract_features(view), profile, threads=threads)["latency_ms"]["p50"]))
    scale = total_ms / sum(raw) if sum(raw) > 0 else 0.0
    rows = []
    for op, ms in zip(ops, raw):
        rows.append({
            "index": op.index, "type": op.type, "layer": op_layer_name(op),
            "ms": round(ms * scale, 6), "share": round(ms / sum(raw), 6) if sum(raw) else 0.0,
            "macs": int(op.macs), "bytes_moved": _bytes_moved(op), "kernel": kernel_class(op.type),
            "delegated": None if delegated is None else op.index in delegated,
        })
    return rows


def op_layer_name(op: Any) -> str:
    """The user's layer name, as converters leave it in the op's first output tensor name."""
    for ref in op.outputs:
        if ref is not None and ref.name:
            return layer_name(ref.name)
    return ""


_OP_SUFFIXES = (("BiasAdd",), ("Conv2D", "convolution", "depthwise", "MatMul", "conv2d_transpose"))


def layer_name(tensor_name: str) -> str:
    """The user's layer name in a TFLite tensor name (``model/conv2d/BiasAdd;model/conv2d/Conv2D``
    -> ``conv2d``).

    The converter names a fused op's output after every TF node folded into it, joined by ``;``,
    and constants shared between layers can leak another layer's name into the list. The node
    that *is* the op (its BiasAdd, else its Conv2D/convolution/depthwise/MatMul) names the layer;
    otherwise the first node's parent. Names without a path (ONNX via onnx2tf) are kept whole."""
    nodes = [n for n in tensor_name.split(";") if n]
    for suffixes in _OP_SUFFIXES:
        for node in nodes:
            parts = node.split("/")
            if len(parts) >= 2 and parts[-1].rstrip("0123456789") in suffixes:
                return parts[-2]
    parts = nodes[0].split("/") if nodes else [tensor_name]
    return parts[-2] if len(parts) >= 2 else parts[-1]
