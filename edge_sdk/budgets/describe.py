"""Sentences that say how a number was obtained ("estimated for Pixel 4 from host measurement, +-12%").

A gate that fails a build must say whether it measured or guessed: an estimate near its limit is a
reason to measure on a device, a measurement over its limit is a reason to change the model.
"""

from __future__ import annotations

from typing import Any


def device_how(result: dict[str, Any], device_name: str, metric: str) -> str:
    """How a per-device value of ``result`` (a ProfileResult) was obtained."""
    source = result.get("source")
    backend = result.get("backend")
    provenance = result.get("provenance") or {}
    samples = len(result.get("samples_ms") or []) or provenance.get("runs") or 0
    if metric == "energy":
        if result.get("energy_source") == "measured":
            return f"measured on {device_name}"
        return f"estimated for {device_name} from a power model" + _band(result, metric)
    if source == "measured":
        runs = f", {samples} runs" if samples and metric.startswith("latency") else ""
        if backend == "adb":
            return f"measured on {device_name} over adb{runs}"
        return f"measured on this host{runs}"
    basis = _basis(provenance)
    return f"estimated for {device_name} from {basis}" + _band(result, metric)


def _band(result: dict[str, Any], metric: str) -> str:
    band = estimate_band(result, metric)
    return f", +-{band:.0f}%" if isinstance(band, int | float) else ""


def estimate_band(result: dict[str, Any], metric: str) -> float | None:
    """The error band (percent) of an estimated value of ``metric``; None for a measured one.

    Latency, energy and memory have their own bands (the estimator validates each on its own
    data); an older result with a single band uses it for every metric."""
    if result.get("source") == "measured":
        return None
    kind = {"energy": "energy", "peak_memory": "memory", "arena": "memory"}.get(metric, "latency")
    bands = result.get("band_pct")
    if isinstance(bands, dict) and isinstance(bands.get(kind), int | float):
        return float(bands[kind])
    return result.get("error_band_pct")


def _basis(provenance: dict[str, Any]) -> str:
    if provenance.get("host_p50_ms") is not None or provenance.get("host_measurement"):
        return "host measurement"
    text = " ".join(str(provenance.get(k, "")) for k in ("basis", "from")).lower()
    return "host measurement" if "host" in text else "the model graph"


def static_how(metric: str) -> str:
    return {
        "size": "file size",
        "gzip_size": "gzip -9 of the file",
        "params": "static analysis of the graph",
        "macs": "static analysis of the graph",
        "arena": "static memory plan of the graph",
        "precisions": "tensor types of the graph",
        "delegates": "op-support table of the delegate (static)",
        "no_custom_ops": "op codes of the graph",
        "no_flex_ops": "op codes of the graph",
    }.get(metric, "static analysis")
