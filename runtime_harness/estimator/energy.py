"""Energy per inference from a documented power model: always an estimate, labelled as one, with a band.

    P = base_mw + sum of active_mw over the cores the threads run on    (phones, boards)
    P = board power during inference                                     (MCUs)
    E[mJ] = P[mW] x latency[ms] / 1000

MCU board power is nearly flat across models (MLPerf Tiny energy runs), so a board with published
measured energies uses their median power, rescaled to the selected supply (``ID@3.3V``: power ~
supply voltage; the same latency at 3.0 V instead of 1.8 V cost ~1.67x the energy). A board
without measured energies uses its profile's ``base_mw`` (an estimate, scaled from a similar board).

The band is measured, per device class (``validate_power``): every published energy is predicted
leaving its own publication out, from the same board's other publications ("device") or, with
none, from the other boards' power per MHz per volt ("none"). Phones and boards have no published
measured energy per inference with a stated setup, so their power model is not validated: the band
says so (+-100% on power, an order of magnitude). The energy band combines the power band and the
latency band (independent errors, added in quadrature in log space).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from devices.profile import DeviceProfile, EnergyPoint
from runtime_harness.estimator.engines import combine_bands
from runtime_harness.estimator.validation import quantile_band, source_key

UNVALIDATED_POWER_BAND = 100.0


@dataclass(frozen=True)
class PowerCheck:
    """One published energy predicted without its own publication: the power model's honest test."""

    device: str
    model: str
    supply_v: float
    measured_mw: float
    predicted_mw: float
    dataset: str
    situation: str  # "device" (same board, other publications) or "none" (other boards only)

    @property
    def error(self) -> float:
        return self.predicted_mw / self.measured_mw - 1.0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


def _dataset(point: EnergyPoint) -> str:
    return point.dataset or source_key(point.source)


def _mw_per_mhz_volt(profile: DeviceProfile, point: EnergyPoint) -> float:
    return point.power_mw / (profile.clusters[0].ghz * 1000.0 * point.supply_v)


def validate_power(profiles: list[DeviceProfile]) -> list[PowerCheck]:
    """Leave-one-publication-out predictions of every published MCU energy (see the module doc)."""
    boards = [p for p in profiles if p.kind == "mcu" and p.energy]
    out = []
    for profile in boards:
        for point in profile.energy:
            held = _dataset(point)
            same = [e for e in profile.energy if _dataset(e) != held]
            if same:
                pred = statistics.median(e.power_mw * point.supply_v / e.supply_v for e in same)
                out.append(PowerCheck(profile.id, point.model, point.supply_v, point.power_mw, pred, held, "device"))
            rates = [_mw_per_mhz_volt(o, e) for o in boards if o.id != profile.id for e in o.energy
                     if _dataset(e) != held]
            if rates:
                pred = statistics.median(rates) * profile.clusters[0].ghz * 1000.0 * point.supply_v
                out.append(PowerCheck(profile.id, point.model, point.supply_v, point.power_mw, pred, held, "none"))
    return out


@lru_cache(maxsize=4)
def power_bands(ids: tuple[str, ...] = ()) -> dict[str, tuple[float, int]]:
    """MCU power band per situation (percent, number of held-out energies behind it)."""
    from devices import list_profiles

    checks = validate_power(list_profiles())
    bands = {}
    floor = 0.0
    for situation in ("device", "none"):
        errors = [c.error for c in checks if c.situation == situation]
        band = max(floor, quantile_band(errors)) if errors else UNVALIDATED_POWER_BAND
        bands[situation] = (band, len(errors))
        floor = band
    return bands


def board_power_mw(profile: DeviceProfile, threads: int) -> tuple[float, str, str]:
    """(power in mW, how it was obtained, situation for the band)."""
    if profile.kind != "mcu":
        cores = profile.cores_by_speed()[:threads]
        return (profile.power_base_mw + sum(c.active_mw or 0.0 for c in cores),
                "base + active cores from the profile (kernel energy-model tables or stated estimates)", "unvalidated")
    supply = profile.supply_override_v or profile.supply_v
    engine = _slug(profile.engine or f"{profile.runtime} {profile.runtime_version}")
    own = [e for e in profile.energy if _slug(e.runtime).startswith(engine) or engine.startswith(_slug(e.runtime))]
    points = own or list(profile.energy)  # power is nearly flat across engines: another engine's runs will do
    if points:
        power = statistics.median(e.power_mw * (supply or e.supply_v) / e.supply_v for e in points)
        return power, (f"median board power of {len(points)} published energy runs"
                       + (f", rescaled to {supply:g} V" if supply and any(e.supply_v != supply for e in points)
                          else "")), "device"
    power = profile.power_base_mw
    if profile.supply_override_v and profile.supply_v:
        power *= profile.supply_override_v / profile.supply_v
    return power, "the profile's board power (an estimate scaled from a similar board)", "none"


def estimate_energy(profile: DeviceProfile, threads: int, latency_ms: float,
                    latency_band_pct: float) -> tuple[float, float, dict[str, Any]]:
    """(energy in mJ, energy band in percent, provenance of the coefficients and of the band)."""
    cores = profile.cores_by_speed()[:threads] if profile.kind != "mcu" else []
    power_mw, how, situation = board_power_mw(profile, threads)
    if situation == "unvalidated":
        power_band, basis = UNVALIDATED_POWER_BAND, ("power model not validated: no published measured energy per "
                                                     "inference with a stated setup for phones or boards")
    else:
        power_band, count = power_bands()[situation]
        basis = (f"MCU board power: 80% of {count} published energies predicted without their own publication "
                 f"({'same board, other publications' if situation == 'device' else 'other boards, per MHz per volt'})"
                 f" fall within +-{power_band:g}%")
    band = combine_bands(latency_band_pct, power_band)
    provenance = {
        "method": "power x estimated latency (an estimate, not a measurement)",
        "power_mw": round(power_mw, 1), "power_from": how, "base_mw": profile.power_base_mw,
        "active_cores_mw": [c.active_mw for c in cores], "scope": profile.power_scope,
        "supply_v": profile.supply_override_v or profile.supply_v,
        "power_band_pct": power_band, "band_basis": basis,
        "source": (profile.raw.get("power") or {}).get("source"),
    }
    return power_mw * latency_ms / 1000.0, band, provenance
