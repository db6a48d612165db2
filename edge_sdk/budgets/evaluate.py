"""Evaluate one check: expand its models, load its devices, measure, and compare with every limit.

Resolution rules: globs are expanded relative to the budget file's directory and a glob matching
nothing is a failed verdict (never a silent pass); a literal path that does not exist is bad input
(exit 2); per-device limits need at least one device; an unknown device id is bad usage (exit 2).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.budgets.baseline import Baseline
from edge_sdk.budgets.cache import file_sha256
from edge_sdk.budgets.config import CheckSpec, Limit
from edge_sdk.budgets.describe import device_how, static_how
from edge_sdk.budgets.measure import Measurer
from edge_sdk.budgets.metrics import METRICS, format_value
from edge_sdk.budgets.runtimes import RuntimeSpec, version_tuple
from edge_sdk.budgets.verdicts import Verdict, numeric_verdict, rule_verdict
from edge_sdk.errors import ConfigError, InputError

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
            matches = sorted(Path(m) for m in glob.glob(absolute, recursive=True) if Path(m).is_file())
            if not matches:
                unmatched.append(pattern)
            for match in matches:
                refs.setdefault(match.resolve(), ModelRef(match.resolve(), _display(match, display_base)))
            continue
        path = Path(absolute)
        if not path.exists():
            raise InputError(f"{pattern}: model not found (looked for {path})", path=str(path),
                             hint="build or convert the model first, or fix the path "
                                  "(paths in a budget file are relative to the budget file)")
        if path.is_dir():
            raise InputError(f"{pattern}: is a directory, expected a .tflite file",
                             hint=f'use a glob to check every model in it, e.g. "{pattern.rstrip("/")}/*.tflite"')
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
                          "but names no device", hint='add devices = ["pixel-4"] to the check, or pass --device ID '
                          "(edge-sdk devices lists the ids)")
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


def _model_verdicts(spec: CheckSpec, model: ModelRef, profiles: dict[str, Any], measurer: Measurer,
                    baseline: Baseline | None) -> list[Verdict]:
    facts = measurer.model_facts(model.path, model.sha256)
    out: list[Verdict] = []
    common = {"check": spec.name, "model": model.display, "message": spec.message}
    values: dict[tuple[str | None, str], tuple[Any, str, float | None]] = {}
    for metric in ("size", "params", "macs"):
        values[(None, metric)] = (facts.get(metric), static_how(metric), None)
    if "gzip_size" in spec.limits or "gzip_size" in spec.max_regression:
        values[(None, "gzip_size")] = (measurer.gzip_size(model.path, model.sha256), static_how("gzip_size"), None)
    values[(None, "accuracy_drop")] = (*measurer.accuracy_drop(model.path, model.sha256), None)
    if not any(METRICS[m].scope == "device" for m in [*spec.limits, *spec.max_regression]):
        profiles = {}  # nothing here depends on the device: do not run or estimate anything
    if not profiles:
        values[(None, "arena")] = (facts.get("arena"), static_how("arena"), None)
    if profiles:
        results = measurer.device_results(model.path, model.sha256, list(profiles.values()), spec.threads)
        for device_id, profile in profiles.items():
            result = results.get(device_id)
            name = getattr(profile, "name", device_id)
            for metric in ("latency_p50", "latency_p90", "latency_p99", "peak_memory", "arena", "energy"):
                value, tail_how = _device_value(result, metric) if result else (None, "")
                how = device_how(result, name, metric) + tail_how if result else f"no result for {device_id} from profile"
                band = result.get("error_band_pct") if result and result.get("source") != "measured" else None
                values[(device_id, metric)] = (value, how, band)
    for metric, limit in spec.limits.items():
        if limit.numeric:
            scopes = [d for d in profiles] if METRICS[metric].scope == "device" and profiles else [None]
            for device in scopes:
                value, how, band = values[(device, metric)]
                before = baseline.value(model.display, device, metric) if baseline else None
                out.append(numeric_verdict(**common, device=device, metric=metric, actual=value,
                                           limit=float(limit.value), how=how, error_band_pct=band,
                                           limit_text=limit.text, before=before))
        else:
            out.extend(_rule_verdicts(spec, model, limit, facts, measurer))
    for metric, fraction in spec.max_regression.items():
        scopes = [d for d in profiles] if METRICS[metric].scope == "device" and profiles else [None]
        for device in scopes:
            value, how, band = values.get((device, metric), (None, "not measured", None))
            before = baseline.value(model.display, device, metric) if baseline else None
            if before is None:
                continue
            limit = before * (1.0 + fraction)
            text = f"+{fraction * 100:g}% of {format_value(metric, before)}"
            out.append(numeric_verdict(**common, device=device, metric=metric, actual=value, limit=limit,
                                       how=how, error_band_pct=band, limit_kind="regression",
                                       limit_text=text, before=before))
    measurer.record(model, values)
    order: dict[str, int] = {}
    for metric in [*spec.limits, *spec.max_regression]:
        order.setdefault(metric, len(order))
    return sorted(out, key=lambda v: order.get(v.metric, len(order)))  # stable: a limit, then its baseline


def _device_value(result: dict[str, Any], metric: str) -> tuple[float | None, str]:
    """The value of ``metric`` in a ProfileResult, and what was derived to get it (for the how column).

    Estimators predict the median. An estimated p90/p99 is the estimated median times the tail ratio
    measured on this host in the same run; with no host run (estimate-only) it is the median itself,
    and the how column says so.
    """
    if metric.startswith("latency_"):
        latency = result.get("latency_ms") or {}
        quantile = metric.split("_", 1)[1]
        value = latency.get(quantile)
        if value is not None or quantile == "p50" or latency.get("p50") is None:
            return value, ""
        ratio = (result.get("host_tail_ratio") or {}).get(quantile)
        if ratio:
            return latency["p50"] * ratio, f"; {quantile} = estimated p50 x {ratio:.3f} ({quantile}/p50 measured on this host)"
        return latency["p50"], f"; {quantile} = estimated p50 (estimate-only: no run to measure the tail)"
    if metric == "peak_memory":
        return (result.get("memory") or {}).get("peak_bytes"), ""
    if metric == "arena":
        return (result.get("memory") or {}).get("arena_bytes"), ""
    if metric == "energy":
        return result.get("energy_mj"), ""
    return None, ""


def _rule_verdicts(spec: CheckSpec, model: ModelRef, limit: Limit, facts: dict[str, Any],
                   measurer: Measurer) -> list[Verdict]:
    common = {"check": spec.name, "model": model.display, "device": None, "message": spec.message}
    metric = limit.metric
    if metric == "precisions":
        precision = facts.get("precision")
        return [rule_verdict(**common, metric=metric, actual=precision, limit=limit.value,
                             passed=precision in limit.value, how=static_how(metric))]
    if metric in ("no_custom_ops", "no_flex_ops"):
        found = facts.get("custom_ops" if metric == "no_custom_ops" else "flex_ops") or []
        kind = "custom" if metric == "no_custom_ops" else "Flex"
        actual = ", ".join(found) if found else f"no {kind} ops"
        return [rule_verdict(**common, metric=metric, actual=actual, limit=f"no {kind} ops" if limit.value else "allowed",
                             passed=(not found) or not limit.value, how=static_how(metric))]
    if metric == "delegates":
        return [_delegate_verdict(common, delegate, facts) for delegate in limit.value]
    return [_runtime_verdict(common, spec_, model, facts, measurer) for spec_ in limit.value]


def _delegate_verdict(common: dict[str, Any], delegate: str, facts: dict[str, Any]) -> Verdict:
    support = (facts.get("delegates") or {}).get(delegate)
    limit_text = f"every op on {delegate}"
    if not support:
        return rule_verdict(**common, metric="delegates", actual=None, limit=delegate, passed=None,
                            how=f"no op-support table for {delegate}", limit_text=limit_text)
    total = support.get("total_ops", 0)
    supported = support.get("supported_ops", 0)
    unsupported = support.get("unsupported") or []
    notes = [f"#{u.get('index')} {u.get('op')}: {u.get('reason')}" for u in unsupported[:5]]
    if len(unsupported) > 5:
        notes.append(f"... and {len(unsupported) - 5} more (edge-sdk inspect MODEL shows all)")
    return rule_verdict(**common, metric="delegates", actual=f"{supported}/{total} ops", limit=delegate,
                        passed=bool(support.get("all_supported")), how=static_how("delegates"),
                        notes=notes, limit_text=limit_text)


def _runtime_verdict(common: dict[str, Any], runtime: RuntimeSpec, model: ModelRef, facts: dict[str, Any],
                     measurer: Measurer) -> Verdict:
    limit_text = f"loads in {runtime}"
    if runtime.installed_matches():
        probe = measurer.runtime_load(model.path, model.sha256, runtime)
        loaded = probe.get("loaded")
        actual = "loads and runs" if loaded else (probe.get("problem") or "does not load")
        how = f"loaded in {runtime.name} {probe.get('version') or runtime.installed_version()} (child process)"
        return rule_verdict(**common, metric="runtimes", actual=actual, limit=str(runtime), passed=loaded,
                            how=how, limit_text=limit_text, notes=[n for n in [probe.get("detail")] if n])
    needed = version_tuple(facts.get("min_runtime_version"))
    wanted = version_tuple(runtime.version)
    installed = runtime.installed_version()
    why = (f"{runtime.name} {installed} is installed, not {runtime.version}" if installed
           else f"{runtime.distribution} is not installed (pip install {runtime.distribution}=={runtime.version or ''})")
    how = f"min_runtime_version metadata only: {why}"
    if needed is None or wanted is None:
        return rule_verdict(**common, metric="runtimes", actual="unknown", limit=str(runtime), passed=None,
                            how=how, limit_text=limit_text)
    ok = needed[: len(wanted)] <= wanted
    actual = f"needs >= {facts.get('min_runtime_version')}"
    return rule_verdict(**common, metric="runtimes", actual=actual, limit=str(runtime), passed=ok, how=how,
                        limit_text=limit_text)

