"""Writing device profiles: one place that turns what is known about a device into a valid TOML file.

Both ``edge-sdk devices new`` (a phone described by its cluster spec) and ``edge-sdk calibrate``
(a phone read over adb) build their profile here, so a new device gets the same derivations either
way: peak MAC rates from the core table (``cores.py``), per-core power from the core-type power
table, the ISA flags the cores imply, the Android big-core mask, and every number that is derived
or guessed listed under ``estimates`` with its reasoning. A ``like`` profile (``--like pixel-7``)
lends its memory bandwidth, app budget, runtime and power base, and its fitted estimator
corrections. The text is written with tomli-w and re-read by the catalog's own validating reader
before anyone writes it to disk.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devices.cores import CORE_TYPES, active_power_mw, core_type
from devices.profile import DeviceProfile
from edge_sdk.core.errors import ConfigError
from edge_sdk.core.units import parse_size

CORES_EXAMPLE = '"2x cortex-x1@2.8,2x cortex-a76@2.25,4x cortex-a55@1.8"'
_CLUSTER = re.compile(r"^\s*(\d+)\s*[xX×]\s*([A-Za-z0-9-]+)\s*(?:@\s*([0-9.]+)\s*(?:[gG][hH][zZ])?)?\s*$")
MEASURED_PREFIX = "measured by edge-sdk calibrate"


class AuthoringError(ConfigError):
    """Bad input for a new profile; ``field`` names the parameter (the CLI maps it to its flag)."""

    def __init__(self, field: str, message: str, example: str) -> None:
        super().__init__(f"{field}: {message}", hint=f"example: {example}")
        self.field = field
        self.example = example


@dataclass(frozen=True)
class ClusterSpec:
    core: str
    count: int
    ghz: float


def parse_cores(spec: str) -> list[ClusterSpec]:
    """``"2x cortex-x1@2.8,4x cortex-a55@1.8"`` -> clusters, fastest first. Every malformed part
    raises :class:`AuthoringError` naming ``cores``, the part, and a working example."""
    clusters = []
    parts = spec.split(",")
    if not spec.strip():
        raise AuthoringError("cores", "is empty", CORES_EXAMPLE)
    for part in parts:
        match = _CLUSTER.match(part)
        if not match:
            raise AuthoringError("cores", f"cannot read cluster {part.strip()!r}: write COUNTx CORE@GHZ", CORES_EXAMPLE)
        count, name, ghz = int(match.group(1)), match.group(2).lower(), match.group(3)
        if not name.startswith(("cortex-", "x86")) and f"cortex-{name}" in CORE_TYPES:
            name = f"cortex-{name}"
        if name not in CORE_TYPES:
            known = ", ".join(sorted(n for n in CORE_TYPES if n.startswith(("cortex-a", "cortex-x"))))
            raise AuthoringError("cores", f"unknown core type {match.group(2)!r} in {part.strip()!r} (known: {known})",
                                 CORES_EXAMPLE)
        if ghz is None:
            raise AuthoringError("cores", f"cluster {part.strip()!r} has no clock: add @GHZ (its top frequency)",
                                 CORES_EXAMPLE)
        if count < 1 or not 0.01 <= float(ghz) <= 6.0:
            raise AuthoringError("cores", f"cluster {part.strip()!r}: count must be >= 1 and the clock 0.01-6 GHz",
                                 CORES_EXAMPLE)
        clusters.append(ClusterSpec(name, count, float(ghz)))
    return sorted(clusters, key=lambda c: c.ghz * core_type(c.core).efficiency, reverse=True)


def cluster_tables(clusters: list[ClusterSpec]) -> list[dict[str, Any]]:
    """``[[cpu.clusters]]`` tables with each core's power derived from the core-type power table."""
    n = len(clusters)
    names = {1: ["cpu"], 2: ["big", "little"], 3: ["prime", "big", "little"]}.get(
        n, ["prime", "big", *[f"mid{i}" for i in range(1, n - 2)], "little"])
    out = []
    for name, c in zip(names, clusters, strict=True):
        mw, why = active_power_mw(c.core, c.ghz)
        out.append({"name": name, "core": c.core, "count": c.count, "ghz": c.ghz, "active_mw": mw,
                    "estimates": {"active_mw": why}})
    return out


def big_core_mask(clusters: list[dict[str, Any]]) -> str | None:
    """Android numbers the little cores first: the big cores are every CPU above the slowest cluster."""
    if len(clusters) < 2:
        return None
    total = sum(c["count"] for c in clusters)
    little = clusters[-1]["count"]
    return hex(((1 << total) - 1) ^ ((1 << little) - 1))


def isa_table(clusters: list[dict[str, Any]], features: set[str] | None, source: str) -> dict[str, Any]:
    """ISA flags: read from /proc/cpuinfo ``Features`` when given, else implied by the core designs."""
    types = [core_type(c["core"]) for c in clusters]
    if features is not None:
        dotprod, fp16, i8mm = "asimddp" in features, "asimdhp" in features or "fphp" in features, "i8mm" in features
    else:
        dotprod = all(t.sdot for t in types)
        i8mm = all(t.int8 >= 8 * t.fp32 for t in types)
        fp16 = all(t.name not in ("cortex-a53", "cortex-a72", "cortex-a73") for t in types)
    arch = "armv9-a" if i8mm and features is None else "armv8.6-a" if i8mm else "armv8.2-a" if dotprod or fp16 \
        else "armv8-a"
    return {"arch": arch, "neon": True, "dotprod": dotprod, "fp16": fp16, "i8mm": i8mm, "source": source}


def compute_table(clusters: list[dict[str, Any]]) -> dict[str, Any]:
    fp32 = sum(c["count"] * c["ghz"] * core_type(c["core"]).fp32 for c in clusters)
    int8 = sum(c["count"] * c["ghz"] * core_type(c["core"]).int8 for c in clusters)
    return {"peak_gmacs_fp32": round(fp32, 1), "peak_gmacs_int8": round(int8, 1),
            "source": "derived: sum over cores of clock x MACs/cycle (devices/cores.py)",
            "estimates": {"peak_gmacs_fp32": "theoretical SIMD peak, never reached by real kernels",
                          "peak_gmacs_int8": "theoretical int8 peak (SDOT/i8mm where the cores have it)"}}


def phone_profile(profile_id: str, *, name: str, soc: str, clusters: list[dict[str, Any]], ram_bytes: int,
                  like: DeviceProfile | None = None, features: set[str] | None = None,
                  cpu_source: str, big_mask: str | None = None, kind: str = "phone",
                  runtime_version: str | None = None, adb: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A complete, schema-valid profile of a phone or board from its clusters and RAM.

    What is not given is derived (peak MACs, power per core, ISA, big-core mask, threads) or taken
    from ``like`` (bandwidth, app budget, runtime, power base) or a generic phone value, and every
    such number is listed under ``estimates`` with the reason."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    basis = f"as {like.id}" if like else "generic phone value"
    big = clusters[:-1] if len(clusters) > 1 else clusters
    app = like.app_memory_bytes if like else (512 * 1024**2 if ram_bytes >= 4 * 1024**3 else 256 * 1024**2)
    data: dict[str, Any] = {
        "schema_version": 1, "id": profile_id, "name": name, "kind": kind, "soc": soc,
        "source": f"written by edge-sdk on {stamp} from a description of the device; derived numbers are marked "
                  "as estimates",
    }
    if like is not None:
        data["like"] = like.id
    data["cpu"] = {"threads_default": min(4, sum(c["count"] for c in big)),
                   **({"big_core_mask": big_mask or big_core_mask(clusters)} if len(clusters) > 1 else {}),
                   "source": cpu_source, "clusters": clusters,
                   "estimates": {"threads_default": "the big cores (all but the slowest cluster), at most 4"}}
    data["isa"] = isa_table(clusters, features, "read from /proc/cpuinfo Features" if features is not None
                            else "implied by the core designs (Arm technical reference manuals)")
    data["memory"] = {"ram_bytes": ram_bytes, "app_memory_bytes": app,
                      "bandwidth_gbps": like.bandwidth_gbps if like else 15.0,
                      "source": "RAM as given; the rest derived",
                      "estimates": {"app_memory_bytes": f"Android largeHeap class for this RAM size ({basis})",
                                    "bandwidth_gbps": f"sustained CPU bandwidth, not measured ({basis})"}}
    data["compute"] = compute_table(clusters)
    runtime = {"name": like.runtime if like else "litert",
               "version": runtime_version or (like.runtime_version if like else "2.3.0"),
               "delegates": list(like.delegates) if like else ["xnnpack", "gpu", "nnapi"],
               "overhead_bytes": like.runtime_overhead_bytes if like else 8 * 1024**2,
               "source": "LiteRT with the default XNNPACK CPU delegate" + (f" ({basis})" if like else ""),
               "estimates": {"overhead_bytes": f"interpreter + XNNPACK RSS, not measured ({basis})"}}
    data["runtime"] = runtime
    data["power"] = {"base_mw": like.power_base_mw if like else 400.0,
                     "scope": like.power_scope if like else "cpu-cluster",
                     "source": "per-core power from the core-type power table (devices/cores.py ACTIVE_POWER)",
                     "estimates": {"base_mw": f"uncore + DRAM while the big cores run ({basis})"}}
    if adb:
        data["adb"] = adb
    return data


def add_points(data: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
    """Add calibration ``points``; drop older edge-sdk points for the same model, precision and threads
    (published points are always kept)."""
    fresh = {(p["model"], p["precision"], p["threads"]) for p in points}
    kept = [p for p in data.get("calibration", [])
            if not (str(p.get("source", "")).startswith(MEASURED_PREFIX)
                    and (p["model"], p["precision"], p["threads"]) in fresh)]
    return {**data, "calibration": kept + points}


def render(data: dict[str, Any], *, header: str = "") -> str:
    """The profile as TOML (tomli-w), validated by the catalog's own reader (schema, id = file name);
    a profile that does not validate raises ConfigError before anything is written."""
    import tomli_w

    from devices.catalog import read_profile

    text = header + tomli_w.dumps(_toml_ready(data))
    profile_id = str(data.get("id"))
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / f"{profile_id}.toml"
        probe.write_text(text, encoding="utf-8")
        try:
            read_profile(probe)
        except ConfigError as error:
            raise ConfigError(f"the profile {profile_id} written by edge-sdk does not validate: "
                              f"{error.message.replace(str(probe) + ': ', '')}",
                              hint="this is a bug in edge-sdk; please report it with the command you ran") from None
    return text


def _toml_ready(value: Any) -> Any:
    """Drop None values (TOML has no null)."""
    if isinstance(value, dict):
        return {k: _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_ready(v) for v in value]
    return value


def parse_ram(text: str) -> int:
    """``"8GiB"`` -> bytes; AuthoringError naming ``ram`` otherwise."""
    try:
        value = int(parse_size(text, "ram"))
    except ConfigError as exc:
        raise AuthoringError("ram", f"cannot read {text!r} ({exc.message})", "8GiB") from None
    if value < 1024**2:
        raise AuthoringError("ram", f"{text!r} is less than 1 MiB: write the unit", "8GiB")
    return value


def user_profile_dir() -> Path:
    """Where user profiles go: the first directory of ``EDGE_SDK_DEVICE_PATH``, else
    ``~/.config/edge-sdk/devices`` (add it to ``EDGE_SDK_DEVICE_PATH`` to use it)."""
    paths = [p for p in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep) if p]
    return Path(paths[0]) if paths else Path.home() / ".config" / "edge-sdk" / "devices"


def profile_path(output: str | None, profile_id: str) -> Path:
    """The file a profile ``profile_id`` is written to: ``output`` as a directory (or a file named
    ``<id>.toml``), else :func:`user_profile_dir`."""
    if output is None:
        return user_profile_dir() / f"{profile_id}.toml"
    path = Path(output)
    if path.is_dir() or output.endswith(os.sep) or not path.suffix:
        return path / f"{profile_id}.toml"
    if path.stem != profile_id or path.suffix != ".toml":
        raise AuthoringError("output", f"{output}: a profile file must be named {profile_id}.toml (its id)",
                             f"a directory, or {path.parent / (profile_id + '.toml')}")
    return path


def on_device_path(directory: Path) -> bool:
    """True when ``directory`` is one of the EDGE_SDK_DEVICE_PATH directories (so the catalog reads it)."""
    paths = [Path(p).resolve() for p in os.environ.get("EDGE_SDK_DEVICE_PATH", "").split(os.pathsep) if p]
    return directory.resolve() in paths
