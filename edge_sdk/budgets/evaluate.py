"""Evaluate one check: expand its models, load its devices, measure, and compare with every limit.

Resolution rules: globs are expanded relative to the budget file's directory and a glob matching
nothing is a failed verdict (never a silent pass); a literal path that does not exist is bad input
(exit 2); per-device limits need at least one device; an unknown device id is bad usage (exit 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.budgets.baseline import Baseline
from edge_sdk.budgets.cache import file_sha256
from edge_sdk.budgets.config import CheckSpec
from edge_sdk.budgets.measure import Measurer
from edge_sdk.budgets.metrics import METRICS, format_value
from edge_sdk.budgets.rules import rule_verdicts
from edge_sdk.budgets.values import collect_values
from edge_sdk.budgets.verdicts import Verdict, numeric_verdict, rule_verdict
from edge_sdk.core.errors import ConfigError, InputError
from edge_sdk.core.files import expand_glob, require_file

_GLOB_CHARS = set("*?[")


@dataclass
class ModelRef:
    path: Path
    display: str          # as reports show it: relative to the budget directory when possible
    sha256: str = ""


@dataclass
class CheckOutcome:
    spec: CheckSpec
    models: list[ModelRef]
    devices: list[str]
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(not v.failed for v in self.verdicts)


def resolve_models(patterns: list[str], base_dir: Path, display_base: Path) -> tuple[list[ModelRef], list[str]]:
    """Expand ``patterns`` -> (models, patterns that matched nothing). A missing literal path raises."""
    refs: dict[Path, ModelRef] = {}
    unmatched: list[str] = []
    for pattern in patterns:
        absolute = pattern if Path(pattern).is_absolute() else str(base_dir / pattern)
        if _GLOB_CHARS & set(pattern):
            matches = expand_glob(absolute)  # ** stays off symlinked folders; the match count is capped
            if not matches:
                unmatched.append(pattern)
            for match in matches:
                refs.setdefault(match.resolve(), ModelRef(match.resolve(), _display(match, display_base)))
            continue
        path = Path(absolute)
        if not path.exists():
            raise InputError(f"{pattern}: model not found (looked for {path})", path=str(path),
                             hint="build or convert the model first, or fix the path")
        if path.is_dir():
            raise InputError(f"{pattern}: is a directory, expected a .tflite file",
                             hint=f'use a glob to check every model in it, e.g. "{pattern.rstrip("/")}/*.tflite"')
        require_file(path, ".tflite model")  # a device or FIFO would be hashed forever
        refs.setdefault(path.resolve(), ModelRef(path.resolve(), _display(path, display_base)))
    return list(refs.values()), unmatched


def _display(path: Path, base: Path) -> str:
    """The path relative to the budget's directory: stable across checkouts, so baselines match."""
    relative = os.path.relpath(path.resolve(), base.resolve())
    far_away = relative.split(os.sep)[:3] == [os.pardir] * 3
    return str(path.resolve()) if far_away else relative


def load_profiles(device_ids: list[str]) -> dict[str, Any]:
    if not device_ids:
        return {}
    from devices import load_profile

    return {device_id: load_profile(device_id) for device_id in device_ids}


def evaluate_check(spec: CheckSpec, models: list[ModelRef], unmatched: list[str], profiles: dict[str, Any],
                   measurer: Measurer, baseline: Baseline | None, budget_path: str) -> CheckOutcome:
    device_ids = list(profiles)
    outcome = CheckOutcome(spec, models, device_ids)
    device_limits = [m for m in spec.limits if METRICS[m].scope == "device" and m != "arena"]
    if device_limits and not device_ids:
        raise ConfigError(f"{budget_path}:{spec.line or ''}: check {spec.name!r} limits {', '.join(device_limits)} "
                          "but names no device", hint='add devices = ["pixel-4"] to the check, or pass devices=ID '
                          "(edge-sdk devices lists the ids)", params=("devices",))
    for pattern in unmatched:
        outcome.verdicts.append(rule_verdict(
            check=spec.name, model=pattern, device=None, metric="models", actual="no file matches",
            limit="at least one model", passed=False, message=spec.message,
            how=f"glob relative to {Path(budget_path).parent if spec.origin == 'budget' else '.'}"))
    if not models and not unmatched:
        outcome.verdicts.append(rule_verdict(
            check=spec.name, model="-", device=None, metric="models", actual="none", passed=False,
            limit="at least one model", message=spec.message, how="the check names no model",
            notes=["add models = [\"build/*.tflite\"] or pass model paths on the command line"]))
    for model in models:
        if not model.sha256:
            model.sha256 = file_sha256(model.path)
        outcome.verdicts.extend(_model_verdicts(spec, model, profiles, measurer, baseline))
    if spec.max_regression and baseline is None:
        outcome.notes.append("max_regression not evaluated: no --baseline report given")
    return outcome


def _regression_band(band: float | None, baseline: Baseline | None, model: str, device: str | None,
                     metric: str) -> float | None:
    """The band that matters against a baseline. Two estimates by the same estimator share its
    systematic error, so their ratio is not uncertain in the band's sense; an estimate against a
    measured baseline (or the other way round) carries the estimate's band."""
    before_band = baseline.band(model, device, metric) if baseline else None
    if (band is None) == (before_band is None):
        return None
    return band if band is not None else before_band


def _record_bands(measurer: Measurer, model: ModelRef, values: dict[tuple[str | None, str], tuple[Any, str, Any]]
                  ) -> None:
    """Keep each estimate's error band beside its value in the report, so a later run that uses
    this report as its baseline knows which numbers were estimates and how far to trust them."""
    for (device, metric), (_value, _how, band) in values.items():
        row = measurer.measurements.get((model.display, model.sha256, device))
        if row is not None and band is not None:
            row.setdefault("error_band_pct", {})[metric] = band


def _scopes(metric: str, profiles: dict[str, Any]) -> list[str | None]:
    """One verdict per device for per-device metrics (when devices are named), else one per model."""
    return list(profiles) if METRICS[metric].scope == "device" and profiles else [None]


def _model_verdicts(spec: CheckSpec, model: ModelRef, profiles: dict[str, Any], measurer: Measurer,
                    baseline: Baseline | None) -> list[Verdict]:
    facts = measurer.model_facts(model.path, model.sha256)
    out: list[Verdict] = []
    common: dict[str, Any] = {"check": spec.name, "model": model.display, "message": spec.message}
    if not any(METRICS[m].scope == "device" for m in [*spec.limits, *spec.max_regression]):
        profiles = {}  # nothing here depends on the device: do not run or estimate anything
    values = collect_values(spec, model, profiles, measurer, facts)
    for metric, limit in spec.limits.items():
        if limit.numeric:
            for device in _scopes(metric, profiles):
                value, how, band = values[(device, metric)]
                before = baseline.value(model.display, device, metric) if baseline else None
                out.append(numeric_verdict(**common, device=device, metric=metric, actual=value,
                                           limit=float(limit.value), how=how, error_band_pct=band,
                                           limit_text=limit.text, before=before, on_uncertain=spec.on_uncertain))
        else:
            out.extend(rule_verdicts(spec, model.display, model.path, model.sha256, limit, facts, measurer))
    for metric, fraction in spec.max_regression.items():
        for device in _scopes(metric, profiles):
            value, how, band = values.get((device, metric), (None, "not measured", None))
            before = baseline.value(model.display, device, metric) if baseline else None
            if before is None:
                continue
            allowed = before * (1.0 + fraction)
            text = f"+{fraction * 100:g}% of {format_value(metric, before)}"
            out.append(numeric_verdict(**common, device=device, metric=metric, actual=value, limit=allowed,
                                       how=how, error_band_pct=_regression_band(band, baseline, model.display,
                                                                                device, metric),
                                       limit_kind="regression", limit_text=text, before=before,
                                       on_uncertain=spec.on_uncertain))
    measurer.record(model, values)
    _record_bands(measurer, model, values)
    order: dict[str, int] = {}
    for metric in [*spec.limits, *spec.max_regression]:
        order.setdefault(metric, len(order))
    return sorted(out, key=lambda v: order.get(v.metric, len(order)))  # stable: a limit, then its baseline
