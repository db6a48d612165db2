"""The ``edge-sdk/sweep`` document (``sweep.json``), typed: what a sweep ran and what came out.

Kept beside the sweep code until the typed documents of ``edge_sdk.core.documents`` take it in;
the envelope is the common one (:func:`edge_sdk.core.documents.envelope`). Body::

    "config":  {"path", "sha256", "models", "recipes", "devices", "budget", "host", "store"}
    "engine":  {"kind": "dask-local" | "dask" | "serial" | ..., "address", "workers", "shard"}
    "matrix":  {"models": [names], "recipes": [...], "devices": [...]}
    "cells":   [SweepCell, ...]          # one per (model, recipe, device) of this run (or shard)
    "budget":  {"path", "limits": {device: {metric: value in base units}}} | null
    "summary": {"cells", "passed", "budget_failed", "errors", "infrastructure_errors",
                "not_applicable", "cache_hits", "wall_s"}
    "exit_code": 0 | 1 | 3
    "notes":   ["..."]                # e.g. store entries that did not verify and were run again

Exit code: 3 if any cell failed for an infrastructure reason (a crash, a lost worker, no phone),
else 1 if any budget failed or any cell failed for its input (its verb would exit 2), else 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from edge_sdk.core.errors import EXIT_GATE_FAILED, EXIT_INFRASTRUCTURE, EXIT_OK, InputError

KIND = "sweep"
STATUSES = ("passed", "budget-failed", "error", "not-applicable", "planned", "cached")


class CellError(TypedDict, total=False):
    error: str
    message: str
    hint: str | None
    exit_code: int


class SweepCell(TypedDict, total=False):
    id: str                      # "model | recipe | device"
    model: str
    recipe: str
    device: str                  # a profile id, or adb:<profile> (measured on a phone)
    key: str                     # the cell's content key in the result store
    convert_key: str
    source_sha256: str
    status: str                  # one of STATUSES
    cache_hit: bool              # taken from the store, nothing ran
    worker: str | None
    duration_s: float | None     # sum of the cell's task times (shared tasks counted in each cell)
    error: CellError | None
    reason: str                  # why a cell is not applicable
    metrics: dict[str, Any]      # size_bytes, latency_p50_ms, latency_source, accuracy_drop, ...
    budget: dict[str, Any] | None  # {"passed", "failures", "verdicts"}
    documents: dict[str, str]    # kind -> path relative to sweep.json (convert, profile, check, artifact)


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


def check_sweep_document(document: dict[str, Any], origin: str) -> dict[str, Any]:
    """Refuse a document that is not a sweep (the envelope's version is checked by load_document)."""
    if document.get("schema") != f"edge-sdk/{KIND}" or not isinstance(document.get("cells"), list):
        raise InputError(f"{origin}: not an edge-sdk sweep document (sweep.json)",
                         hint="pass the sweep.json an `edge-sdk sweep` run wrote", path=origin)
    return document
