"""The public Python API and composition root: the only place that wires the packages together.

``converters``, ``runtime_harness`` and ``devices`` each depend on ``edge_sdk``'s core only; these
functions put them together, each importing what it needs lazily (TensorFlow only in convert).
The CLI verbs are thin layers over these functions.
"""

from __future__ import annotations

from typing import Any


def inspect(model: str, **options: Any) -> Any:
    """Static analysis of a ``.tflite`` file -> :class:`edge_sdk.graph.ModelGraph` (no TensorFlow)."""
    from edge_sdk.graph import analyze

    return analyze(model, **options)


def convert(source: str, output: str, **options: Any) -> Any:
    """Convert a Keras/SavedModel/ONNX model to a ``.tflite`` artifact; see ``edge-sdk convert --help``."""
    from converters import convert as _convert

    return _convert(source, output, **options)


def profile(model: str, **options: Any) -> dict[str, Any]:
    """Measure on the host and/or estimate on device profiles -> a ``profile`` document (dict)."""
    from edge_sdk.profiling import profile as _profile

    return _profile(model, **options)


def check(models: list[str] | str | None = None, **options: Any) -> Any:
    """Check models against budgets -> verdicts; see ``edge-sdk check --help``."""
    from edge_sdk.budgets import check as _check

    return _check(models, **options)


def compare(before: str, after: str, **options: Any) -> Any:
    """Before/after comparison of two edge-sdk documents."""
    from edge_sdk.reporting import compare as _compare

    return _compare(before, after, **options)


def render_report(documents: list[str], output: str, **options: Any) -> Any:
    """Render edge-sdk JSON documents into one self-contained HTML file."""
    from edge_sdk.reporting import write_html_report

    return write_html_report(documents, output, **options)
