"""``check()``: the whole gate as one function call; the CLI verb is a thin layer over it.

Which budget: ``budget=`` if given, else the nearest ``edge-budget.toml`` / ``[tool.edge-sdk]``, else
(with ``devices``) the default app constraints the device profiles carry, so
``check(["model.tflite"], devices=["pixel-7"])`` works with no budget file at all. Models given
here replace the models named in the budget (checking one file against the team's budget).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sdk.budgets.baseline import Baseline, load_baseline
from edge_sdk.budgets.cache import MeasurementCache, default_cache_dir, file_sha256
from edge_sdk.budgets.config import Budget, CheckSpec, find_budget, load_budget
from edge_sdk.budgets.defaults import device_default_checks
from edge_sdk.budgets.evaluate import CheckOutcome, ModelRef, evaluate_check, load_profiles, resolve_models
from edge_sdk.budgets.measure import DEFAULT_TIMEOUT_S, Measurer
from edge_sdk.budgets.metrics import METRICS
from edge_sdk.budgets.verdicts import Verdict, summarize
from edge_sdk.core.documents import envelope
from edge_sdk.core.errors import InputError, UsageError
from edge_sdk.core.progress import ProgressCallback


@dataclass
class CheckResult:
    """Verdicts of every check, and the ``check`` document (a report and the next baseline)."""

    document: dict[str, Any]
    outcomes: list[CheckOutcome]
    budget: Budget
    cache: MeasurementCache

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def verdicts(self) -> list[Verdict]:
        return [v for o in self.outcomes for v in o.verdicts]

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def resolve_budget(budget: str | Path | None, models: list[str], devices: list[str]) -> Budget:
    """The budget to apply: named, found, or the devices' default constraints."""
    if budget is not None:
        return load_budget(budget)
    found = find_budget()
    if found is not None:
        return load_budget(found)
    if not devices:
        raise UsageError(
            "no budget file found (looked for edge-budget.toml and [tool.edge-sdk] in pyproject.toml from "
            f"{Path.cwd()} up to the repository root) and no devices given: nothing to check against",
            hint="pass devices=ID to check the device's default app constraints, budget=PATH, "
                 "or create edge-budget.toml (edge-sdk check --help shows an example)", params=("devices", "budget"))
    if not models:
        raise UsageError("no budget file and no model given", hint="edge-sdk check MODEL.tflite --device pixel-7")
    return Budget(path=None, base_dir=Path.cwd(), checks=[])


@dataclass
class CheckPlan:
    """One check resolved: its models found, its devices loaded; nothing measured yet."""

    spec: CheckSpec
    models: list[ModelRef]
    unmatched: list[str]
    profiles: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec
        return {"name": spec.name, "line": spec.line, "origin": spec.origin,
                "models": [m.display for m in self.models], "globs_matching_nothing": self.unmatched,
                "devices": list(self.profiles), "threads": spec.threads, "message": spec.message,
                "limits": {k: {"value": [str(x) for x in v.value] if isinstance(v.value, list) else v.value,
                               "unit": METRICS[k].unit, "as_written": v.text} for k, v in spec.limits.items()},
                "max_regression": spec.max_regression}


def plan_checks(models: list[str] | str | None = None, *, budget: str | Path | None = None,
                devices: list[str] | None = None, threads: int | None = None) -> tuple[Budget, list[CheckPlan]]:
    """Resolve the budget, every check's models and devices, without measuring anything.

    Everything is resolved before the first measurement, so a missing model or an unknown device
    fails in a second, not after minutes of host runs. ``check --dry-run`` prints this.
    """
    model_list = [models] if isinstance(models, str) else list(models or [])
    device_list = list(devices or [])
    resolved = resolve_budget(budget, model_list, device_list)
    specs = list(resolved.checks)
    if resolved.path is None:
        specs = device_default_checks(list(load_profiles(device_list).values()))
    plans = []
    for spec in specs:
        if threads is not None and spec.threads is None:
            spec.threads = threads
        device_ids = spec.devices if spec.origin == "device-defaults" else (device_list or spec.devices)
        with _context(resolved, spec, models_from_budget=not model_list, devices_from_budget=not device_list):
            if model_list:
                refs, unmatched = resolve_models(model_list, Path.cwd(), resolved.base_dir)
            else:
                refs, unmatched = resolve_models(spec.models, resolved.base_dir, resolved.base_dir)
            plans.append(CheckPlan(spec, refs, unmatched, load_profiles(device_ids)))
    return resolved, plans


def check(models: list[str] | str | None = None, *, budget: str | Path | None = None,
          devices: list[str] | None = None, estimate_only: bool = False, baseline: str | Path | None = None,
          use_cache: bool = True, threads: int | None = None, adb_serials: list[str] | None = None,
          on_progress: ProgressCallback | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> CheckResult:
    """Check models against budgets; see ``edge-sdk check --help``. Raises EdgeSdkError on bad input.

    ``timeout_s``: how long one host measurement or runtime load may take before it is killed and
    reported as a hang (exit 3).

    ``adb_serials``: measure on phones connected over adb (``[]``: the one connected phone); a budget
    device whose profile matches a phone gets measured numbers, the other devices estimates.
    """
    resolved, plans = plan_checks(models, budget=budget, devices=devices, threads=threads)
    loaded_baseline: Baseline | None = load_baseline(baseline) if baseline else None
    cache = MeasurementCache(default_cache_dir(), enabled=use_cache)
    measurer = Measurer(cache, estimate_only=estimate_only, adb_serials=adb_serials, on_progress=on_progress,
                        timeout_s=timeout_s)
    _hash_models([ref for plan in plans for ref in plan.models])
    measurer.prefetch_runtime_loads([(ref.path, ref.sha256, runtime) for plan in plans
                                     if "runtimes" in plan.spec.limits for ref in plan.models
                                     for runtime in plan.spec.limits["runtimes"].value])
    outcomes = [evaluate_check(plan.spec, plan.models, plan.unmatched, plan.profiles, measurer, loaded_baseline,
                               resolved.display_path) for plan in plans]
    document = _document(resolved, outcomes, measurer, loaded_baseline, estimate_only, use_cache)
    document["settings"]["adb_serials"] = adb_serials
    document["notes"] = measurer.notes + cache.notes()
    return CheckResult(document=document, outcomes=outcomes, budget=resolved, cache=cache)


@contextmanager
def _context(budget: Budget, spec: CheckSpec, *, models_from_budget: bool, devices_from_budget: bool) -> Iterator[None]:
    """Point a missing model or an unknown device at the line of the budget that names it."""
    try:
        yield
    except (InputError, UsageError) as exc:
        from_budget = models_from_budget if isinstance(exc, InputError) else devices_from_budget
        if budget.path is None or not from_budget or spec.origin != "budget":
            raise
        line = spec.line_of("models" if isinstance(exc, InputError) else "devices")
        where = f"{budget.path}:{line}" if line else str(budget.path)
        hint = exc.hint
        if isinstance(exc, InputError):
            hint = f"{hint} (paths in a budget file are relative to the budget file's directory)"
        raise type(exc)(f"{where}: check {spec.name!r}: {exc.message}", hint=hint, path=exc.path) from None


def _hash_models(refs: list[ModelRef]) -> None:
    """sha256 of every model once, even when several checks name it (the content keys of the cache)."""
    known: dict[Path, str] = {}
    for ref in refs:
        if ref.path not in known:
            known[ref.path] = file_sha256(ref.path)
        ref.sha256 = known[ref.path]


def _document(budget: Budget, outcomes: list[CheckOutcome], measurer: Measurer, baseline: Baseline | None,
              estimate_only: bool, use_cache: bool) -> dict[str, Any]:
    verdicts = [v for o in outcomes for v in o.verdicts]
    counts = summarize(verdicts)
    return envelope("check", {
        "budget": {"path": str(budget.path) if budget.path else None,
                   "source": "file" if budget.path else "device-defaults"},
        "settings": {"estimate_only": estimate_only, "cache": use_cache},
        "passed": all(o.passed for o in outcomes),
        "summary": {"checks": len(outcomes), "checks_failed": sum(not o.passed for o in outcomes),
                    "verdicts": len(verdicts), **counts},
        "checks": [_check_dict(o) for o in outcomes],
        "measurements": list(measurer.measurements.values()),
        "profiles": measurer.profile_results,
        "baseline": {"path": str(baseline.path), "created": baseline.created} if baseline else None,
    })


def _check_dict(outcome: CheckOutcome) -> dict[str, Any]:
    spec: CheckSpec = outcome.spec
    return {
        "name": spec.name,
        "passed": outcome.passed,
        "message": spec.message,
        "line": spec.line,
        "origin": spec.origin,
        "models": [m.display for m in outcome.models],
        "devices": outcome.devices,
        "limits": {k: (v.text if not isinstance(v.value, list) else [str(x) for x in v.value])
                   for k, v in spec.limits.items()},
        "max_regression": spec.max_regression,
        "notes": outcome.notes,
        "verdicts": [v.to_dict() for v in outcome.verdicts],
    }
