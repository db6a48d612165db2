"""Helpers of the ``edge-sdk/sweep`` document (``sweep.json``); its type is
:class:`edge_sdk.core.documents.SweepDocument` (the layout, field by field, is documented there).

Exit code: 3 if any cell failed for an infrastructure reason (a crash, a lost worker, no phone),
else 1 if any budget failed or any cell failed for its input (its verb would exit 2), else 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from edge_sdk.core.documents import SweepCell, SweepDocument
from edge_sdk.core.errors import EXIT_GATE_FAILED, EXIT_INFRASTRUCTURE, EXIT_OK

KIND = "sweep"
__all__ = ["KIND", "SweepCell", "SweepDocument", "exit_code", "summary"]


def exit_code(cells: Sequence[Mapping[str, Any]]) -> int:
    errors = [c for c in cells if c.get("status") == "error"]
    if any((c.get("error") or {}).get("exit_code") == EXIT_INFRASTRUCTURE for c in errors):
        return EXIT_INFRASTRUCTURE
    if errors or any(c.get("status") == "budget-failed" for c in cells):
        return EXIT_GATE_FAILED
    return EXIT_OK


def summary(cells: Sequence[Mapping[str, Any]], wall_s: float | None) -> dict[str, Any]:
    def count(status: str) -> int:
        return sum(c.get("status") == status for c in cells)

    return {"cells": len(cells), "passed": count("passed"), "budget_failed": count("budget-failed"),
            "errors": count("error"),
            "infrastructure_errors": sum((c.get("error") or {}).get("exit_code") == EXIT_INFRASTRUCTURE
                                         for c in cells if c.get("status") == "error"),
            "not_applicable": count("not-applicable"), "cache_hits": sum(bool(c.get("cache_hit")) for c in cells),
            "wall_s": None if wall_s is None else round(wall_s, 2)}
