"""The ``check`` document: budget verdicts, the numbers behind them, and the profiles they came from.

Written by ``edge-sdk check --json``; read back as the ``--baseline`` of the next check (its
``measurements`` are the "before" values), by ``report`` and by ``compare``. A verdict's ``status``
is pass, fail, missing (could not be measured) or uncertain (an estimate whose error band
straddles the limit).
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Any, Literal, NotRequired, TypedDict

from edge_sdk.core.documents.common import Envelope
from edge_sdk.core.documents.profile import ProfileResult

Status = Literal["pass", "fail", "missing", "uncertain"]


class VerdictRow(TypedDict):
    """One limit applied to one model on one device (``edge_sdk.budgets.verdicts.Verdict``)."""

    metric: str
    status: Status
    check: NotRequired[str]                # the check's name (inside a CheckEntry, its ``name``)
    name: NotRequired[str]                 # repeats ``check``
    model: NotRequired[str]
    device: NotRequired[str | None]
    actual: NotRequired[Any]               # base units (bytes, ms, mJ, fraction), a list, or text
    limit: NotRequired[Any]
    unit: NotRequired[str]
    how: NotRequired[str]                  # how the actual value was obtained
    message: NotRequired[str | None]       # the budget's own message for a failure
    margin: NotRequired[float | None]
    margin_pct: NotRequired[float | None]
    limit_kind: NotRequired[str]           # "absolute" | "regression"
    limit_text: NotRequired[str | None]
    before: NotRequired[Any]               # the baseline's value
    notes: NotRequired[list[str]]
    error_band_pct: NotRequired[float | None]
    band: NotRequired[list[float] | None]
    on_uncertain: NotRequired[str]


class CheckEntry(TypedDict):
    """One ``[[check]]`` of the budget (or the device defaults) and its verdicts."""

    name: str
    verdicts: list[VerdictRow]
    passed: NotRequired[bool]
    message: NotRequired[str | None]
    line: NotRequired[int | None]
    origin: NotRequired[str]
    models: NotRequired[list[str]]
    devices: NotRequired[list[str]]
    limits: NotRequired[dict[str, Any]]
    max_regression: NotRequired[Any]
    notes: NotRequired[list[str]]


class MeasurementRow(TypedDict):
    """Every number obtained for one model on one device (limited or not): a baseline's "before"."""

    model: str
    values: dict[str, Any]
    how: NotRequired[dict[str, str]]
    path: NotRequired[str]
    sha256: NotRequired[str | None]
    device: NotRequired[str | None]
    error_band_pct: NotRequired[dict[str, Any]]


class CheckSummary(TypedDict):
    """Counts over every verdict."""

    checks: NotRequired[int]
    checks_failed: NotRequired[int]
    verdicts: NotRequired[int]
    passed: NotRequired[int]
    failed: NotRequired[int]
    missing: NotRequired[int]
    uncertain: NotRequired[int]


class CheckDocument(Envelope):
    """``edge-sdk check --json``: the gate's verdicts (and the next check's baseline)."""

    checks: NotRequired[list[CheckEntry]]
    verdicts: NotRequired[list[VerdictRow]]  # a flat list instead of ``checks`` (accepted when read)
    passed: NotRequired[bool]
    budget: NotRequired[dict[str, Any]]
    settings: NotRequired[dict[str, Any]]
    summary: NotRequired[CheckSummary]
    measurements: NotRequired[list[MeasurementRow]]
    profiles: NotRequired[list[ProfileResult]]
    baseline: NotRequired[dict[str, Any] | None]
    notes: NotRequired[list[str]]
