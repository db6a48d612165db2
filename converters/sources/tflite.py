"""A ``.tflite`` source: nothing to convert, but it can be re-checked.

The artifact is a verified copy. Parity is re-checked between the two kernel sets LiteRT ships:
the optimized path apps use (XNNPACK) against LiteRT's plain reference kernels on the same file,
which catches kernel-level numeric problems; with labelled --eval-data, accuracy is measured too.
"""

from __future__ import annotations

import numpy as np

from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec


def load_tflite_source(options: ConvertOptions) -> LoadedSource:
    """Input specs come from LiteRT itself (no TensorFlow)."""
    from converters.validation.runner import describe_tflite, run_reference_kernels  # noqa: PLC0415
    from edge_sdk.graph import analyze  # noqa: PLC0415

    analyze(options.source)  # a corrupt or truncated file gets inspect's exact message (exit 2)
    info = describe_tflite(options.source)
    specs = [TensorSpec(d["name"], tuple(d["shape"]), d["float_dtype"]) for d in info["inputs"]]

    def reference(data: dict[str, np.ndarray]) -> list[np.ndarray]:
        return run_reference_kernels(options.source, data)

    return LoadedSource(
        format="tflite", path=options.source, inputs=specs,
        output_names=[d["name"] for d in info["outputs"]], reference=reference, make_converter=None,
        layout_notes=[("a .tflite source is copied unchanged; parity compares LiteRT's optimized kernels "
                       "(XNNPACK, as apps run it) with its reference kernels on the same file")])
