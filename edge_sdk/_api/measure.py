"""Latency, memory and energy of a model: measured on this host, estimated for device profiles,
or measured on phones over adb. Each returns one ``profile`` document (a :class:`ProfileDocument`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, cast

from edge_sdk.core.progress import ProgressCallback

if TYPE_CHECKING:
    from edge_sdk.core.documents import ProfileDocument

PathLike = str | os.PathLike[str]


def profile(model: PathLike, *, devices: Sequence[str] | None = None, threads: int | None = None,
            runtime: Literal["litert", "tflite-runtime"] = "litert", input_data: PathLike | None = None,
            input_shape: Sequence[str] | Mapping[str, Sequence[int]] | None = None, runs: int | None = None,
            min_time_s: float | None = None, time_limit_s: float = 5.0, target_ci: float = 0.01,
            timeout_s: float = 300.0, memory_cap: str | int | None = None, cpus: Sequence[int] | None = None,
            op_profile: bool = False, on_progress: ProgressCallback | None = None) -> ProfileDocument:
    """Measure ``model`` (.tflite) on this host in an isolated child process, and estimate it on ``devices``.

    The host run is adaptive by default: it stops when the median's 95% confidence interval is
    within +-``target_ci`` (a fraction, 0.01 = 1%) or after ``time_limit_s`` seconds of timed runs;
    ``runs`` (exactly N) or ``min_time_s`` replace that rule. ``threads`` defaults to 1 on the host
    (the most stable figure) and to each device's own count in estimates. ``input_data`` (.npy or
    .npz) feeds real inputs; ``input_shape`` (``["NAME:1,224,224,3"]`` or ``{"NAME": [1, 224, 224,
    3]}``) fixes dynamic dimensions. ``memory_cap`` ("512 MB") caps what the model may use;
    ``cpus`` pins the run; ``timeout_s`` kills a hang (RuntimeCrash, exit 3). ``op_profile`` also
    times every op. ``on_progress`` receives the "measure" stage with updates (runs, CI).

    Each ``devices`` entry is a profile id (:func:`list_devices`): its estimate sits beside the host
    measurement, with its error band, and the host checks what it can for real (the runtime the
    device ships loads the model; the app memory budget holds).
    """
    from edge_sdk.profiling import profile as run_profile

    return cast("ProfileDocument", run_profile(
        model, devices=list(devices) if devices is not None else None, threads=threads, runtime=runtime,
        input_data=os.fspath(input_data) if input_data is not None else None,
        input_shape=_shapes(input_shape), runs=runs, min_time_s=min_time_s, time_limit_s=time_limit_s,
        target_ci=target_ci, timeout_s=timeout_s, memory_cap=memory_cap,
        cpus=list(cpus) if cpus is not None else None, op_profile=op_profile, on_progress=on_progress))


def estimate(model: PathLike, devices: Sequence[str], *, threads: int | None = None) -> ProfileDocument:
    """Estimate ``model`` on each device profile in ``devices`` from static analysis alone (no run).

    Fast (no interpreter starts) and available for devices you do not have; every result states
    its error band (``error_band_pct``) and how it was calibrated (``provenance.calibration``).
    """
    from edge_sdk.profiling import profile as run_profile

    return cast("ProfileDocument", run_profile(model, devices=list(devices), threads=threads, estimate_only=True))


def profile_adb(model: PathLike, *, serials: Sequence[str] | None = None, threads: int | None = None,
                delegate: Literal["cpu", "xnnpack", "gpu", "nnapi"] = "cpu", runs: int | None = None,
                warmup_runs: int | None = None, min_secs: float | None = None, affinity_mask: str | None = None,
                benchmark_binary: PathLike | None = None, op_profile: bool = False, timeout_s: float = 600.0,
                partial_report: PathLike | None = None,
                on_progress: ProgressCallback | None = None) -> ProfileDocument:
    """Measure ``model`` on Android phones over adb with TFLite's ``benchmark_model``, in parallel.

    ``serials``: the phones (None: the only one connected). Each measured result sits beside the
    estimate of the device profile the phone matches. ``benchmark_binary`` is pushed when the
    phone has none; ``affinity_mask`` (hex, "f0") pins cores; ``op_profile`` collects per-op times.
    If a phone fails mid-run, a partial document (the others' results) is written to
    ``partial_report`` (default ``<model>.adb-partial.json``) before the error is raised
    (DeviceError or RuntimeCrash, exit 3). ``on_progress`` receives each phone's stages.
    """
    from edge_sdk.profiling.adb import profile_on_adb

    return cast("ProfileDocument", profile_on_adb(
        model, serials=list(serials) if serials is not None else None, threads=threads, delegate=delegate,
        op_profile=op_profile, benchmark_binary=os.fspath(benchmark_binary) if benchmark_binary else None,
        timeout_s=timeout_s, partial_report=partial_report, runs=runs, warmup_runs=warmup_runs, min_secs=min_secs,
        affinity_mask=affinity_mask, on_progress=on_progress))


def _shapes(value: Sequence[str] | Mapping[str, Sequence[int]] | None) -> list[str] | dict[str, list[int]] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): [int(d) for d in v] for k, v in value.items()}
    return [value] if isinstance(value, str) else list(value)
