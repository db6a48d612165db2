"""The terminal report: one table per check and model that fits a 100-column terminal, then one
closing line naming the file to edit.

How each number was obtained ("estimated for Pixel 4 from the model graph, +-52%") and the notes
are long prose: they go on their own wrapped line under their row, as pytest and cargo print
details under the line they explain, instead of a column that would make every row 200 characters
wide. Each model is named whole once, above its own table (a model column was cut to
"../dem....tflite" for two different models). The JSON, JUnit and HTML reports keep
the full text of every field.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from edge_sdk.budgets.metrics import format_value
from edge_sdk.core.table import render_with_details

if TYPE_CHECKING:
    from edge_sdk.budgets.checker import CheckResult

WIDTH = 100  # the terminal the report is laid out for
_NUMBER_COLUMNS = ("before", "actual", "limit", "margin")
_DETAIL_INDENT = "      "


def terminal_report(result: CheckResult, *, hide_passed: bool = False, width: int = WIDTH) -> str:
    with_before = result.document.get("baseline") is not None
    blocks: list[str] = []
    for outcome in result.outcomes:
        verdicts = [v for v in outcome.verdicts if not (hide_passed and not v.flagged)]
        if hide_passed and not verdicts:
            continue
        where = f"  ({result.budget.path.name}:{outcome.spec.line})" if result.budget.path and outcome.spec.line else ""
        lines = [f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.spec.name}{where}"]
        uncertain = [v for v in outcome.verdicts if v.uncertain]
        if uncertain:
            lines.append(f"  {_plural(len(uncertain), 'limit')} UNCERTAIN: the estimate's error band straddles the limit")
        per_device = any(v.device for v in verdicts)  # a check of the files only has no device column
        headers = [*(["device"] if per_device else []), "limit on", *(["before"] if with_before else []),
                   "actual", "limit", "margin", "status"]
        for model in dict.fromkeys(v.model for v in verdicts):  # one table per model, named whole above it
            lines.append(f"  model: {model}")   # (a model column cut two paths to the same "../dem....tflite")
            rows, details = [], []
            for v in (v for v in verdicts if v.model == model):
                metric = v.metric + (" (vs baseline)" if v.limit_kind == "regression" else "")
                before = [format_value(v.metric, v.before)] if with_before else []
                rows.append([*([v.device or "-"] if per_device else []), metric, *before, v.actual_text(),
                             v.limit_display(), v.margin_text(), v.status.upper() if v.flagged else v.status])
                details.append([f"how: {v.how}", *(f"note: {note}" for note in v.notes)])
            lines += _table_with_details(headers, rows, details, width)
        if not outcome.passed and outcome.spec.message:
            lines.append(_message(outcome.spec.message, width))
        lines += [_wrap(f"note: {note}", width, "  ") for note in outcome.notes]
        blocks.append("\n".join(lines))
    blocks += [_wrap(f"note: {note}", width, "") for note in result.document.get("notes") or []]
    blocks.append(closing_line(result))
    return "\n\n".join(blocks)


def _table_with_details(headers: list[str], rows: list[list[str]], details: list[list[str]], width: int) -> list[str]:
    """The aligned table indented by two, each row followed by its wrapped detail lines."""
    right = [i for i, name in enumerate(headers) if name in _NUMBER_COLUMNS]
    return ["  " + line for line in render_with_details(headers, rows, details, right_align=right,
                                                         max_width=width - 2, indent=_DETAIL_INDENT[2:],
                                                         keep=[headers.index("limit on")])]


def _wrap(text: str, width: int, indent: str) -> str:
    return "\n".join(textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                                   break_long_words=False, break_on_hyphens=False)) or indent.rstrip()


def _message(message: str, width: int) -> str:
    """The check's own message under its table, wrapped to ``width``; its line breaks are kept."""
    out: list[str] = []
    for number, line in enumerate(message.splitlines() or [""]):
        first = "  -> " if number == 0 else "     "
        out += textwrap.wrap(line, width=width, initial_indent=first, subsequent_indent="     ",
                             break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return "\n".join(out)


def closing_line(result: CheckResult) -> str:
    """The verdict, then what to edit, each on its own line (the file to edit is the last line)."""
    summary = result.document["summary"]
    failed_checks, checks = summary["checks_failed"], summary["checks"]
    bad = sum(v.failed for v in result.verdicts)  # fail, missing, and uncertain under on_uncertain = "fail"
    cached = f" ({result.cache.hits} cached measurements reused)" if result.cache.hits else ""
    if result.budget.path:
        edit = f"edit {result.budget.path}"
    else:
        edit = "create edge-budget.toml (no budget file: these limits are the device profiles' app constraints)"
    uncertain = summary.get("uncertain", 0)
    doubt = (f"{_plural(uncertain, 'limit')} UNCERTAIN (estimated, and the limit lies inside the estimate's error "
             "band): measure on the device before trusting the verdict (edge-sdk check --adb)." if uncertain else "")
    if failed_checks:
        missing = f", {summary['missing']} could not be measured" if summary.get("missing") else ""
        verdict = (f"FAILED: {failed_checks} of {_plural(checks, 'check')} ({bad} of "
                   f"{_plural(summary['verdicts'], 'limit')}{missing}){cached}.")
        action = f"Fix the model, or {edit} to change a limit."
    else:
        verdict = f"PASSED: {_plural(checks, 'check')}, {_plural(summary['verdicts'], 'limit')}{cached}."
        action = f"To change a limit, {edit}."
    if not result.budget.path:  # a path is never wrapped (it is copied); prose is
        action = _wrap(action, WIDTH, "")
    return "\n".join(part for part in (verdict, _wrap(doubt, WIDTH, "") if doubt else "", action) if part)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
