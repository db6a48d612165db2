"""Judging the fitted latency model honestly, and the calibration every estimate uses.

The error band is measured, not assumed: leave-one-out over every calibration point (refit
everything without the point, predict it) for devices that have points, and leave-one-device-out
(refit without any of the device's points) for devices that have none. The fit itself is in
``fitting.py``; this module holds the held-out predictions, the bands, and the on-disk cache.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import devices.cores as cores_module
from devices.profile import CalibrationPoint, DeviceProfile
from edge_sdk.core.atomic import atomic_write_json
from runtime_harness.estimator.features import REFERENCE_FEATURES_FILE
from runtime_harness.estimator.fitting import FittedFamily, Observation, family_of, fit_family, observations
from runtime_harness.estimator.latency import PRIORS, effective_threads

BAND_QUANTILE = 0.8  # the error band covers 80% of held-out errors


@dataclass(frozen=True)
class HeldOut:
    """One held-out prediction: the honest test of the method on a published number."""

    device: str
    model: str
    precision: str
    threads: int
    measured_ms: float
    predicted_ms: float
    source: str
    mode: str  # "leave-one-out" or "leave-device-out"

    @property
    def error(self) -> float:
        """Signed relative error (predicted / measured - 1)."""
        return self.predicted_ms / self.measured_ms - 1.0


def held_out(obs: list[Observation], *, mode: str = "leave-one-out") -> list[HeldOut]:
    """Predict each point from a fit that never saw it (or never saw its device)."""
    out = []
    for i, o in enumerate(obs):
        family = family_of(o.device)
        if mode == "leave-one-out":
            train = [x for j, x in enumerate(obs) if j != i and family_of(x.device) == family]
        else:
            train = [x for x in obs if x.device.id != o.device.id and family_of(x.device) == family]
        fitted = fit_family(train, family)
        pred = fitted.predict(o.features, o.device, effective_threads(o.device, o.point.threads),
                              kernels=o.kernels)
        out.append(HeldOut(o.device.id, o.point.model, o.point.precision, o.point.threads,
                           o.point.latency_ms, pred, o.point.source, mode))
    return out


def band_pct(errors: list[float]) -> float:
    """The error band in percent: the BAND_QUANTILE of |log ratio| turned back into a percentage,
    never below 10% (15% when fewer than 20 held-out points make the quantile itself uncertain)."""
    if not errors:
        return 100.0
    floor = 10.0 if len(errors) >= 20 else 15.0
    logs = sorted(abs(math.log1p(e)) for e in errors)
    q = logs[min(len(logs) - 1, int(math.ceil(BAND_QUANTILE * len(logs))) - 1)]
    return round(max(floor, (math.exp(q) - 1.0) * 100.0), 1)


@dataclass
class Calibration:
    """Fitted families plus their measured error bands (built once per process)."""

    families: dict[str, FittedFamily]
    loo: list[HeldOut]
    lodo: list[HeldOut]
    skipped: list[tuple[str, CalibrationPoint, str]]

    def band_for(self, profile: DeviceProfile) -> tuple[float, str]:
        """Error band for a device: its family's leave-one-out errors if it has points, else the
        family's leave-device-out errors (the error on a device the fit never saw)."""
        family = family_of(profile)
        own = self.families.get(family)
        if own is not None and profile.id in own.device_log:
            errs = [h.error for h in self.loo if h.device in _family_devices(self, family)]
            return band_pct(errs), f"leave-one-out over {len(errs)} {family} calibration points"
        errs = [h.error for h in self.lodo if h.device in _family_devices(self, family)]
        if not errs:
            return 100.0, "no calibration points in this core family"
        return band_pct(errs), f"leave-device-out over {len(errs)} {family} calibration points (no points of its own)"


def _family_devices(cal: Calibration, family: str) -> set[str]:
    fitted = cal.families.get(family)
    return set(fitted.device_log) if fitted else set()


def build_calibration(profiles: list[DeviceProfile], *, held_out_cache: bool = True) -> Calibration:
    """Fit every family on all points; measure leave-one-out and leave-device-out errors.

    The fits and the held-out refits (two per point) take about a second, so their results are
    cached on disk under a key made of every input (profiles, reference features, this code).
    """
    obs, skipped = observations(profiles)
    cache = _cache_path(profiles) if held_out_cache else None
    if cache is not None and cache.exists():
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            families = {name: FittedFamily.from_dict(f) for name, f in data["families"].items()}
            return Calibration(families, [HeldOut(**h) for h in data["loo"]],
                               [HeldOut(**h) for h in data["lodo"]], skipped)
        except (OSError, ValueError, TypeError, KeyError):
            pass  # a corrupt or older cache is recomputed
    families = {family: fit_family([o for o in obs if family_of(o.device) == family], family)
                for family in PRIORS}
    loo, lodo = held_out(obs, mode="leave-one-out"), held_out(obs, mode="leave-device-out")
    if cache is not None:
        try:
            atomic_write_json(cache, {"families": {n: f.to_dict() for n, f in families.items()},
                                      "loo": [asdict(h) for h in loo], "lodo": [asdict(h) for h in lodo]})
        except OSError:
            pass  # a read-only home directory only costs time
    return Calibration(families, loo, lodo, skipped)


def _cache_path(profiles: list[DeviceProfile]) -> Path:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([here / "calibration.py", here / "fitting.py", here / "latency.py", REFERENCE_FEATURES_FILE,
                        Path(cores_module.__file__)]):
        digest.update(path.read_bytes())
    for profile in sorted(profiles, key=lambda p: p.id):
        digest.update(json.dumps(profile.raw, sort_keys=True, default=str).encode())
    root = Path(os.environ.get("EDGE_SDK_CACHE", Path.home() / ".cache" / "edge-sdk"))
    return root / "estimator" / f"held-out-{digest.hexdigest()[:16]}.json"


@lru_cache(maxsize=4)
def _cached(ids: tuple[str, ...]) -> Calibration:
    from devices import list_profiles

    return build_calibration(list_profiles())


def default_calibration() -> Calibration:
    """The calibration of the current catalog (cached per process, held-out errors on disk)."""
    from devices import device_ids

    return _cached(tuple(device_ids()))
