"""edge-sdk: convert, profile and budget-check TFLite models for phones and boards, offline.

The public API mirrors the CLI verbs; each is imported lazily so that ``import edge_sdk`` stays
cheap and never imports TensorFlow (only :func:`convert` does, when called)::

    import edge_sdk
    graph = edge_sdk.inspect("model.tflite")            # static analysis, no interpreter
    report = edge_sdk.profile("model.tflite", devices=["pixel-4"])
    verdict = edge_sdk.check("model.tflite", budget="edge-budget.toml")
    artifact = edge_sdk.convert("model.keras", "model.tflite", quantize="int8", calibration_data="cal.npz")
"""

from __future__ import annotations

import importlib
from typing import Any

from edge_sdk.core.version import __version__

# public name -> module that defines it (the composition root in edge_sdk.api wires the packages)
_LAZY = {
    "inspect": "edge_sdk.api",
    "convert": "edge_sdk.api",
    "profile": "edge_sdk.api",
    "check": "edge_sdk.api",
    "compare": "edge_sdk.api",
    "render_report": "edge_sdk.api",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'edge_sdk' has no attribute {name!r}")
