"""The ``profile`` document: measurements and estimates of one model on devices.

The contract between ``profile`` (host, estimate), ``profile --backend adb``, ``check`` (which
embeds the results it used), ``report`` and ``compare``. One :class:`ProfileResult` per
(device, backend); a result that is measured keeps its raw samples, an estimated one states its
error band. New per-result data goes in as a ``NotRequired`` field (e.g. a per-op breakdown,
``ops``), so older documents stay valid and older readers ignore it.
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Any, Literal, NotRequired, TypedDict

from edge_sdk.core.documents.common import Envelope, ModelRef

Backend = Literal["host", "estimate", "adb"]
Source = Literal["measured", "estimated"]


class LatencyMs(TypedDict):
    """Latency statistics in milliseconds; a figure the method cannot give is null (benchmark_model
    prints no raw samples, so an adb result has no p90/p99; an estimate has only p50 and its band)."""

    p50: float | None
    p90: NotRequired[float | None]
    p99: NotRequired[float | None]
    mean: NotRequired[float | None]
    std: NotRequired[float | None]
    min: NotRequired[float | None]
    max: NotRequired[float | None]
    p5: NotRequired[float | None]       # adb: benchmark_model's own percentiles
    p95: NotRequired[float | None]
    low: NotRequired[float | None]      # estimate: p50 at the low and high end of the error band
    high: NotRequired[float | None]


class MemoryUse(TypedDict):
    """Memory of one run, in bytes (the keys that apply to how it was obtained)."""

    peak_bytes: NotRequired[int | None]
    arena_bytes: NotRequired[int | None]
    process_peak_rss_bytes: NotRequired[int | None]
    init_bytes: NotRequired[int | None]
    overall_delta_bytes: NotRequired[int | None]


class ProfileResult(TypedDict):
    """One model on one device through one backend: latency, memory, energy, and how they were obtained."""

    device: str                          # a device profile id, "host", or "adb:<serial>" for an unknown phone
    backend: Backend
    source: Source
    threads: NotRequired[int | None]
    latency_ms: NotRequired[LatencyMs | None]  # null: did not run (e.g. over the memory cap); absent: samples only
    samples_ms: NotRequired[list[float]]  # raw samples when measured on the host; [] otherwise
    runs: NotRequired[int | None]         # timed runs behind the statistics
    error_band_pct: NotRequired[float | None]  # +-% of an estimate; null when measured
    memory: NotRequired[MemoryUse | None]
    energy_mj: NotRequired[float | None]
    energy_source: NotRequired[Source | None]
    energy_estimate_mj: NotRequired[float | None]  # adb: the profile's estimate beside a measured value
    size_bytes: NotRequired[int | None]
    fits: NotRequired[bool]               # false: does not run within the device's constraints
    provenance: NotRequired[dict[str, Any]]  # method, runtime, version, cpu, calibration...: free-form facts
    notes: NotRequired[list[str]]
    ops: NotRequired[list[dict[str, Any]] | None]  # per-op rows (host/estimate: index, type, layer, ms, macs;
    #                                             adb: benchmark_model's run-order table), when collected
    op_profile: NotRequired[dict[str, Any]]  # the per-op summary (sum of op times vs the whole-model p50, ...)
    model_sha256: NotRequired[str]        # set when the result sits in a check document
    host_tail_ratio: NotRequired[Any]     # check: the host's p90/p99 over p50, carried to estimates
    host_run_skipped: NotRequired[str]    # check: why the host did not run the model


class HostSummary(TypedDict):
    """The host measurement behind the "host" result (how it ran, how it stopped)."""

    runtime: NotRequired[dict[str, Any] | None]
    threads: NotRequired[int | None]
    runs: NotRequired[int | None]
    warmup_runs: NotRequired[int | None]
    stop_reason: NotRequired[str | None]


class AdbFailure(TypedDict):
    """A phone that failed during ``profile --backend adb`` (the others' results are kept)."""

    serial: str | None
    stage: str
    error: dict[str, Any]
    known: NotRequired[dict[str, Any]]


class ProfileDocument(Envelope):
    """``edge-sdk profile --json``: one model measured on this host and/or estimated on device profiles,
    or measured on phones over adb."""

    model: NotRequired[ModelRef]
    host: NotRequired[HostSummary | None]
    results: list[ProfileResult]
    provenance: NotRequired[dict[str, Any]]
    backend: NotRequired[str]            # "adb" for a document measured on phones
    complete: NotRequired[bool]          # adb: false when a device failed mid-run
    failures: NotRequired[list[AdbFailure]]
