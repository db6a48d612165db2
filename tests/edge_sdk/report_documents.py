"""Documents shaped by the contracts in edge_sdk/core/documents.py, built for the report and compare tests.

These are test *inputs* (what profile/check/convert/inspect write), not expected outputs: the
tests assert what the report derives from them. Latency samples are drawn from a seeded
log-normal, the shape real timing runs have (a floor and a right tail).
"""

from __future__ import annotations

import random
from typing import Any

from edge_sdk.core.documents import envelope


def samples(median_ms: float, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [median_ms * rng.lognormvariate(0.0, 0.08) for _ in range(n)]


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def q(p: float) -> float:
        pos = (len(ordered) - 1) * p
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    mean = sum(values) / len(values)
    return {"p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "mean": mean,
            "std": (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5,
            "min": ordered[0], "max": ordered[-1]}


def measured_result(device: str, median_ms: float, n: int = 200, seed: int = 1) -> dict[str, Any]:
    values = samples(median_ms, n, seed)
    return {"device": device, "backend": "host", "threads": 1, "source": "measured",
            "latency_ms": stats(values), "samples_ms": values, "error_band_pct": None,
            "memory": {"peak_bytes": 3_400_000, "arena_bytes": 1_200_000},
            "energy_mj": None, "energy_source": None, "size_bytes": 93_000,
            "provenance": {"runtime": "litert", "version": "2.3.0", "method": "host measurement"}, "notes": []}


def estimated_result(device: str, p50: float, band: float = 15.0) -> dict[str, Any]:
    return {"device": device, "backend": "estimate", "threads": 4, "source": "estimated",
            "latency_ms": {"p50": p50, "p90": p50 * 1.1, "p99": p50 * 1.2, "mean": p50, "std": None,
                           "min": None, "max": None},
            "samples_ms": [], "error_band_pct": band,
            "memory": {"peak_bytes": 2_000_000, "arena_bytes": 900_000},
            "energy_mj": p50 * 1.3, "energy_source": "estimated", "size_bytes": 93_000,
            "provenance": {"method": "roofline scaled from host, calibrated on 4 published points"},
            "notes": ["estimate only"]}


def profile_doc(path: str = "models/example_int8.tflite", sha: str = "ab" * 32,
                results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    if results is None:
        results = [measured_result("host", 2.0, seed=3), estimated_result("pixel-4", 1.4),
                   estimated_result("stm32h747", 180.0, band=25.0)]
    return envelope("profile", {"model": {"path": path, "sha256": sha, "size_bytes": 93_000},
                                "host": None, "results": results})


def check_doc(latency_limit_ms: float = 2.1, status: str = "fail") -> dict[str, Any]:
    return envelope("check", {"passed": status == "pass", "verdicts": [
        {"name": "latency p90 on host", "model": "example_int8.tflite", "device": "host", "metric": "latency_p90",
         "actual": 2.3, "limit": latency_limit_ms, "unit": "ms", "margin": latency_limit_ms - 2.3,
         "margin_pct": None, "status": status, "how": "measured on this host, 200 runs",
         "message": "p90 latency is over budget: profile the slowest ops or quantize"},
        {"name": "model size", "model": "example_int8.tflite", "device": "", "metric": "size",
         "actual": 93_000, "limit": 4_000_000, "unit": "bytes", "margin": 3_907_000, "margin_pct": 97.7,
         "status": "pass", "how": "file size", "message": ""},
    ]})


def inspect_doc(path: str = "models/example_int8.tflite", sha: str = "ab" * 32) -> dict[str, Any]:
    def tensor(shape: list[int], dtype: str = "int8", constant: bool = False) -> dict[str, Any]:
        return {"index": 0, "shape": shape, "dtype": dtype, "constant": constant}

    ops = [
        {"index": 0, "subgraph": 0, "type": "CONV_2D", "version": 3, "macs": 110_592, "params": 160,
         "inputs": [tensor([1, 28, 28, 1]), tensor([16, 3, 3, 1], constant=True), tensor([16], "int32", True)],
         "outputs": [tensor([1, 26, 26, 16])]},
        {"index": 1, "subgraph": 0, "type": "MAX_POOL_2D", "version": 2, "macs": 0, "params": 0,
         "inputs": [tensor([1, 26, 26, 16])], "outputs": [tensor([1, 13, 13, 16])]},
        {"index": 2, "subgraph": 0, "type": "CONV_2D", "version": 3, "macs": 552_960, "params": 4_640,
         "inputs": [tensor([1, 13, 13, 16]), tensor([32, 3, 3, 16], constant=True), tensor([32], "int32", True)],
         "outputs": [tensor([1, 11, 11, 32])]},
        {"index": 3, "subgraph": 0, "type": "MAX_POOL_2D", "version": 2, "macs": 0, "params": 0,
         "inputs": [tensor([1, 11, 11, 32])], "outputs": [tensor([1, 5, 5, 32])]},
        {"index": 4, "subgraph": 0, "type": "RESHAPE", "version": 1, "macs": 0, "params": 0,
         "inputs": [tensor([1, 5, 5, 32])], "outputs": [tensor([1, 800])]},
        {"index": 5, "subgraph": 0, "type": "FULLY_CONNECTED", "version": 5, "macs": 8_000, "params": 8_010,
         "inputs": [tensor([1, 800]), tensor([10, 800], constant=True), tensor([10], "int32", True)],
         "outputs": [tensor([1, 10])]},
        {"index": 6, "subgraph": 0, "type": "SOFTMAX", "version": 2, "macs": 0, "params": 0,
         "inputs": [tensor([1, 10])], "outputs": [tensor([1, 10])]},
    ]
    timeline = [11_600, 13_520, 6_576, 4_672, 1_600, 810, 20]
    return envelope("inspect", {
        "path": path, "sha256": sha, "size_bytes": 93_000, "params": 12_810, "macs": 671_552,
        "weight_bytes": {"int8": 12_624, "int32": 232}, "precision": "int8",
        "peak_activation_bytes": 13_568, "activation_lower_bound_bytes": 13_520,
        "min_runtime_version": "2.3.0", "ops": ops,
        "memory_plan": {"peak_bytes": 13_568, "lower_bound_bytes": 13_520, "persistent_bytes": 0,
                        "subgraphs": [{"subgraph": 0, "timeline": timeline, "tensors": []}]},
    })


def convert_doc(quantize: str | None, size: int, accuracy: float | None, drop: float | None, sha: str,
                prune: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
    return envelope("convert", {
        "source": {"path": "models/example.keras", "sha256": "cd" * 32},
        "output": {"path": f"models/{name or 'example_' + (quantize or 'float32')}.tflite", "sha256": sha,
                   "size_bytes": size, "gzip_size_bytes": int(size * 0.8)},
        "quantize": quantize or "none", "prune": prune,
        "validation": {"accuracy": None if accuracy is None else
                       {"source": 0.92, "artifact": accuracy, "drop": drop, "samples": 500}},
    })
