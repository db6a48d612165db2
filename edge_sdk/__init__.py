"""edge-sdk: convert, profile and budget-check TFLite models for phones and boards, offline.

The Python API is the CLI's, with the same operations and typed results::

    import edge_sdk

    manifest = edge_sdk.convert("model.keras", "model_int8.tflite", quantize="int8", calibration_data="cal.npz")
    graph = edge_sdk.inspect("model_int8.tflite")               # static analysis: ops, MACs, memory plan
    report = edge_sdk.profile("model_int8.tflite", devices=["pixel-4"])   # host run + device estimates
    result = edge_sdk.check("model_int8.tflite", devices=["pixel-4"])     # the budget gate
    result.passed, report["results"][0]["latency_ms"]["p50"]

Operations: :func:`inspect`, :func:`convert`, :func:`profile`, :func:`estimate`, :func:`profile_adb`,
:func:`check`, :func:`compare`, :func:`report`, :func:`list_devices`, :func:`load_device`,
:func:`read_device`, :func:`host_device`, :func:`new_device`, :func:`calibrate`, :func:`sweep`.
Errors: :class:`EdgeSdkError` and its tree (each carries the CLI's exit code).
Documents (``TypedDict``\\s, plain dicts at run time): :class:`ProfileDocument`, :class:`CheckDocument`,
:class:`ConvertManifest`, :class:`InspectDocument`, :class:`CompareDocument` and their parts.
Progress: long calls take ``on_progress`` (a callable receiving :class:`ProgressEvent`); nothing prints.

Every name is imported on first use, so ``import edge_sdk`` stays cheap: TensorFlow is imported
only by a conversion, and then in a child process.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from edge_sdk.core.version import __version__

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from devices import DeviceProfile
    from edge_sdk._api.devices import (
        Calibration,
        NewDevice,
        calibrate,
        host_device,
        list_devices,
        load_device,
        new_device,
        read_device,
    )
    from edge_sdk._api.gate import check, compare, report
    from edge_sdk._api.measure import estimate, profile, profile_adb
    from edge_sdk._api.models import convert, inspect
    from edge_sdk.budgets import CheckResult
    from edge_sdk.core.documents import (
        CheckDocument,
        CheckEntry,
        CompareDocument,
        CompareRow,
        ConvertManifest,
        InspectDocument,
        LatencyMs,
        MeasurementRow,
        MemoryUse,
        ModelRef,
        ProfileDocument,
        ProfileResult,
        VerdictRow,
    )
    from edge_sdk.core.errors import (
        ConfigError,
        DeviceError,
        EdgeSdkError,
        GateFailed,
        InfrastructureError,
        InputError,
        RuntimeCrash,
        UnsupportedModelError,
        UsageError,
    )
    from edge_sdk.core.progress import ProgressCallback, ProgressEvent
    from edge_sdk.graph import ModelGraph
    from edge_sdk.reporting import Comparison
    from edge_sdk.sweep import SweepResult, sweep

_ERRORS = ("EdgeSdkError", "UsageError", "ConfigError", "InputError", "UnsupportedModelError", "GateFailed",
           "InfrastructureError", "RuntimeCrash", "DeviceError")
_DOCUMENTS = ("ProfileDocument", "ProfileResult", "LatencyMs", "MemoryUse", "ModelRef", "CheckDocument",
              "CheckEntry", "VerdictRow", "MeasurementRow", "ConvertManifest", "InspectDocument", "CompareDocument",
              "CompareRow")
# public name -> the module that defines it, imported on first access
_LAZY: dict[str, str] = {
    "inspect": "edge_sdk._api.models", "convert": "edge_sdk._api.models",
    "profile": "edge_sdk._api.measure", "estimate": "edge_sdk._api.measure", "profile_adb": "edge_sdk._api.measure",
    "check": "edge_sdk._api.gate", "compare": "edge_sdk._api.gate", "report": "edge_sdk._api.gate",
    "list_devices": "edge_sdk._api.devices", "load_device": "edge_sdk._api.devices",
    "read_device": "edge_sdk._api.devices", "host_device": "edge_sdk._api.devices",
    "calibrate": "edge_sdk._api.devices", "Calibration": "edge_sdk._api.devices",
    "new_device": "edge_sdk._api.devices", "NewDevice": "edge_sdk._api.devices",
    "sweep": "edge_sdk.sweep", "SweepResult": "edge_sdk.sweep",
    "ModelGraph": "edge_sdk.graph", "CheckResult": "edge_sdk.budgets", "Comparison": "edge_sdk.reporting",
    "DeviceProfile": "devices",
    "ProgressEvent": "edge_sdk.core.progress", "ProgressCallback": "edge_sdk.core.progress",
    **dict.fromkeys(_ERRORS, "edge_sdk.core.errors"),
    **dict.fromkeys(_DOCUMENTS, "edge_sdk.core.documents"),
}

__all__ = [  # noqa: RUF022 - grouped as the docstring reads; tests/test_public_api.py keeps it equal to _LAZY
    "__version__",
    "inspect", "convert", "profile", "estimate", "profile_adb", "check", "compare", "report",
    "list_devices", "load_device", "read_device", "host_device", "new_device", "NewDevice", "calibrate", "Calibration",
    "sweep", "SweepResult",
    "ModelGraph", "CheckResult", "Comparison", "DeviceProfile", "ProgressEvent", "ProgressCallback",
    "EdgeSdkError", "UsageError", "ConfigError", "InputError", "UnsupportedModelError", "GateFailed",
    "InfrastructureError", "RuntimeCrash", "DeviceError",
    "ProfileDocument", "ProfileResult", "LatencyMs", "MemoryUse", "ModelRef", "CheckDocument", "CheckEntry",
    "VerdictRow", "MeasurementRow", "ConvertManifest", "InspectDocument", "CompareDocument", "CompareRow",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'edge_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolved once; later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _PublicApi(types.ModuleType):
    """``edge_sdk.sweep`` names both the API function and the subpackage that defines it.

    Importing the subpackage (``from edge_sdk.sweep import merge``, or ``edge_sdk.SweepResult``)
    makes the import system bind the package over the name, and ``edge_sdk.sweep(...)`` then raised
    "'module' object is not callable". The function is kept there instead; the package stays
    importable by its dotted name (sys.modules).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sweep" and isinstance(value, types.ModuleType):
            value = getattr(value, "sweep", value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _PublicApi
