"""Baselines: a previous ``check --json`` report, for relative limits and before/after columns.

The report stores every number it obtained per model and device (``measurements``), so a baseline
answers "what was latency_p90 of build/face.tflite on pixel-4 before?" even for numbers the old
budget did not limit. Models are matched by their path relative to the budget file, then by file
name when that is unambiguous (a CI artifact directory may be laid out differently).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from edge_sdk.core.documents import CheckDocument, MeasurementRow, load_document
from edge_sdk.core.errors import InputError


class Baseline:
    """The "before" numbers of a previous check, by (model, device) and metric."""

    def __init__(self, document: CheckDocument, path: Path) -> None:
        self.path = path
        self.created = document.get("created")
        self._exact: dict[tuple[str, str | None], MeasurementRow] = {}
        by_name: dict[tuple[str, str | None], list[MeasurementRow]] = {}
        for row in document.get("measurements", []):  # validated at load: model and values are there
            device = row.get("device")
            self._exact[(row["model"], device)] = row
            by_name.setdefault((Path(row["model"]).name, device), []).append(row)
        self._by_name = {k: v[0] for k, v in by_name.items() if len(v) == 1}

    def _row(self, model: str, device: str | None) -> MeasurementRow | None:
        return self._exact.get((model, device)) or self._by_name.get((Path(model).name, device))

    def value(self, model: str, device: str | None, metric: str) -> float | None:
        row = self._row(model, device)
        return _number(row["values"].get(metric)) if row else None

    def band(self, model: str, device: str | None, metric: str) -> float | None:
        """The error band (percent) of the baseline's value when it was an estimate, else None."""
        row = self._row(model, device)
        return _number(row.get("error_band_pct", {}).get(metric)) if row else None


def _number(value: Any) -> float | None:
    """A measured value is a number, or text for a non-numeric fact (a precision): only numbers compare."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def load_baseline(path: str | Path) -> Baseline:
    """Read a check report as a baseline; another kind or version of document, or a malformed one,
    is bad input (exit 2, naming the field)."""
    p = Path(path)
    document = cast(CheckDocument, load_document(p, kinds=("check",)))
    if "measurements" not in document:
        raise InputError(f"{p}: this check report has no \"measurements\" list, so it cannot serve as a baseline",
                         hint="write a new baseline with: edge-sdk check --json baseline.json", path=str(p))
    return Baseline(document, p)
