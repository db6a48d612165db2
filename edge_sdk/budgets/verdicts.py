"""Turn measured values and limits into verdicts: pass, fail, uncertain or missing, with provenance.

A verdict is one (check, model, device, metric) comparison. ``missing`` means the value could not
be obtained (no convert manifest for ``accuracy_drop``, no energy model for a device): it fails the
gate, because a limit nobody can prove is not a limit that holds.

``uncertain`` means the value is an *estimate* and the limit lies inside its error band (the band
the estimator measured on held-out published numbers, docs/estimates.md): the estimate cannot tell
pass from fail. The check's ``on_uncertain`` decides what that does to the gate: ``warn`` (the
default: exit 0, with a warning line in every output format), ``fail`` or ``pass``. A measured
value (host or adb) is never uncertain.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from edge_sdk.budgets.metrics import METRICS, format_value

PASS, FAIL, MISSING, UNCERTAIN = "pass", "fail", "missing", "uncertain"
ON_UNCERTAIN = ("warn", "fail", "pass")


@dataclass
class Verdict:
    check: str
    model: str
    device: str | None
    metric: str
    actual: Any
    limit: Any
    unit: str
    status: str
    how: str
    message: str | None = None
    margin: float | None = None
    margin_pct: float | None = None
    limit_kind: str = "absolute"          # absolute | regression
    limit_text: str | None = None         # as written in the budget ("20 ms", "+5% of 12.1 ms")
    before: Any = None                    # the baseline's value, when a baseline was given
    notes: list[str] = field(default_factory=list)
    error_band_pct: float | None = None   # an estimate's band (None: measured or static)
    band: list[float] | None = None       # [low, high] of the estimate within its band
    on_uncertain: str = "warn"            # what an uncertain verdict does to the gate

    @property
    def failed(self) -> bool:
        """Counts against the gate: fail, missing, and uncertain when the check says on_uncertain = "fail"."""
        if self.status == UNCERTAIN:
            return self.on_uncertain == "fail"
        return self.status != PASS

    @property
    def uncertain(self) -> bool:
        return self.status == UNCERTAIN

    @property
    def flagged(self) -> bool:
        """Worth a reader's attention: failed, or uncertain (unless the check waves it through)."""
        return self.failed or (self.uncertain and self.on_uncertain != "pass")

    def band_text(self) -> str:
        """``"18.2-27.4 ms (+-22%)"``: the range the estimate cannot rule out."""
        if not self.band or self.error_band_pct is None:
            return ""
        low, high = (format_value(self.metric, x) for x in self.band)
        return f"{low} to {high} (+-{self.error_band_pct:g}%)"

    def uncertain_text(self) -> str:
        """The one line every output format prints for an uncertain limit."""
        effect = {"warn": "warning only, the gate passes", "fail": "fails the gate (on_uncertain = \"fail\")",
                  "pass": "treated as a pass (on_uncertain = \"pass\")"}[self.on_uncertain]
        return (f"UNCERTAIN: the limit {self.limit_display()} lies inside the estimate's error band "
                f"{self.band_text()}; {effect}. Measure on the device (edge-sdk check --adb) to decide")

    def to_dict(self) -> dict[str, Any]:
        """The report row; ``name`` repeats the check name (the field the report contract names)."""
        return {"name": self.check, **asdict(self)}

    def actual_text(self) -> str:
        return format_value(self.metric, self.actual)

    def limit_display(self) -> str:
        return self.limit_text or format_value(self.metric, self.limit)

    def sentence(self) -> str:
        """One line for annotations and failure messages: what, where, by how much, how measured."""
        where = f"{self.model}" + (f" on {self.device}" if self.device else "")
        vs = " (vs baseline)" if self.limit_kind == "regression" else ""
        if self.metric == "models":
            return f"{self.model}: {self.actual} ({self.how})"
        if self.status == MISSING:
            return f"{where}: {self.metric}{vs} could not be measured: {self.how}"
        if self.status == UNCERTAIN:
            return (f"{where}: {self.metric}{vs} estimated {self.actual_text()} vs the limit {self.limit_display()}: "
                    f"{self.uncertain_text()}; {self.how}")
        if self.margin is not None:
            verb = "exceeds" if self.status == FAIL else "is within"
            over = f" by {format_value(self.metric, abs(self.margin))}" if self.status == FAIL else ""
            pct = f" ({abs(self.margin_pct):.0f}% over)" if self.status == FAIL and self.margin_pct is not None else ""
            return (f"{where}: {self.metric}{vs} {self.actual_text()} {verb} the limit "
                    f"{self.limit_display()}{over}{pct}; {self.how}")
        verdict = "does not meet" if self.status == FAIL else "meets"
        return f"{where}: {self.metric} is {self.actual_text()}, which {verdict} '{self.limit_display()}'; {self.how}"

    def margin_text(self) -> str:
        if self.margin is None:
            return ""
        sign = "+" if self.margin >= 0 else "-"
        amount = f"{sign}{format_value(self.metric, abs(self.margin))}"
        if self.limit_kind == "regression" and isinstance(self.before, int | float) and self.before > 0 \
                and isinstance(self.actual, int | float):
            return f"{amount} ({(self.actual / self.before - 1) * 100:+.1f}% vs before)"
        if self.margin_pct is None:
            return amount
        return f"{amount} ({self.margin_pct:+.0f}%)"


def numeric_verdict(*, check: str, model: str, device: str | None, metric: str, actual: float | None,
                    limit: float, how: str, message: str | None, error_band_pct: float | None = None,
                    limit_kind: str = "absolute", limit_text: str | None = None,
                    before: float | None = None, on_uncertain: str = "warn") -> Verdict:
    """``actual <= limit`` passes. ``margin`` is the headroom left (negative: over by that much).

    ``error_band_pct`` (estimates only) makes the verdict ``uncertain`` when the limit lies inside
    the band [actual / (1 + b), actual x (1 + b)]."""
    unit = METRICS[metric].unit
    if actual is None:
        return Verdict(check, model, device, metric, None, limit, unit, MISSING, how, message,
                       limit_kind=limit_kind, limit_text=limit_text, before=before)
    margin = limit - float(actual)
    margin_pct = margin / limit * 100.0 if limit > 0 else None
    status = PASS if float(actual) <= limit else FAIL
    band = None
    if error_band_pct:
        band = [float(actual) / (1 + error_band_pct / 100.0), float(actual) * (1 + error_band_pct / 100.0)]
        if band[0] <= limit <= band[1]:
            status = UNCERTAIN
    verdict = Verdict(check, model, device, metric, float(actual), limit, unit, status, how,
                      message if status != PASS else None, margin, margin_pct, limit_kind, limit_text, before,
                      error_band_pct=error_band_pct, band=band, on_uncertain=on_uncertain)
    if status == UNCERTAIN:
        verdict.notes.append(verdict.uncertain_text())
    return verdict


def rule_verdict(*, check: str, model: str, device: str | None, metric: str, actual: Any, limit: Any,
                 passed: bool | None, how: str, message: str | None, notes: list[str] | None = None,
                 limit_text: str | None = None) -> Verdict:
    """A yes/no rule (allowed precisions, delegate support, runtime loads, no custom ops).

    ``passed=None`` means the rule could not be evaluated (status ``missing``).
    """
    status = MISSING if passed is None else PASS if passed else FAIL
    return Verdict(check, model, device, metric, actual, limit, "", status, how,
                   None if status == PASS else message, notes=list(notes or []), limit_text=limit_text)


def summarize(verdicts: list[Verdict]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, MISSING: 0, UNCERTAIN: 0}
    for verdict in verdicts:
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
    return counts
