"""The terminal report: one aligned table per check, then one closing line naming the file to edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge_sdk.budgets.metrics import format_value
from edge_sdk.core.table import render_table

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult


def terminal_report(result: CheckResult, *, hide_passed: bool = False) -> str:
    with_before = result.document.get("baseline") is not None
    blocks: list[str] = []
    for outcome in result.outcomes:
        verdicts = [v for v in outcome.verdicts if not (hide_passed and not v.flagged)]
        if hide_passed and not verdicts:
            continue
        where = f"  ({result.budget.path.name}:{outcome.spec.line})" if result.budget.path and outcome.spec.line else ""
        head = f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.spec.name}{where}"
        headers = ["model", "device", "limit on", *(["before"] if with_before else []),
                   "actual", "limit", "margin", "status", "how it was obtained"]
        rows = []
        for v in verdicts:
            status = v.status.upper() if v.flagged else v.status
            metric = v.metric + (" (vs baseline)" if v.limit_kind == "regression" else "")
            before = [format_value(v.metric, v.before)] if with_before else []
            rows.append([v.model, v.device or "-", metric, *before, v.actual_text(), v.limit_display(),
                         v.margin_text(), status, v.how])
            for note in v.notes:
                rows.append(["", "", "", *([""] if with_before else []), "", "", "", "", f"  note: {note}"])
        uncertain = [v for v in outcome.verdicts if v.uncertain]
        if uncertain:
            head += f"  ({_plural(len(uncertain), 'limit')} UNCERTAIN: the estimate's error band straddles the limit)"
        lines = [head]
        if rows:
            right = [3, 4, 5, 6] if with_before else [3, 4, 5]
            lines.append(_indent(render_table(headers, rows, right_align=right)))
        if not outcome.passed and outcome.spec.message:
            lines.append(f"  -> {outcome.spec.message}")
        lines.extend(f"  note: {note}" for note in outcome.notes)
        blocks.append("\n".join(lines))
    blocks.extend(f"note: {note}" for note in result.document.get("notes") or [])
    blocks.append(closing_line(result))
    return "\n\n".join(blocks)


def closing_line(result: CheckResult) -> str:
    summary = result.document["summary"]
    failed_checks, checks = summary["checks_failed"], summary["checks"]
    bad = summary.get("fail", 0) + summary.get("missing", 0)
    cached = f" ({result.cache.hits} cached measurements reused)" if result.cache.hits else ""
    if result.budget.path:
        edit = f"edit {result.budget.path}"
    else:
        edit = "create edge-budget.toml (no budget file: these limits are the device profiles' app constraints)"
    uncertain = summary.get("uncertain", 0)
    doubt = (f" {_plural(uncertain, 'limit')} UNCERTAIN (estimated, and the limit lies inside the estimate's error "
             "band): measure on the device before trusting the verdict (edge-sdk check --adb)." if uncertain else "")
    if failed_checks:
        missing = f", {summary['missing']} could not be measured" if summary.get("missing") else ""
        return (f"FAILED: {failed_checks} of {_plural(checks, 'check')} ({bad} of {_plural(summary['verdicts'], 'limit')}"
                f"{missing}){cached}. Fix the model, or {edit} to change a limit.{doubt}")
    return (f"PASSED: {_plural(checks, 'check')}, {_plural(summary['verdicts'], 'limit')}{cached}. "
            f"To change a limit, {edit}.{doubt}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
