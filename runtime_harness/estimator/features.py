"""Graph features the latency model reads: work per op class, bytes moved, op count, precision.

Features are derived from :class:`edge_sdk.graph.ModelGraph` (no TensorFlow, no interpreter) and
are small numbers, so those of the reference models are committed as data
(``data/reference_features.json``) and the estimator never needs the reference files themselves.

Op classes follow how TFLite CPU kernels spend time: dense convolutions and fully connected layers
are compute bound GEMMs, depthwise convolutions are closer to memory bound and reach a smaller
fraction of peak, everything else (adds, pooling, activations, concatenations, resizes) is a pass
over its output elements. Every output of a conv/GEMM also pays a fixed cost (bias, requantization,
activation, store) that a small reduction dimension (a 1x1 conv on few channels, a depthwise 3x3)
cannot amortize: that is ``mac_outputs``. TFLite's pre-XNNPACK conv kernels (ruy/Eigen float,
gemmlowp/ruy int8) first copy each output pixel's k x k x Cin input patch into a matrix (im2col,
for every conv but a 1x1 stride-1 one) and then pack that matrix again for the GEMM; XNNPACK reads
the input in place (indirection buffer, pre-packed weights). Those copies are ``im2col_elements``
(MACs / Cout per copy of every conv): a conv with few output channels spends a large share of its
time copying.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from edge_sdk.graph.tensors import DTYPES, element_count

CONV_OPS = frozenset({"CONV_2D", "CONV_3D", "TRANSPOSE_CONV", "CONV_3D_TRANSPOSE"})
DEPTHWISE_OPS = frozenset({"DEPTHWISE_CONV_2D"})
GEMM_OPS = frozenset({"FULLY_CONNECTED", "BATCH_MATMUL"})
FREE_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})  # metadata only in XNNPACK / TFLM

# edge_sdk.graph precision -> the kernel family that runs it on a CPU
COMPUTE_PRECISION = {
    "float32": "float", "float16": "float", "mixed": "float",
    "int8": "int8", "int8-float-io": "int8", "int16x8": "int16", "dynamic-int8": "dynamic",
}

REFERENCE_FEATURES_FILE = Path(__file__).resolve().parent / "data" / "reference_features.json"
_BITS = dict(DTYPES.values())


@dataclass(frozen=True)
class ModelFeatures:
    """What the latency, memory and energy models need to know about one model."""

    precision: str            # the graph's precision class (float32, int8, dynamic-int8, ...)
    conv_macs: float
    depthwise_macs: float
    gemm_macs: float
    other_work: float         # elements (or MACs) of every other op: adds, pools, activations...
    activation_bytes: float   # bytes of non-constant op inputs + outputs, summed over ops
    weight_bytes: float
    ops: int                  # ops that cost a kernel call (reshape-like ops excluded)
    size_bytes: int = 0
    arena_bytes: int = 0
    mac_outputs: float = 0.0  # output elements of conv/depthwise/GEMM ops: each is requantized/activated/stored
    im2col_elements: float = 0.0  # input elements the legacy conv kernels copy (im2col + GEMM packing)

    @property
    def compute(self) -> str:
        """Kernel family: float, int8, int16 or dynamic (int8 GEMMs, float elsewhere)."""
        return COMPUTE_PRECISION.get(self.precision, "float")

    @property
    def macs(self) -> float:
        return self.conv_macs + self.depthwise_macs + self.gemm_macs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFeatures:
        return cls(**data)


def _ref_bytes(ref: Any) -> int:
    return (element_count(ref.shape) * _BITS.get(ref.dtype, 8) + 7) // 8


def _im2col_elements(op: Any) -> float:
    """Input elements a legacy (im2col + GEMM) kernel copies for one conv: MACs / Cout for packing
    the GEMM input, twice that when an im2col matrix is built first (any conv but 1x1 stride 1)."""
    weights = op.inputs[1] if len(op.inputs) > 1 else None
    if weights is None or len(weights.shape) < 4 or op.type != "CONV_2D":
        return 0.0
    cout, kh, kw = weights.shape[0], weights.shape[1], weights.shape[2]
    strided = any(op.options.get(k, 1) not in (1, 1.0) for k in ("StrideH", "StrideW"))
    return float(op.macs) / max(1, cout) * (1.0 if kh * kw == 1 and not strided else 2.0)


def extract_features(graph: Any) -> ModelFeatures:
    """Derive :class:`ModelFeatures` from an ``edge_sdk.graph.ModelGraph``."""
    conv = depthwise = gemm = other = moved = mac_outputs = im2col = 0.0
    ops = 0
    for op in graph.ops:
        if op.type in FREE_OPS:
            continue
        ops += 1
        outputs = [r for r in op.outputs if r is not None]
        moved += sum(_ref_bytes(r) for r in op.inputs if r is not None and not r.constant)
        moved += sum(_ref_bytes(r) for r in outputs)
        if op.type in CONV_OPS or op.type in DEPTHWISE_OPS or op.type in GEMM_OPS:
            mac_outputs += sum(element_count(r.shape) for r in outputs)
        if op.type in CONV_OPS:
            conv += op.macs
            im2col += _im2col_elements(op)
        elif op.type in DEPTHWISE_OPS:
            depthwise += op.macs
        elif op.type in GEMM_OPS:
            gemm += op.macs
        else:
            other += max(op.macs, sum(element_count(r.shape) for r in outputs))
    return ModelFeatures(
        precision=graph.precision, conv_macs=conv, depthwise_macs=depthwise, gemm_macs=gemm,
        other_work=other, activation_bytes=moved, weight_bytes=float(sum(graph.weight_bytes.values())),
        ops=ops, size_bytes=int(graph.size_bytes), arena_bytes=int(graph.peak_activation_bytes),
        mac_outputs=mac_outputs, im2col_elements=im2col,
    )


@lru_cache(maxsize=1)
def reference_features() -> dict[str, ModelFeatures]:
    """Feature key (``model:precision``) -> features of the reference models (committed data)."""
    data = json.loads(REFERENCE_FEATURES_FILE.read_text(encoding="utf-8"))
    return {key: ModelFeatures.from_dict(value) for key, value in data["models"].items()}
