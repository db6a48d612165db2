"""The calibration every estimate uses: fitted families plus error bands measured on held-out data.

The error band is measured, not assumed (``validation.py``): leave-one-source-out and
leave-device-out cross-validation, each held-out prediction labelled with its situation (device
measured / setup never measured / core type seen elsewhere / nothing similar). The fit itself is
in ``fitting.py``. Fits and refits take about a second, so their results are cached on disk
under a key made of every input.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import devices.cores as cores_module
from devices.profile import CalibrationPoint, DeviceProfile
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.cache_store import cache_root, seal, signing_key, unseal
from runtime_harness.estimator.features import REFERENCE_FEATURES_FILE
from runtime_harness.estimator.fitting import (
    FittedFamily,
    Observation,
    family_of,
    fit_family,
    observations,
    runtime_kernels,
)
from runtime_harness.estimator.latency import PRIORS
from runtime_harness.estimator.validation import SITUATION_TEXT, HeldOut, held_out, situation, situation_bands


@dataclass
class Calibration:
    """Fitted families, their held-out predictions and the band of every situation."""

    families: dict[str, FittedFamily]
    loso: list[HeldOut]
    lodo: list[HeldOut]
    skipped: list[tuple[str, CalibrationPoint, str]]
    observations: list[Observation]

    @property
    def held(self) -> list[HeldOut]:
        """Every held-out prediction (both validations): what the bands are computed from."""
        return self.loso + self.lodo

    def bands(self, family: str) -> dict[str, tuple[float, int]]:
        return situation_bands(self.held, family)

    def situation_for(self, profile: DeviceProfile, compute: str, threads: int) -> str:
        family = family_of(profile)
        return situation(profile, compute, threads, [o for o in self.observations if family_of(o.device) == family],
                         runtime_kernels(profile, compute))

    def band_for(self, profile: DeviceProfile, compute: str = "float", threads: int = 1) -> tuple[float, str]:
        """(band in percent, why): the band of the estimate's situation in its family."""
        family = family_of(profile)
        where = self.situation_for(profile, compute, threads)
        band, count = self.bands(family)[where]
        if count == 0:
            return band, f"{SITUATION_TEXT[where]}; no held-out {family} point in this situation (band doubled)"
        return band, (f"{SITUATION_TEXT[where]}: 80% of {count} held-out {family} predictions in this situation "
                      "(leave-one-source-out and leave-device-out) fall within it")


def build_calibration(profiles: list[DeviceProfile], *, held_out_cache: bool = True) -> Calibration:
    """Fit every family on all points; predict every point leaving out its source, then its device."""
    obs, skipped = observations(profiles)
    cache = _cache_path(profiles) if held_out_cache else None
    if cache is not None and cache.exists():
        try:
            data = unseal(json.loads(cache.read_text(encoding="utf-8")), signing_key())
            if data is None:   # edited, or not written by this user: the fitted coefficients decide estimates
                raise ValueError("the held-out cache does not verify")
            families = {name: FittedFamily.from_dict(f) for name, f in data["families"].items()}
            return Calibration(families, [HeldOut(**h) for h in data["loso"]],
                               [HeldOut(**h) for h in data["lodo"]], skipped, obs)
        except (OSError, ValueError, TypeError, KeyError):
            pass  # a corrupt or older cache is recomputed
    families = {family: fit_family([o for o in obs if family_of(o.device) == family], family)
                for family in PRIORS}
    loso, lodo = held_out(obs, "leave-one-source-out"), held_out(obs, "leave-device-out")
    key = signing_key() if cache is not None else None
    if cache is not None and key is not None:
        try:
            atomic_write_json(cache, seal({"families": {n: f.to_dict() for n, f in families.items()},
                                           "loso": [asdict(h) for h in loso], "lodo": [asdict(h) for h in lodo]},
                                          key))
        except OSError:
            pass  # a read-only home directory only costs time
    return Calibration(families, loso, lodo, skipped, obs)


def _cache_path(profiles: list[DeviceProfile]) -> Path:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([here / "calibration.py", here / "fitting.py", here / "latency.py", here / "validation.py",
                        here / "threads.py",
                        REFERENCE_FEATURES_FILE, Path(cores_module.__file__)]):
        digest.update(path.read_bytes())
    for profile in sorted(profiles, key=lambda p: p.id):
        if profile.calibration:  # a profile without points (e.g. from `devices new`) changes no fit
            digest.update(json.dumps(profile.raw, sort_keys=True, default=str).encode())
    return cache_root() / "estimator" / f"held-out-{digest.hexdigest()[:16]}.json"


@lru_cache(maxsize=4)
def _cached(ids: tuple[str, ...]) -> Calibration:
    from devices import list_profiles

    return build_calibration(list_profiles())


def default_calibration() -> Calibration:
    """The calibration of the current catalog (cached per process, held-out errors on disk)."""
    from devices import device_ids

    return _cached(tuple(device_ids()))
