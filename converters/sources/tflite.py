"""A ``.tflite`` source: nothing to convert, but its accuracy and outputs can be re-checked."""

from __future__ import annotations

from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec


def load_tflite_source(options: ConvertOptions) -> LoadedSource:
    """Input specs come from LiteRT itself (no TensorFlow); the artifact is a verified copy."""
    from converters.validation.runner import describe_tflite  # noqa: PLC0415

    info = describe_tflite(options.source)
    specs = [TensorSpec(d["name"], tuple(d["shape"]), d["float_dtype"]) for d in info["inputs"]]
    return LoadedSource(
        format="tflite", path=options.source, inputs=specs,
        output_names=[d["name"] for d in info["outputs"]], reference=None, make_converter=None,
        layout_notes=["a .tflite source is copied unchanged; validation re-checks its outputs and accuracy"])
