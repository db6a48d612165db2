"""Default app constraints from device profiles: ``check MODEL --device pixel-7`` with no budget file.

A device profile knows what any app on it may use: the memory an app may take (phones), the flash
and RAM there are (microcontrollers), the runtime it ships. Those become one check per device. A
profile may also carry an explicit ``default_budget`` table written like a ``[[check]]`` (same keys,
same units), which is used as is.
"""

from __future__ import annotations

from typing import Any

from edge_sdk.budgets.config import CheckSpec, Limit
from edge_sdk.budgets.metrics import METRICS
from edge_sdk.budgets.runtimes import parse_runtime
from edge_sdk.core.errors import ConfigError
from edge_sdk.core.units import format_bytes, parse_fraction, parse_quantity


def device_default_checks(profiles: list[Any]) -> list[CheckSpec]:
    return [_check_for(profile) for profile in profiles]


def _check_for(profile: Any) -> CheckSpec:
    name = getattr(profile, "name", profile.id)
    limits: dict[str, Limit] = {}
    explicit = getattr(profile, "default_budget", None)
    if isinstance(explicit, dict) and explicit:
        for key, raw in explicit.items():
            if key in METRICS and METRICS[key].numeric:
                parse = parse_fraction if METRICS[key].kind == "fraction" else (
                    lambda v, k, kind=METRICS[key].kind: parse_quantity(v, kind, k))
                limits[key] = Limit(key, parse(raw, key), str(raw))
    app_memory = getattr(profile, "app_memory_bytes", None)
    if "peak_memory" not in limits and app_memory:
        limits["peak_memory"] = Limit("peak_memory", float(app_memory), f"{_bytes(app_memory)} (app memory)")
    if getattr(profile, "kind", None) == "mcu":
        flash = getattr(profile, "flash_bytes", None)
        ram = getattr(profile, "ram_bytes", None)
        if flash and "size" not in limits:
            limits["size"] = Limit("size", float(flash), f"{_bytes(flash)} (flash)")
        if ram and "arena" not in limits:
            limits["arena"] = Limit("arena", float(ram), f"{_bytes(ram)} (RAM)")
    runtime = _runtime_limit(profile)
    if runtime is not None:
        limits["runtimes"] = runtime
    if not limits:
        raise ConfigError(f"device profile {profile.id!r} carries no app constraints (no app_memory_bytes)",
                          hint="pass a budget file (budget=PATH), or add app_memory_bytes to the profile",
                          params=("budget",))
    return CheckSpec(name=f"{name} app constraints", models=[], devices=[profile.id], limits=limits,
                     message=f"The model does not fit what an app may use on {name}.", origin="device-defaults")


def _bytes(value: int) -> str:
    """Profiles state memory in binary units (512 MiB); show it the way the profile says it."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if value >= scale and value % (scale // 64 or 1) == 0:
            return f"{value / scale:g} {unit}"
    return format_bytes(value)


def _runtime_limit(profile: Any) -> Limit | None:
    """The profile's shipped runtime ("tflite-runtime 2.14") as a load check, when it is one we can load."""
    name = getattr(profile, "runtime", None)
    if not isinstance(name, str):
        return None
    version = getattr(profile, "runtime_version", None)
    try:
        spec = parse_runtime(f"{name} {version}" if version else name)
    except ConfigError:
        return None  # e.g. TFLite Micro: no host runtime of that name to load it in
    return Limit("runtimes", [spec], str(spec))
