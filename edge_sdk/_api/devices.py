"""Device profiles (phones, boards, microcontrollers as validated data files) and calibrating one on a phone.

A place for ``new_device``: authoring a new profile from a spec is being built in
:mod:`devices.authoring` (engineer 12's ``devices new``); when it has one public function, wrap it
here with its real signature and add its name to ``edge_sdk.__init__._LAZY``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge_sdk.core.progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from devices import DeviceProfile

PathLike = str | os.PathLike[str]


def list_devices() -> list[DeviceProfile]:
    """Every device profile: the bundled ones and yours (``$EDGE_SDK_DEVICE_PATH``, which win by id)."""
    from devices import list_profiles

    return list_profiles()


def load_device(device_id: str) -> DeviceProfile:
    """One device profile by id; an unknown id raises UsageError naming the closest ids."""
    from devices import load_profile

    return load_profile(device_id)


def read_device(path: PathLike) -> DeviceProfile:
    """A device profile from one TOML file, validated (ConfigError naming the field when it is not)."""
    from devices import read_profile

    return read_profile(path)


def host_device() -> DeviceProfile:
    """This machine as a device profile, detected at run time (CPU, cores, memory, runtimes)."""
    from devices import host_profile

    return host_profile()


@dataclass
class Calibration:
    """What :func:`calibrate` measured on one phone: one calibration point per reference model."""

    serial: str
    device_model: str | None
    matched_profile: str | None          # the profile id the phone matches, if any
    points: list[dict[str, Any]] = field(default_factory=list)  # the [[calibration]] entries of a profile


def calibrate(serial: str | None = None, *, models: Sequence[str] | None = None, threads: int | None = None,
              runs: int = 50, min_secs: float | None = None, benchmark_binary: PathLike | None = None,
              timeout_s: float = 600.0, on_progress: ProgressCallback | None = None) -> Calibration:
    """Measure reference models on a phone over adb; return them as calibration points.

    ``serial``: the phone (None: the only one connected). ``models``: reference models as
    ``name:precision`` (default: the standard set). Nothing is written: ``edge-sdk calibrate``
    stores the points in a device profile so estimates for that phone use them.
    ``on_progress`` receives a "benchmark" start event per model (``subject`` the serial).
    """
    from runtime_harness.adb import calibration
    from runtime_harness.adb.client import AdbClient
    from runtime_harness.adb.discovery import discover, known_profiles

    client = AdbClient()
    chosen = client.select([serial] if serial else None)[0]
    profiles = known_profiles()
    info = discover(client, chosen, profiles=profiles)

    def relay(text: str) -> None:
        if on_progress is not None:
            on_progress(ProgressEvent("calibrate", "benchmark", "start", subject=chosen,
                                      detail=text.split(": ", 1)[-1]))

    points, _ = calibration.calibrate_device(
        client, chosen, list(models) if models is not None else list(calibration.DEFAULT_MODELS), threads=threads,
        runs=runs, min_secs=min_secs, timeout_s=timeout_s, profiles=profiles, progress=relay,
        benchmark_binary=None if benchmark_binary is None else Path(benchmark_binary))
    return Calibration(serial=chosen, device_model=info.model, matched_profile=info.profile, points=points)
