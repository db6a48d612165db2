"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``: a verdict line, then failures
first, then (collapsed) everything that passed. Every value from the budget, a file name or a model
goes through :mod:`edge_sdk.core.markdown`, so none of it renders as HTML or a link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge_sdk.budgets.metrics import format_value
from edge_sdk.core import markdown as md

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult
    from edge_sdk.budgets.verdicts import Verdict


def _table(verdicts: list[Verdict], with_before: bool) -> list[str]:
    headers = ["check", "model", "device", "limit on", *(["before"] if with_before else []),
               "actual", "limit", "margin", "status", "how"]
    rows = []
    for v in verdicts:
        icon = {"pass": "✅ pass", "fail": "❌ fail", "missing": "⚠️ missing", "uncertain": "❔ uncertain"}[v.status]
        metric = v.metric + (" (vs baseline)" if v.limit_kind == "regression" else "")
        before = [format_value(v.metric, v.before)] if with_before else []
        cells = [v.check, md.code(v.model), v.device or "-", metric, *before, v.actual_text(), v.limit_display(),
                 v.margin_text() or "", icon, v.how + "".join(f"; {n}" for n in v.notes)]
        rows.append(cells)
    return md.table(headers, rows)


def markdown_summary(result: CheckResult) -> str:
    summary = result.document["summary"]
    with_before = result.document.get("baseline") is not None
    bad = [v for v in result.verdicts if v.failed]
    doubtful = [v for v in result.verdicts if v.uncertain and not v.failed]
    good = [v for v in result.verdicts if not v.failed and not v.uncertain]
    title = ("### ❌ edge-sdk check: {f} of {n} checks failed".format(f=summary["checks_failed"], n=summary["checks"])
             if bad else f"### ✅ edge-sdk check: all {summary['checks']} checks passed")
    if doubtful:
        title += f" (❔ {len(doubtful)} uncertain)"
    lines = [title, ""]
    if bad:
        lines += _table(bad, with_before) + [""]
        for outcome in result.outcomes:
            if not outcome.passed and outcome.spec.message:
                lines.append(f"> {md.bold(outcome.spec.name)}: {md.text(outcome.spec.message)}")
        lines.append("")
    if doubtful:
        lines += [(f"#### ❔ {len(doubtful)} limit{'' if len(doubtful) == 1 else 's'} uncertain "
                   "(estimate's error band straddles the limit; not failing the gate)"), ""]
        lines += _table(doubtful, with_before) + [""]
        lines += [f"> ❔ {md.code(v.model)}{' on ' + md.text(v.device) if v.device else ''}: "
                  f"{md.text(v.uncertain_text())}" for v in doubtful] + [""]
    if good:
        lines += [f"<details><summary>{len(good)} limit{'' if len(good) == 1 else 's'} passed</summary>", ""]
        lines += _table(good, with_before) + ["", "</details>", ""]
    where = md.code(result.budget.path.name) if result.budget.path else "the device profiles' app constraints"
    lines.append(f"Limits from {where}; estimate-only: {str(result.document['settings']['estimate_only']).lower()}.")
    return "\n".join(lines) + "\n"
