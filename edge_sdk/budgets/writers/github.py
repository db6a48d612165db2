"""GitHub Actions workflow commands: one ``::error`` annotation per failed limit (``::warning`` per
uncertain one the check lets pass), pointing at the check's line in the budget file, so it shows on
the pull request's "Files changed" tab."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(result: CheckResult) -> str:
    lines = []
    budget_path = result.budget.path
    relative = None
    if budget_path is not None:
        try:
            relative = os.path.relpath(budget_path, os.environ.get("GITHUB_WORKSPACE") or os.getcwd())
        except ValueError:
            relative = str(budget_path)
    for outcome in result.outcomes:
        for v in outcome.verdicts:
            if not v.flagged:
                continue
            text = v.sentence()
            if v.message:
                text += f". {v.message}"
            props = [f"title={_prop('edge-sdk check: ' + outcome.spec.name)}"]
            key = "max_regression" if v.limit_kind == "regression" else v.metric
            line = outcome.spec.line_of(key)
            if relative and line:
                props = [f"file={_prop(relative)}", f"line={line}"] + props
            level = "error" if v.failed else "warning"
            lines.append(f"::{level} {','.join(props)}::{_data(text)}")
    return "\n".join(lines) + ("\n" if lines else "")
