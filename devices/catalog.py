"""The catalog: device profiles read from ``devices/profiles/<id>.toml``, validated, cached.

``EDGE_SDK_DEVICE_PATH`` (directories separated by ``:``) adds user profiles; a user profile with
the id of a bundled one replaces it (e.g. a phone re-calibrated with ``edge-sdk calibrate``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from devices.profile import DeviceProfile
from devices.schema import validate_profile
from edge_sdk.core.errors import ConfigError, UsageError
from edge_sdk.core.files import read_text_input
from edge_sdk.core.suggest import did_you_mean

BUNDLED_DIR = Path(__file__).resolve().parent / "profiles"


def profile_dirs() -> list[Path]:
    """Bundled profiles first, then each directory of ``EDGE_SDK_DEVICE_PATH`` (later wins)."""
    extra = [Path(p) for p in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep) if p]
    return [BUNDLED_DIR, *extra]


def read_profile(path: str | os.PathLike[str]) -> DeviceProfile:
    """Parse and validate one profile file; ConfigError (exit 2) names the file and the problem."""
    p, text = read_text_input(path, "device profile", error=ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})", hint="fix the syntax at the position shown",
                          path=str(p)) from None
    except RecursionError:
        raise ConfigError(f"{p}: arrays or tables nested too deeply to be a device profile",
                          path=str(p)) from None
    validated = validate_profile(data, path=str(p))
    if validated["id"] != p.stem:
        raise ConfigError(f"{p}: id {validated['id']!r} differs from the file name {p.stem!r}",
                          hint=f"rename the file to {validated['id']}.toml or fix the id", path=str(p))
    return DeviceProfile.from_validated(validated, path=str(p))


@lru_cache(maxsize=8)
def _load_all(files: tuple[tuple[str, int, int], ...]) -> dict[str, DeviceProfile]:
    profiles: dict[str, DeviceProfile] = {}
    for path, _, _ in files:
        profile = read_profile(path)
        profiles[profile.id] = profile
    return profiles


def _catalog() -> dict[str, DeviceProfile]:
    """Profiles keyed by id; re-read only when a file is added, removed or changed."""
    files = []
    for directory in profile_dirs():
        for path in sorted(Path(directory).glob("*.toml")):
            try:
                stat = path.stat()
            except OSError as exc:  # a dangling symlink or a symlink loop in EDGE_SDK_DEVICE_PATH
                raise ConfigError(f"{path}: cannot read this device profile ({exc.strerror or exc})",
                                  hint=f"fix or remove it from {directory} (a folder of EDGE_SDK_DEVICE_PATH)"
                                  if directory != BUNDLED_DIR else None, path=str(path)) from None
            files.append((str(path), stat.st_mtime_ns, stat.st_size))
    return _load_all(tuple(files))


def list_profiles() -> list[DeviceProfile]:
    """Every device profile (bundled and user), phones first, then boards, then MCUs; host excluded."""
    order = {"phone": 0, "board": 1, "mcu": 2}
    return sorted(_catalog().values(), key=lambda p: (order.get(p.kind, 3), p.id))


def device_ids() -> list[str]:
    return [p.id for p in list_profiles()]


def load_profile(device_id: str) -> DeviceProfile:
    """The profile ``device_id``; ``host`` is this machine, detected now.

    An unknown id raises UsageError (exit 2) listing the closest ids, so a typo costs one retry.
    """
    if device_id == "host":
        from devices.host import host_profile

        return host_profile()
    catalog = _catalog()
    if device_id in catalog:
        return catalog[device_id]
    base, _, qualifiers = device_id.partition("@")
    if qualifiers and base in catalog:
        return qualified(catalog[base], qualifiers)
    ids = sorted(catalog) + ["host"]
    suggestion = did_you_mean(device_id.lower(), ids, n=3, cutoff=0.4, substrings=True)
    suggestion += " " if suggestion else ""
    raise UsageError(f"unknown device {device_id!r}",
                     hint=f"{suggestion}run `edge-sdk devices` to list all {len(ids)} ids")


_SUPPLY = re.compile(r"^(\d+(?:\.\d+)?)\s*[vV]$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def qualified(profile: DeviceProfile, qualifiers: str) -> DeviceProfile:
    """``ID@ENGINE`` / ``ID@3.3V`` / ``ID@ENGINE@3.3V``: the same device with another inference engine
    (one that has published points on it) or another supply voltage (rescales the power model).

    Unknown engines and supplies on profiles that state none are bad usage (exit 2) listing what
    exists, so a user never gets an estimate for an engine nobody measured."""
    engine: str | None = None
    supply: float | None = None
    for part in qualifiers.split("@"):
        match = _SUPPLY.match(part.strip())
        if match:
            supply = float(match.group(1))
            continue
        wanted = _slug(part)
        known = {_slug(e): e for e in profile.engines}
        runtime = _slug(f"{profile.runtime}-{profile.runtime_version}")
        if wanted and (runtime.startswith(wanted) or wanted == _slug(profile.runtime)):
            continue  # the profile's own engine
        if wanted not in known:
            listed = ", ".join(sorted(known)) or "none besides its own runtime"
            raise UsageError(f"{profile.id}@{part}: no published measurement of engine {part!r} on {profile.id}",
                             hint=f"engines with data on {profile.id}: {listed} (own runtime: {profile.runtime} "
                                  f"{profile.runtime_version}); e.g. --device {profile.id}@"
                                  f"{next(iter(sorted(known)), '1.8V')}")
        engine = known[wanted]
    if supply is not None and profile.supply_v is None:
        raise UsageError(f"{profile.id}@{supply:g}V: the profile states no supply voltage for its power numbers",
                         hint="add power.supply_v to the profile (the voltage its energy measurements used)")
    if supply is not None and not 0.5 <= supply <= 6.0:
        raise UsageError(f"{profile.id}@{supply:g}V: a supply voltage between 0.5 and 6 V is expected",
                         hint=f"e.g. devices='{profile.id}@3.3V'", params=("devices",))
    suffix = "".join(f"@{x}" for x in ([_slug(engine)] if engine else []) + ([f"{supply:g}V"] if supply else []))
    return dataclasses.replace(profile, id=profile.id + suffix, engine=engine, supply_override_v=supply)
