"""Energy per inference from a documented power proxy: always an estimate, labelled as one.

    P = base_mw + sum of active_mw over the cores the threads run on   (phones, boards)
    P = base_mw                                                         (MCUs: board power)
    E[mJ] = P[mW] x latency[ms] / 1000

Per-core powers come from the profile (for Pixels, the kernel energy-model tables at top
frequency; elsewhere a stated estimate), ``base_mw`` covers uncore/DRAM or the whole board, and
``power.scope`` says which (a phone's CPU cluster, a board at its supply, an MCU board). It is
a proxy: no DVFS, no thermal throttling, no radio or display.
"""

from __future__ import annotations

from typing import Any

from devices.profile import DeviceProfile


def estimate_energy(profile: DeviceProfile, threads: int, latency_ms: float) -> tuple[float, dict[str, Any]]:
    """(energy in mJ, provenance of the coefficients)."""
    cores = profile.cores_by_speed()[:threads] if profile.kind != "mcu" else []
    core_mw = sum(c.active_mw or 0.0 for c in cores)
    power_mw = profile.power_base_mw + core_mw
    energy = power_mw * latency_ms / 1000.0
    provenance = {
        "method": "power proxy x estimated latency (an estimate, not a measurement)",
        "power_mw": round(power_mw, 1), "base_mw": profile.power_base_mw,
        "active_cores_mw": [c.active_mw for c in cores], "scope": profile.power_scope,
        "source": (profile.raw.get("power") or {}).get("source"),
    }
    return energy, provenance
