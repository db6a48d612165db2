"""One artifact's cells: the numbers of each (model, recipe, device) and its budget verdicts.

The verdicts come from the budget machinery itself (:func:`edge_sdk.budgets.evaluate.evaluate_check`),
fed with the numbers the sweep's tasks already obtained instead of measuring again: the estimate
for an emulated device, the phone's measurement for ``adb:<profile>``. A budget check applies to a
cell when it names no device or names the cell's device; the models a check names are ignored
(the sweep decides which artifacts exist). Each cell gets its own ``profile`` and ``check`` documents,
the same kinds ``edge-sdk profile`` and ``edge-sdk check`` write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge_sdk.budgets.measure import Measurer
from edge_sdk.core.documents import envelope
from edge_sdk.core.errors import EXIT_INFRASTRUCTURE

ERROR, PASSED, BUDGET_FAILED = "error", "passed", "budget-failed"


class _GivenMeasurer(Measurer):
    """A Measurer whose per-device numbers are the ones the sweep measured (nothing runs twice)."""

    def __init__(self, given: dict[str, dict[str, Any]]) -> None:
        from edge_sdk.budgets.cache import MeasurementCache, default_cache_dir

        super().__init__(MeasurementCache(default_cache_dir(None)), estimate_only=True)
        self.given = given

    def device_results(self, path: Path, sha256: str, profiles: list[Any], threads: int | None) -> dict[str, Any]:
        found = {d.id: self.given[d.id] for d in profiles if d.id in self.given}
        for result in found.values():
            if not any(r is result or r.get("device") == result.get("device") for r in self.profile_results):
                self.profile_results.append({"model_sha256": sha256, **result})
        return found


def _by_kind(kinds: list[str], measured: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return dict(zip(kinds, measured, strict=True))


def _device_result(device: str, upstream: dict[str, dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(ProfileResult, error) for one device from the task results."""
    if device.startswith("adb:"):
        task = upstream.get(device)
        if task is None:
            return None, {"error": "DeviceError", "exit_code": EXIT_INFRASTRUCTURE,
                          "message": f"no worker offers the resource {device}: no phone of that profile to measure on",
                          "hint": f"start `dask worker SCHEDULER --resources {device}=1` on a host where such a "
                                  "phone is connected (or connect one here, for the embedded cluster)"}
        return (task.get("result"), None) if task["ok"] else (None, task["error"])
    task = upstream["estimate"]
    if not task["ok"]:
        return None, task["error"]
    for result in task["document"].get("results", []):
        if result.get("device") == device:
            return result, None
    return None, {"error": "InfrastructureError", "message": f"the estimate has no result for {device}",
                  "exit_code": EXIT_INFRASTRUCTURE}


def cell_results(spec: dict[str, Any], converted: dict[str, Any], inspected: dict[str, Any],
                 measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    upstream = _by_kind(spec["kinds"], measured)
    host = upstream.get("host")
    out = []
    for cell in spec["cells"]:
        record = {**cell, "status": ERROR, "error": None, "metrics": {}, "budget": None, "documents": {},
                  "worker": None, "duration_s": 0.0}
        device_task = upstream.get(cell["device"]) if cell["device"].startswith("adb:") else upstream.get("estimate")
        chain = [converted, inspected, *([device_task] if device_task else []), *([host] if host else [])]
        record["duration_s"] = round(sum(t.get("duration_s") or 0.0 for t in chain), 3)
        record["worker"] = (device_task or converted).get("worker")
        record["cache_hit"] = False                                   # this cell ran (the store had no result)
        record["artifact_reused"] = bool(converted.get("cache_hit"))  # ... its conversion may have been stored
        failed = next((t for t in chain if not t.get("ok")), None)
        result, error = (None, failed["error"]) if failed else _device_result(cell["device"], upstream)
        if error is not None:
            record["error"] = error
            out.append(record)
            continue
        out.append(_complete(record, spec, converted, inspected, result or {}, host))
    return out


def _complete(record: dict[str, Any], spec: dict[str, Any], converted: dict[str, Any], inspected: dict[str, Any],
              result: dict[str, Any], host: dict[str, Any] | None) -> dict[str, Any]:
    artifact = Path(converted["artifact"])
    inspect_doc = inspected["document"]
    manifest = converted.get("manifest") or {}
    host_result = (host["document"].get("results") or [None])[0] if host else None
    model = {"path": str(artifact), "sha256": inspect_doc.get("sha256"), "size_bytes": inspect_doc.get("size_bytes"),
             "precision": inspect_doc.get("precision"), "name": f"{record['model']} [{record['recipe']}]"}
    results = [r for r in (host_result, result) if r]
    record["documents"]["profile"] = envelope("profile", {
        "model": model, "host": host["document"].get("host") if host else None, "results": results,
        "provenance": {"sweep_cell": record["key"]}})
    accuracy = ((manifest.get("validation") or {}).get("accuracy") or {})
    latency = result.get("latency_ms") or {}
    record["metrics"] = {
        "size_bytes": inspect_doc.get("size_bytes"), "gzip_size_bytes": (manifest.get("output") or {}).get("gzip_size_bytes"),
        "latency_p50_ms": latency.get("p50"), "latency_p90_ms": latency.get("p90"),
        "latency_source": result.get("source"), "error_band_pct": result.get("error_band_pct"),
        "peak_memory_bytes": (result.get("memory") or {}).get("peak_bytes"),
        "accuracy_drop": accuracy.get("drop"), "precision": inspect_doc.get("precision"),
        "host_latency_p50_ms": ((host_result or {}).get("latency_ms") or {}).get("p50")}
    record["status"] = PASSED
    if spec.get("budget"):
        check_doc = _verdicts(spec["budget"], record, artifact, model["sha256"], result)
        record["documents"]["check"] = check_doc
        failures = [_failure_text(v) for c in check_doc["checks"] for v in c["verdicts"] if v["status"] != "pass"]
        record["budget"] = {"passed": check_doc["passed"], "failures": failures,
                            "verdicts": sum(len(c["verdicts"]) for c in check_doc["checks"])}
        if not check_doc["passed"]:
            record["status"] = BUDGET_FAILED
    return record


def _failure_text(verdict: dict[str, Any]) -> str:
    """``check: size 321.19 kB vs limit 300 kB``: values in the unit people read, the status when not a fail."""
    from edge_sdk.budgets.metrics import format_value

    metric = verdict["metric"]
    status = "" if verdict["status"] == "fail" else f" ({verdict['status']})"
    limit = verdict.get("limit_text") or format_value(metric, verdict["limit"])
    return f"{verdict['check']}: {metric} {format_value(metric, verdict['actual'])} vs limit {limit}{status}"


def _verdicts(budget_path: str, record: dict[str, Any], artifact: Path, sha256: str,
              result: dict[str, Any]) -> dict[str, Any]:
    from edge_sdk.budgets.checker import _document
    from edge_sdk.budgets.config import load_budget
    from edge_sdk.budgets.evaluate import ModelRef, evaluate_check, load_profiles

    budget = load_budget(budget_path)
    profile_id = record["device"].removeprefix("adb:")
    profiles = load_profiles([profile_id])
    measurer = _GivenMeasurer({profile_id: result})
    ref = ModelRef(artifact, f"{record['model']} [{record['recipe']}]", sha256)
    outcomes = [evaluate_check(check, [ref], [], profiles, measurer, None, str(budget.path))
                for check in budget.checks if not check.devices or profile_id in check.devices]
    return _document(budget, outcomes, measurer, None, result.get("source") != "measured", True)
