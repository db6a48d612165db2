"""What a connected device is (model, SoC, ABI, Android version) and which device profile it matches.

Matching uses each profile's ``adb_match`` rule, so a new phone needs a data file, not code. The
rule may be a mapping of property -> value(s) (all must match; values are case-insensitive shell
globs; keys are getprop names or the short aliases below), or a string / list of strings matched
against the product model and device names.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from runtime_harness.adb.client import AdbClient, DeviceEntry

ALIASES = {
    "model": "ro.product.model", "device": "ro.product.device", "name": "ro.product.name",
    "manufacturer": "ro.product.manufacturer", "brand": "ro.product.brand",
    "board": "ro.board.platform", "platform": "ro.board.platform", "hardware": "ro.hardware",
    "soc": "ro.soc.model", "soc_model": "ro.soc.model", "abi": "ro.product.cpu.abi",
    "android": "ro.build.version.release", "sdk": "ro.build.version.sdk",
}


@dataclass
class DeviceInfo:
    serial: str
    state: str
    model: str | None = None
    manufacturer: str | None = None
    soc: str | None = None
    abi: str | None = None
    abilist: list[str] = field(default_factory=list)
    android_version: str | None = None
    sdk: int | None = None
    fingerprint: str | None = None
    profile: str | None = None  # the matched device profile id, or None
    props: dict[str, str] = field(default_factory=dict, repr=False)

    def to_dict(self, *, with_props: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_props:
            data.pop("props")
        return data


def soc_name(props: dict[str, str]) -> str | None:
    """The most specific SoC name the device reports (Android 12 added ro.soc.*)."""
    model = props.get("ro.soc.model")
    maker = props.get("ro.soc.manufacturer")
    if model:
        return f"{maker} {model}" if maker and not model.lower().startswith(maker.lower()) else model
    return props.get("ro.board.platform") or props.get("ro.hardware") or None


def describe(entry: DeviceEntry, props: dict[str, str], profiles: Iterable[Any] = ()) -> DeviceInfo:
    abilist = [a for a in props.get("ro.product.cpu.abilist", "").split(",") if a]
    abi = props.get("ro.product.cpu.abi") or (abilist[0] if abilist else None)
    sdk = props.get("ro.build.version.sdk")
    info = DeviceInfo(
        serial=entry.serial, state=entry.state,
        model=props.get("ro.product.model") or entry.details.get("model", "").replace("_", " ") or None,
        manufacturer=props.get("ro.product.manufacturer"), soc=soc_name(props), abi=abi,
        abilist=abilist or ([abi] if abi else []), android_version=props.get("ro.build.version.release"),
        sdk=int(sdk) if sdk and sdk.isdigit() else None, fingerprint=props.get("ro.build.fingerprint"),
        props=props,
    )
    matched = match_profile(props, profiles)
    info.profile = getattr(matched, "id", None) if matched is not None else None
    return info


# The device catalog's [adb] table: models / devices name the phone (either matches), socs confirm it.
CATALOG_KEYS = {"models": ("ro.product.model",), "devices": ("ro.product.device", "ro.product.name"),
                "socs": ("ro.soc.model", "ro.board.platform", "ro.hardware")}


def _any_glob(values: list[str], patterns: Any) -> bool:
    options = patterns if isinstance(patterns, (list, tuple)) else [patterns]
    return any(fnmatch.fnmatch(v.lower(), str(o).lower()) for o in options for v in values if v)


def _matches_catalog_rule(rule: dict[str, Any], props: dict[str, str]) -> bool:
    def values(key: str) -> list[str]:
        return [props.get(name, "") for name in CATALOG_KEYS[key]]

    names = [key for key in ("models", "devices") if rule.get(key)]
    if names and not any(_any_glob(values(key), rule[key]) for key in names):
        return False
    socs = rule.get("socs")
    if socs and any(values("socs")) and not _any_glob(values("socs"), socs):
        return False
    return bool(names or socs)


def _matches(rule: Any, props: dict[str, str]) -> bool:
    if rule is None or rule == {} or rule == []:
        return False
    if isinstance(rule, str):
        rule = [rule]
    if isinstance(rule, (list, tuple)):
        names = [props.get("ro.product.model", ""), props.get("ro.product.device", ""), props.get("ro.product.name", "")]
        return any(fnmatch.fnmatch(n.lower(), str(pattern).lower()) for pattern in rule for n in names if n)
    if isinstance(rule, dict) and set(rule) <= set(CATALOG_KEYS):
        return _matches_catalog_rule(rule, props)
    if isinstance(rule, dict):
        for key, wanted in rule.items():
            actual = props.get(ALIASES.get(key, str(key)))
            if actual is None and key in ("soc", "soc_model"):
                actual = soc_name(props)
            options = wanted if isinstance(wanted, (list, tuple)) else [wanted]
            if actual is None or not any(fnmatch.fnmatch(actual.lower(), str(o).lower()) for o in options):
                return False
        return True
    return False


def _specificity(rule: Any) -> int:
    return len(rule) if isinstance(rule, dict) else 0


def match_profile(props: dict[str, str], profiles: Iterable[Any]) -> Any | None:
    """The first profile whose ``adb_match`` accepts these properties (most specific rule first)."""
    candidates = [p for p in profiles if getattr(p, "kind", "phone") in ("phone", "board", None)]
    candidates.sort(key=lambda p: -_specificity(getattr(p, "adb_match", None)))
    for profile in candidates:
        if _matches(getattr(profile, "adb_match", None), props):
            return profile
    return None


def known_profiles() -> list[Any]:
    """Device profiles from the catalog (empty when the catalog is unavailable)."""
    try:
        from devices import list_profiles
    except ImportError:
        return []
    try:
        return list(list_profiles())
    except Exception:  # noqa: BLE001 - a broken catalog must not stop device listing; the profile
        return []      # commands report catalog errors themselves


def discover(client: AdbClient, serial: str, entry: DeviceEntry | None = None,
             profiles: Iterable[Any] | None = None) -> DeviceInfo:
    """Read one usable device's properties and match it to a profile."""
    entry = entry or DeviceEntry(serial, "device", {})
    props = client.getprops(serial) if entry.state == "device" else {}
    return describe(entry, props, known_profiles() if profiles is None else profiles)
