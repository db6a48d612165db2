"""The device latency of a conversion candidate, for ``recipe='auto'`` with ``target_device``.

Converters may not import the device estimator (layering: converters sit below runtime_harness),
so the composition hands them this function, by name (``ESTIMATOR``) when the conversion runs in a
child process. It is the same analytical estimate ``edge-sdk profile --device ID`` prints.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ESTIMATOR = "edge_sdk.quant_latency:estimate_ms"


@lru_cache(maxsize=8)
def _profile(device_id: str) -> Any:
    from devices.catalog import load_profile  # noqa: PLC0415

    return load_profile(device_id)


def estimate_ms(model_path: str, device_id: str) -> dict[str, Any]:
    """``{"latency_ms": median estimate or None, "problem": why the device's runtime cannot run it, or None}``."""
    from edge_sdk.graph import analyze  # noqa: PLC0415
    from runtime_harness.estimator import estimate  # noqa: PLC0415

    result = estimate(analyze(model_path), _profile(device_id))
    p50 = (result.get("latency_ms") or {}).get("p50")
    problem = next((note.removeprefix("runtime: ") for note in result.get("notes", [])
                    if note.startswith("runtime:") and "cannot" in note), None)
    return {"latency_ms": None if p50 is None else round(float(p50), 3), "problem": problem}


def check_device(device_id: str) -> None:
    """Raise the catalogue's UsageError (closest ids) before a long search starts on a typo."""
    _profile(device_id)
