"""Cross-validation that predicts what happens on new data, and the error bands it yields.

Numbers from one publication share a runtime build, a clock policy and a method: leaving one point
out leaks its siblings and flatters the model. So the estimator is judged by

* **leave-one-source-out**: every point of one publication is removed together, the family is
  refitted, and each removed point is predicted;
* **leave-device-out**: every point of one device is removed together (a phone nobody published
  numbers for).

Each held-out prediction is labelled with the *situation* it was in relative to the data the fit
saw, because that is what a user's estimate will be in too:

==========  =====================================================================================
``device``  the device has points of its own at this precision, thread count and kernel library
``setup``   the device has points, but never this precision, thread count or kernel library / OS
            bitness (a 32-bit build's numbers do not vouch for a 64-bit one)
``core``    no points of its own, but its big core type is measured on another device
``none``    nothing similar: neither the device nor its big core type was measured
==========  =====================================================================================

The band printed on an estimate is the 80th percentile of |held-out error| of its family and
situation (pooled over both validations), never narrower than an easier situation's band. Its
honest coverage is measured *nested*: a point's band is recomputed from the other sources'
held-out errors only (:func:`nested_coverage`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from devices.profile import CalibrationPoint, DeviceProfile
from runtime_harness.estimator.fitting import Observation, family_of, fit_family
from runtime_harness.estimator.latency import effective_threads

BAND_QUANTILE = 0.8
SITUATIONS = ("device", "setup", "core", "none")
SITUATION_TEXT = {
    "device": "device with its own published points at this precision, thread count and kernel library",
    "setup": "device measured, but never at this precision, thread count or kernel library (32/64-bit)",
    "core": "no points of its own; its big core type is measured on another device",
    "none": "nothing similar measured (neither this device nor its big core type)",
}
MIN_POINTS = 8  # fewer held-out errors than this: the situation borrows the next harder one's band


@dataclass(frozen=True)
class HeldOut:
    """One held-out prediction: the honest test of the method on a published number."""

    device: str
    model: str
    precision: str
    threads: int
    measured_ms: float
    predicted_ms: float
    source: str        # the dataset (publication) the point belongs to
    mode: str          # "leave-one-source-out" or "leave-device-out"
    situation: str     # one of SITUATIONS, relative to the data the fit saw
    family: str = "a-profile"
    kernels: str = "xnnpack"

    @property
    def error(self) -> float:
        """Signed relative error (predicted / measured - 1)."""
        return self.predicted_ms / self.measured_ms - 1.0

    @property
    def ratio(self) -> float:
        """How far off, as a factor >= 1 (1.3 = 30% too slow or too fast)."""
        return max(1 + self.error, 1 / (1 + self.error))


_REPO = re.compile(r"^\s*([\w.-]+/[\w.-]+)[:\s,]*([^\s,(@]*)")


def source_key(source: str) -> str:
    """The publication a point comes from: repository (or site) plus document, without the table,
    row or commit details (``google/XNNPACK README.md``, ``mlcommons/tiny_results_v1.0 closed/ST``).
    MLPerf results are one publication per round and submitter, whatever the board."""
    match = _REPO.match(source)
    if not match:
        return source.split(" (")[0].split(",")[0].strip()
    repo, document = match.group(1), match.group(2)
    if "/results/" in document:
        document = document.split("/results/")[0]
    return f"{repo} {document}".strip()


def dataset_of(point: CalibrationPoint) -> str:
    """The dataset a point is validated with: its ``dataset`` field, else :func:`source_key`."""
    return point.dataset or source_key(point.source)


def big_core(profile: DeviceProfile) -> str:
    return profile.cores_by_speed()[0].core


def situation(profile: DeviceProfile, compute: str, threads: int, seen: list[Observation],
              kernels: str | None = None) -> str:
    """Where a prediction for ``profile`` stands relative to the observations ``seen`` by the fit.

    ``kernels`` (the kernel library and OS bitness, e.g. ``xnnpack-aarch32``) counts as part of the
    setup: a 64-bit number does not vouch for a 32-bit build of the same runtime."""
    own = [o for o in seen if o.device.id == profile.base_id]
    if own:
        precision = "float" if compute == "float" else "int8"
        same = any(("float" if o.features.compute == "float" else "int8") == precision
                   and effective_threads(o.device, o.point.threads) == threads
                   and (kernels is None or o.kernels == kernels) for o in own)
        return "device" if same else "setup"
    return "core" if any(big_core(o.device) == big_core(profile) for o in seen) else "none"


def _predict(train: list[Observation], targets: list[Observation], family: str, mode: str) -> list[HeldOut]:
    fitted = fit_family(train, family)
    out = []
    for o in targets:
        n = effective_threads(o.device, o.point.threads)
        pred = fitted.predict(o.features, o.device, n, kernels=o.kernels)
        out.append(HeldOut(o.device.id, o.point.model, o.point.precision, o.point.threads, o.point.latency_ms,
                           pred, dataset_of(o.point), mode, situation(o.device, o.features.compute, n, train, o.kernels),
                           family, o.kernels))
    return out


def held_out(obs: list[Observation], mode: str) -> list[HeldOut]:
    """Predict every point from a fit that saw none of its group (its source, or its device)."""
    groups: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for o in obs:
        key = dataset_of(o.point) if mode == "leave-one-source-out" else o.device.id
        groups[(family_of(o.device), key)].append(o)
    out: list[HeldOut] = []
    for (family, _group), targets in groups.items():
        train = [o for o in obs if family_of(o.device) == family and o not in targets]
        out.extend(_predict(train, targets, family, mode))
    return out


def quantile_band(errors: list[float]) -> float:
    """BAND_QUANTILE of |log ratio| as a percentage, never below 10% (15% under 20 errors)."""
    floor = 10.0 if len(errors) >= 20 else 15.0
    logs = sorted(abs(math.log1p(e)) for e in errors)
    q = logs[min(len(logs) - 1, math.ceil(BAND_QUANTILE * len(logs)) - 1)]
    return max(floor, math.ceil((math.exp(q) - 1.0) * 1000.0) / 10.0)  # rounded up: the band covers its quantile


def situation_bands(held: list[HeldOut], family: str) -> dict[str, tuple[float, int]]:
    """Band (percent) and number of held-out errors behind it, per situation of ``family``.

    A situation with fewer than MIN_POINTS errors is pooled with every harder one; a band is never
    narrower than the band of an easier situation (knowing less never makes an estimate surer).
    With no held-out error at all the band is 100% (order of magnitude)."""
    by_situation: dict[str, list[float]] = {s: [] for s in SITUATIONS}
    for h in held:
        if h.family == family:
            by_situation[h.situation].append(h.error)
    bands: dict[str, tuple[float, int]] = {}
    floor = 0.0
    for i, name in enumerate(SITUATIONS):
        own = list(by_situation[name])
        errors = list(own)
        for harder in SITUATIONS[i + 1:]:
            if len(errors) >= MIN_POINTS:
                break
            errors += by_situation[harder]
        if not errors:
            errors_all = [e for s in SITUATIONS for e in by_situation[s]]
            band = max(floor, 2 * quantile_band(errors_all)) if errors_all else 100.0
            bands[name] = (round(band, 1), 0)
        else:
            # pooled with harder situations when it has few errors, but never narrower than what its
            # own held-out errors need: the band must cover its own points too
            band = max(floor, quantile_band(errors), quantile_band(own) if own else 0.0)
            bands[name] = (band, len(errors))
        floor = bands[name][0]
    return bands


def coverage(held: list[HeldOut], bands: dict[str, dict[str, tuple[float, int]]]) -> float:
    """Share of held-out points inside the band their situation prints (in-sample quantile)."""
    if not held:
        return math.nan
    inside = sum(abs(math.log1p(h.error)) <= math.log1p(bands[h.family][h.situation][0] / 100) for h in held)
    return inside / len(held)


def nested_coverage(held: list[HeldOut]) -> float:
    """Share of held-out points inside a band computed without their own source's errors: the
    coverage a user should expect of the printed band on a publication the project never saw."""
    if not held:
        return math.nan
    inside = 0
    for h in held:
        others = [x for x in held if x.source != h.source]
        band = situation_bands(others, h.family)[h.situation][0]
        inside += abs(math.log1p(h.error)) <= math.log1p(band / 100)
    return inside / len(held)
