"""Yes/no limits: allowed precisions, delegate support, runtime loads, no custom or Flex ops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge_sdk.budgets.config import CheckSpec, Limit
from edge_sdk.budgets.describe import static_how
from edge_sdk.budgets.measure import Measurer
from edge_sdk.budgets.runtimes import RuntimeSpec, version_tuple
from edge_sdk.budgets.verdicts import Verdict, rule_verdict


def rule_verdicts(spec: CheckSpec, display: str, path: Path, sha256: str, limit: Limit, facts: dict[str, Any],
                  measurer: Measurer) -> list[Verdict]:
    """Verdicts of one non-numeric limit for one model (one per delegate or runtime it names)."""
    common: dict[str, Any] = {"check": spec.name, "model": display, "device": None, "message": spec.message}
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
    return [_runtime_verdict(common, runtime, path, sha256, facts, measurer) for runtime in limit.value]


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


def _runtime_verdict(common: dict[str, Any], runtime: RuntimeSpec, path: Path, sha256: str,
                     facts: dict[str, Any], measurer: Measurer) -> Verdict:
    limit_text = f"loads in {runtime}"
    if runtime.installed_matches():
        probe = measurer.runtime_load(path, sha256, runtime)
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

