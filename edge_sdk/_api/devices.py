"""Device profiles (phones, boards, microcontrollers as validated data files): list, load, author a
new one from its SoC's clusters (``new_device``), and calibrate one on a phone."""

from __future__ import annotations

import os
import re
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


@dataclass
class NewDevice:
    """What :func:`new_device` wrote: the profile file, its content, and which fits its estimates borrow."""

    path: Path
    profile: dict[str, Any]
    borrowed: str


def new_device(device_id: str, *, soc: str, cores: str, ram: str, like: str | None = None, name: str | None = None,
               kind: str = "phone", output: PathLike | None = None, force: bool = False) -> NewDevice:
    """Write a valid profile for a phone or board that is not in the catalog.

    ``cores`` lists the CPU clusters (``"2x cortex-x1@2.8,2x cortex-a76@2.25,4x cortex-a55@1.8"``),
    ``ram`` the memory (``"8GiB"``). Everything derivable is derived (peak MAC rates from the cores,
    power from the core-type table) and listed under ``estimates``; ``like`` names a calibrated
    profile whose fitted corrections, bandwidth and runtime it borrows. Written atomically to
    ``output`` (a folder; default the user profile folder, which ``$EDGE_SDK_DEVICE_PATH`` or the
    catalog picks up). Bad input raises ``ConfigError``/``UsageError`` naming the parameter.
    """
    from devices import load_profile
    from devices.authoring import cluster_tables, parse_cores, parse_ram, phone_profile, profile_path, render
    from edge_sdk.core.atomic import atomic_write_text
    from edge_sdk.core.errors import UsageError
    from edge_sdk.core.paths import OutputPlan, output_errors

    if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", device_id or ""):
        raise UsageError(f"device_id={device_id!r}: a profile id is lowercase kebab-case (e.g. my-phone)",
                         params=("device_id",))
    clusters = cluster_tables(parse_cores(cores))
    ram_bytes = parse_ram(ram)
    target = profile_path(None if output is None else str(output), device_id)
    base = load_profile(like) if like else None  # an unknown id names the closest ids
    if base is not None and base.kind in ("mcu", "host"):
        raise UsageError(f"like={like}: a {base.kind} profile cannot stand in for a {kind}; name a phone or board "
                         "(e.g. like=pixel-7)", params=("like",))
    from devices.catalog import BUNDLED_DIR

    if (BUNDLED_DIR / f"{device_id}.toml").is_file() and not force:
        raise UsageError(f"device_id={device_id!r} is a bundled profile with published measurements; a profile of "
                         "yours with that id would replace it in every estimate. Choose another id (e.g. "
                         f"{device_id}-mine), or pass force=True to shadow it on purpose", params=("force",))
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass force=True to replace it, or choose another id or output",
                         params=("force",))
    listed = ", ".join(f"{c['count']}x {c['core']} @ {c['ghz']:g} GHz" for c in clusters)
    data = phone_profile(device_id, name=name or device_id, soc=soc, clusters=clusters, ram_bytes=ram_bytes,
                         like=base, kind=kind, cpu_source=f"given by the user: {listed}")
    header = (f"# {data['name']}: written by `edge-sdk devices new` from --soc/--cores/--ram"
              f"{' --like ' + base.id if base else ''}.\n# Derived numbers are listed under estimates; "
              "replace them with measured ones when you have them (edge-sdk calibrate adds measured points).\n")
    OutputPlan().read(base.path if base else None, "like profile").write("output", target).check()
    with output_errors("output", target):
        atomic_write_text(target, render(data, header=header))
    borrowed = (f"the fitted corrections of {base.id}" if base and base.calibration else
                f"the fitted correction of its core type ({clusters[0]['core']} or its nearest measured ancestor)"
                + (f"; {base.id} has no published points of its own" if base else ""))
    return NewDevice(target, data, borrowed)
