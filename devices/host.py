"""The ``host`` profile: this machine, detected at run time (never a data file: hosts differ).

Detected: CPU model, usable cores (the process's affinity), max clock, SIMD features, RAM and
the memory available now (the default budget), the installed LiteRT version. Not detectable
here (no RAPL or cpufreq on the machines this runs on): memory bandwidth and power, which are
labelled as estimates with their reasoning.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path
from typing import Any

from devices.profile import DeviceProfile
from devices.schema import SCHEMA_VERSION, validate_profile


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if ":" in line:
                key, value = (s.strip() for s in line.split(":", 1))
                info.setdefault(key, value)
    except OSError:
        pass
    return info


def _max_ghz(info: dict[str, str]) -> tuple[float, str]:
    try:
        import psutil

        freq = psutil.cpu_freq()
        if freq and (freq.max or freq.current):
            return round((freq.max or freq.current) / 1000.0, 2), "psutil.cpu_freq()"
    except Exception:  # noqa: BLE001 - cpufreq is absent on many VMs; fall back below
        pass
    if "cpu MHz" in info:
        return round(float(info["cpu MHz"]) / 1000.0, 2), "/proc/cpuinfo cpu MHz"
    return 2.0, "estimate: clock not exposed on this machine"


def _version(package: str) -> str | None:
    from importlib import metadata  # only when the host profile is built: keeps `import devices` cheap

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def host_profile() -> DeviceProfile:
    """Detect this machine as a DeviceProfile with ``kind = "host"`` (cached for the process)."""
    import psutil

    info = _cpuinfo()
    machine = platform.machine()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if machine in ("x86_64", "AMD64"):
        core = "x86-64-avx512" if "avx512f" in flags else "x86-64-avx2"
    else:
        core = "cortex-a76"
    ghz, clock_source = _max_ghz(info)
    memory = psutil.virtual_memory()
    model_name = info.get("model name") or info.get("Hardware") or platform.processor() or machine
    litert = _version("ai-edge-litert")
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "id": "host", "name": f"this machine ({model_name})",
        "kind": "host", "soc": model_name, "source": "detected at run time",
        "cpu": {"threads_default": cores, "source": f"os.sched_getaffinity, {clock_source}",
                "clusters": [{"name": "all", "core": core, "count": cores, "ghz": ghz, "active_mw": 5000.0}],
                "estimates": {"threads_default": "all cores this process may use"}},
        "isa": {"arch": machine, "neon": "asimd" in flags, "dotprod": "asimddp" in flags or "avx512_vnni" in flags,
                "fp16": "fphp" in flags or "avx512_fp16" in flags, "i8mm": "i8mm" in flags or "amx_int8" in flags,
                "source": "/proc/cpuinfo flags"},
        "memory": {"ram_bytes": int(memory.total), "app_memory_bytes": int(memory.available),
                   "bandwidth_gbps": 25.0, "source": "psutil.virtual_memory (available now = budget)",
                   "estimates": {"bandwidth_gbps": "not measured (a benchmark would cost seconds): typical "
                                                   "sustained multi-channel DDR4 bandwidth of a server or "
                                                   "desktop, of which one core pulls ~10 GB/s"}},
        "compute": {"peak_gmacs_fp32": 0.0, "peak_gmacs_int8": 0.0,
                    "source": "derived: cores x clock x MACs/cycle (devices/cores.py)"},
        "runtime": {"name": "litert", "version": litert or "not installed", "delegates": ["xnnpack"],
                    "overhead_bytes": 40_000_000, "source": "ai-edge-litert package metadata",
                    "estimates": {"overhead_bytes": "RSS of a Python process after importing ai_edge_litert "
                                                    "(~43 MB measured, see STACK.md)"}},
        "power": {"base_mw": 10000.0, "scope": "cpu-cluster", "source": "no power counters on this machine",
                  "estimates": {"base_mw": "typical server uncore + DRAM share; 5 W per active core; "
                                           "a rough proxy, not a measurement"}},
    }
    profile = DeviceProfile.from_validated(validate_profile(data, path="<host>"))
    peak = {"peak_gmacs_fp32": round(profile.derived_peak_gmacs("fp32"), 1),
            "peak_gmacs_int8": round(profile.derived_peak_gmacs("int8"), 1)}
    data["compute"].update(peak)
    return DeviceProfile.from_validated(validate_profile(data, path="<host>"))
