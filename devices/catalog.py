"""The catalog: device profiles read from ``devices/profiles/<id>.toml``, validated, cached.

``EDGE_SDK_DEVICE_PATH`` (directories separated by ``:``) adds user profiles; a user profile with
the id of a bundled one replaces it (e.g. a phone re-calibrated with ``edge-sdk calibrate``).
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from devices.profile import DeviceProfile
from devices.schema import validate_profile
from edge_sdk.core.errors import ConfigError, UsageError
from edge_sdk.core.suggest import did_you_mean

BUNDLED_DIR = Path(__file__).resolve().parent / "profiles"


def profile_dirs() -> list[Path]:
    """Bundled profiles first, then each directory of ``EDGE_SDK_DEVICE_PATH`` (later wins)."""
    extra = [Path(p) for p in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep) if p]
    return [BUNDLED_DIR, *extra]


def read_profile(path: str | os.PathLike[str]) -> DeviceProfile:
    """Parse and validate one profile file; ConfigError (exit 2) names the file and the problem."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read device profile ({exc.strerror})", path=str(p)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})", hint="fix the syntax at the position shown",
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
            stat = path.stat()
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
    ids = sorted(catalog) + ["host"]
    suggestion = did_you_mean(device_id.lower(), ids, n=3, cutoff=0.4, substrings=True)
    suggestion += " " if suggestion else ""
    raise UsageError(f"unknown device {device_id!r}",
                     hint=f"{suggestion}run `edge-sdk devices` to list all {len(ids)} ids")
