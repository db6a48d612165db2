"""Model sources: each loader turns one input format into a :class:`LoadedSource`.

A LoadedSource knows its inputs (in the source's own layout), how to compute reference outputs
with the source framework (Keras, TensorFlow, onnxruntime) and how to build a TFLiteConverter.
"""

from __future__ import annotations

from converters.formats import TORCH_FORMATS
from converters.options import ConvertOptions
from converters.sources.base import LoadedSource, TensorSpec


def load_source(options: ConvertOptions) -> LoadedSource:
    """Load ``options.source`` with the loader of its format (imports TensorFlow only when needed)."""
    fmt = options.source_format
    if fmt in ("keras", "h5"):
        from converters.sources.keras import load_keras_source
        return load_keras_source(options)
    if fmt == "savedmodel":
        from converters.sources.savedmodel import load_savedmodel_source
        return load_savedmodel_source(options)
    if fmt in TORCH_FORMATS:
        from converters.sources.torch_source import load_torch_source
        return load_torch_source(options)
    if fmt == "onnx":
        from converters.sources.onnx import load_onnx_source
        return load_onnx_source(options)
    from converters.sources.tflite import load_tflite_source
    return load_tflite_source(options)


__all__ = ["LoadedSource", "TensorSpec", "load_source"]
