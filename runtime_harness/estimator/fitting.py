"""Fitting the latency model on the profiles' published measurements.

Levels, each shrunk toward the one above so that a device with few points borrows strength:

1. ``theta`` per core family (a-profile phones/boards, m-profile MCUs): a least-squares fit of the
   relative error over every calibration point of the family, with a ridge pull toward physical
   priors (``latency.PRIORS``) and theta >= 0; the parallel-efficiency ``alpha`` is picked from a
   small grid by the same loss;
2. a factor per kernel library and precision (TFLite's pre-XNNPACK kernels vs XNNPACK, AArch32
   builds vs AArch64, TFLite Micro vs a vendor library), so old published numbers calibrate
   today's runtime instead of biasing it (the legacy kernels also change the shape of the cost:
   ``latency.design_row``);
3. a per-core-type factor (e.g. every Cortex-A76 device) in log space, shrunk toward 1;
4. a per-device factor (runtime version, OS, thermal habits of one device), shrunk toward its core
   type's, and a per-device-and-precision factor shrunk toward the device's.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from devices.cores import lineage
from devices.profile import CalibrationPoint, DeviceProfile
from runtime_harness.estimator.features import ModelFeatures, reference_features
from runtime_harness.estimator.latency import PRIORS, design_row, effective_threads
from runtime_harness.estimator.threads import fit_thread_scaling, thread_factor_log

ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.3)
PRIOR_WEIGHT = 1.0   # ridge strength of the physical prior, in units of one point's relative error
SHRINK = 1.0         # pseudo-points pulling a core/device factor toward its parent


@dataclass(frozen=True)
class Observation:
    """One calibration point with what is needed to predict it."""

    device: DeviceProfile
    point: CalibrationPoint
    features: ModelFeatures

    @property
    def core(self) -> str:
        return self.device.clusters[0].core

    @property
    def kernels(self) -> str:
        return point_kernels(self.point)

    @property
    def kernel_key(self) -> str:
        return kernel_key(self.kernels, self.features.compute)


REFERENCE_KERNELS = {"a-profile": "xnnpack", "m-profile": "vendor", "x86": "xnnpack"}
KERNEL_ITERATIONS = 4
MIN_PAIRS = 2  # devices measured with both libraries before the paired difference is trusted
# Kernel-library ratios used when a family has no point measured with its reference kernels for
# that precision (then the ratio cannot be fitted): "XNNPACK delivers, on average, 30% speedup over
# the default TensorFlow Lite quantized kernels" on ARM64 phones (Dukhan & Barchard, "Faster
# Quantized Inference with XNNPACK", blog.tensorflow.org, 2021-09-09).
KERNEL_PRIORS = {"legacy:int8": math.log(1.3)}


AARCH32 = re.compile(r"\b32-bit\b", re.IGNORECASE)


def point_kernels(point: CalibrationPoint) -> str:
    """The kernel library behind a published number, as its runtime records it: the profile's
    ``kernels`` field, with ``-aarch32`` when the runtime names a 32-bit OS (XNNPACK's and TFLite's
    AArch32 NEON kernels are a different, slower code path than AArch64's, fitted as its own
    kernel-library factor so that such a number still calibrates a 64-bit profile)."""
    if AARCH32.search(point.runtime) and point.kernels in ("xnnpack", "legacy"):
        return f"{point.kernels}-aarch32"
    return point.kernels


def kernel_key(kernels: str, compute: str) -> str:
    """Kernel library and precision family, e.g. ``legacy:int8`` (dynamic/int16 count as int8)."""
    return f"{kernels}:{'float' if compute == 'float' else 'int8'}"


def library_key(kernels: str, compute: str) -> str:
    """Kernel library (32/64-bit builds together: their difference is a kernel factor) and precision,
    e.g. ``xnnpack:int8``: the key of a device's per-library correction, so a device's legacy-kernel
    numbers do not bias its XNNPACK estimates."""
    return kernel_key(kernels.removesuffix("-aarch32"), compute)


def runtime_kernels(profile: DeviceProfile, compute: str) -> str:
    """The kernel library the profile's shipped runtime uses for this precision."""
    if profile.runtime == "x-cube-ai":
        return "vendor"
    if profile.runtime == "tflm":
        return "tflm"
    if profile.runtime == "tflite-runtime" and compute != "float":
        return "legacy"  # tflite-runtime 2.14 runs int8 without XNNPACK (~20x slower, STACK.md)
    return "xnnpack"


@dataclass
class FittedFamily:
    family: str
    alpha: float
    theta: np.ndarray
    core_log: dict[str, float] = field(default_factory=dict)
    device_log: dict[str, float] = field(default_factory=dict)
    kernel_log: dict[str, float] = field(default_factory=dict)
    precision_log: dict[str, float] = field(default_factory=dict)  # "device|float" -> log factor
    thread_log: dict[str, float] = field(default_factory=dict)     # per extra thread (threads.py)
    points: int = 0

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["theta"] = [float(x) for x in self.theta]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FittedFamily:
        values = dict(data)
        values["theta"] = np.array(values["theta"], dtype=float)
        return cls(**values)  # type: ignore[arg-type]

    def kernel_factor(self, kernels: str, compute: str) -> float:
        """exp of the fitted log factor of a kernel library relative to the family's reference."""
        return math.exp(self.kernel_log.get(kernel_key(kernels, compute), 0.0))

    def factor(self, profile: DeviceProfile, compute: str = "float", kernels: str | None = None) -> tuple[float, str]:
        """Multiplicative correction for ``profile`` (and precision and kernel library) and where it came from."""
        kernels = kernels or runtime_kernels(profile, compute)
        key = f"{profile.base_id}|{library_key(kernels, compute)}"
        if key in self.precision_log:
            return math.exp(self.precision_log[key]), "device and precision"
        if profile.base_id in self.device_log:
            return math.exp(self.device_log[profile.base_id]), "device"
        like = profile.raw.get("like")
        if like and f"{like}|{key.split('|', 1)[1]}" in self.precision_log:
            return math.exp(self.precision_log[f"{like}|{key.split('|', 1)[1]}"]), f"device {like} (like = {like!r})"
        if like and like in self.device_log:
            return math.exp(self.device_log[like]), f"device {like} (like = {like!r})"
        for core in lineage(profile.clusters[0].core):
            if core in self.core_log:
                return math.exp(self.core_log[core]), f"core type {core}"
        return 1.0, "family"

    def predict(self, features: ModelFeatures, profile: DeviceProfile, threads: int,
                kernels: str | None = None) -> float:
        kernels = kernels or runtime_kernels(profile, features.compute)
        raw = float(design_row(features, profile, threads, self.alpha, kernels) @ self.theta)
        scaling = math.exp(thread_factor_log(self.thread_log, profile.base_id, profile.kind, threads)) \
            if kernels.startswith("xnnpack") else 1.0
        return (raw * scaling * self.factor(profile, features.compute, kernels)[0]
                * self.kernel_factor(kernels, features.compute))


def observations(profiles: list[DeviceProfile]) -> tuple[list[Observation], list[tuple[str, CalibrationPoint, str]]]:
    """Every usable calibration point, and the skipped ones with the reason. Points measured with
    another engine than the profile's runtime (``engine = ...``) are not fitted: they give that
    engine's speed ratio on the device (``engines.py``)."""
    features = reference_features()
    usable: list[Observation] = []
    skipped: list[tuple[str, CalibrationPoint, str]] = []
    for profile in profiles:
        for point in profile.calibration:
            if point.engine:
                continue
            if point.feature_key not in features:
                skipped.append((profile.id, point, f"no reference features for {point.feature_key}"))
                continue
            usable.append(Observation(profile, point, features[point.feature_key]))
    return usable, skipped


def _nonnegative_lstsq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least squares with x >= 0 (active set: drop the most negative coefficient, refit)."""
    free = list(range(a.shape[1]))
    x = np.zeros(a.shape[1])
    while free:
        sol, *_ = np.linalg.lstsq(a[:, free], b, rcond=None)
        if (sol >= 0).all():
            x[:] = 0.0
            x[free] = sol
            return x
        free.pop(int(np.argmin(sol)))
    return x


def _fit_theta(obs: list[Observation], family: str, alpha: float,
               kernel_log: dict[str, float]) -> tuple[np.ndarray, float]:
    prior = PRIORS[family]
    rows = [design_row(o.features, o.device, effective_threads(o.device, o.point.threads),
                       alpha, o.kernels)
            * math.exp(kernel_log.get(o.kernel_key, 0.0)) / o.point.latency_ms for o in obs]
    a = np.vstack(rows + [np.diag(PRIOR_WEIGHT / prior)]) if rows else np.diag(PRIOR_WEIGHT / prior)
    b = np.concatenate([np.ones(len(rows)), np.full(len(prior), PRIOR_WEIGHT)])
    theta = _nonnegative_lstsq(a, b)
    loss = float(sum(math.log(max(r @ theta, 1e-12)) ** 2 for r in rows))
    return theta, loss


def _log_factors(logs: dict[str, list[float]], parent: dict[str, float] | None = None,
                 parent_of: dict[str, str] | None = None) -> dict[str, float]:
    out = {}
    for key, values in logs.items():
        base = parent.get(parent_of[key], 0.0) if parent and parent_of else 0.0
        out[key] = base + sum(v - base for v in values) / (len(values) + SHRINK)
    return out


def _kernel_residuals(obs: list[Observation], reference: str, present: set[str], alpha: float,
                      theta: np.ndarray) -> dict[str, list[float]]:
    """Log residuals that measure each kernel library against the family's reference kernels.

    Paired within a device where possible: on a device measured with both (a Raspberry Pi under a
    32-bit and a 64-bit OS, ruy and XNNPACK int8), the library's factor is the difference of the two
    mean residuals, so the device's own speed cannot leak into it (left unpaired, "32-bit numbers
    come from slow boards" would read as "32-bit kernels are slow"). A library never measured beside
    the reference on one device falls back to its mean residual over all its points."""
    residuals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for o in obs:
        pred = float(design_row(o.features, o.device, effective_threads(o.device, o.point.threads),
                                alpha, o.kernels) @ theta)
        residuals[(o.kernel_key, o.device.id)].append(math.log(o.point.latency_ms / max(pred, 1e-12)))
    paired: dict[str, list[float]] = defaultdict(list)
    unpaired: dict[str, list[float]] = defaultdict(list)
    for (key, device), values in residuals.items():
        compute = key.split(":")[1]
        base = f"{reference}:{compute}"
        if key.startswith(reference + ":") or (base not in present and key in KERNEL_PRIORS):
            continue  # the reference itself, or fixed at its published prior
        unpaired[key].extend(values)
        if (base, device) in residuals:
            ref = residuals[(base, device)]
            paired[key].append(sum(values) / len(values) - sum(ref) / len(ref))
    return {key: paired[key] if len(paired.get(key, [])) >= MIN_PAIRS else values for key, values in unpaired.items()}


def fit_family(obs: list[Observation], family: str) -> FittedFamily:
    """Fit theta (and alpha) on the family's points, then the core-type and device factors."""
    reference = REFERENCE_KERNELS[family]
    present = {o.kernel_key for o in obs}
    kernel_log: dict[str, float] = {}
    for _ in range(KERNEL_ITERATIONS):  # alternate: theta given kernel factors, factors given theta
        best: tuple[float, float, np.ndarray] | None = None
        for alpha in ALPHAS:
            theta, loss = _fit_theta(obs, family, alpha, kernel_log)
            if best is None or loss < best[0] - 1e-12:
                best = (loss, alpha, theta)
        assert best is not None
        _, alpha, theta = best
        by_kernel = _kernel_residuals(obs, reference, present, alpha, theta)
        kernel_log = _log_factors(by_kernel)
        for key, prior in KERNEL_PRIORS.items():
            if key in present and key not in kernel_log:
                kernel_log[key] = prior
    fitted = FittedFamily(family, alpha, theta, kernel_log=kernel_log, points=len(obs))
    residual: dict[str, list[float]] = defaultdict(list)
    by_core: dict[str, list[float]] = defaultdict(list)
    by_precision: dict[str, list[float]] = defaultdict(list)
    core_of: dict[str, str] = {}
    device_of: dict[str, str] = {}
    logs = []
    for o in obs:
        n = effective_threads(o.device, o.point.threads)
        pred = float(design_row(o.features, o.device, n, alpha, o.kernels) @ theta)
        logs.append((o, n, math.log(o.point.latency_ms / max(pred, 1e-12)) - kernel_log.get(o.kernel_key, 0.0)))
    # XNNPACK's thread pool only: the legacy kernels' scaling is in their kernel factor (no 1-thread
    # legacy numbers on phones to tell it apart)
    fitted.thread_log = fit_thread_scaling([(o.device.id, o.device.kind, n, r) for o, n, r in logs
                                            if o.kernels.startswith("xnnpack")])
    for o, n, r in logs:
        if o.kernels.startswith("xnnpack"):
            r -= thread_factor_log(fitted.thread_log, o.device.id, o.device.kind, n)
        residual[o.device.id].append(r)
        by_core[o.core].append(r)
        core_of[o.device.id] = o.core
        key = f"{o.device.id}|{library_key(o.kernels, o.features.compute)}"
        by_precision[key].append(r)
        device_of[key] = o.device.id
    fitted.core_log = _log_factors(by_core)
    fitted.device_log = _log_factors(residual, fitted.core_log, core_of)
    fitted.precision_log = _log_factors(by_precision, fitted.device_log, device_of)
    return fitted


def family_of(profile: DeviceProfile) -> str:
    return profile.family if profile.family in PRIORS else "a-profile"
