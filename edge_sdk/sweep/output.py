"""Write a sweep's results: ``sweep.json`` and, per cell, its documents and artifact.

Layout (paths in ``sweep.json`` are relative to it, so the directory can be moved or archived)::

    OUT/sweep.json
    OUT/cells/<model>/<recipe>/model.tflite          # the artifact (copied from the result store)
    OUT/cells/<model>/<recipe>/model.tflite.json     # its convert manifest
    OUT/cells/<model>/<recipe>/<device>.profile.json
    OUT/cells/<model>/<recipe>/<device>.check.json   # when the sweep has a budget

Everything is written atomically, ``sweep.json`` last: a reader never sees a sweep.json that names
files not written yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sdk.core.atomic import atomic_copy, atomic_write_json
from edge_sdk.core.documents import envelope
from edge_sdk.core.errors import UsageError
from edge_sdk.core.paths import OutputPlan
from edge_sdk.sweep import document as doc
from edge_sdk.sweep.keys import path_sha256
from edge_sdk.sweep.plan import Plan
from edge_sdk.sweep.store import ResultStore
from edge_sdk.sweep.tasks import ARTIFACT

DOCUMENT_NAME = "sweep.json"


def guard_output(out: Path, inputs: Iterable[tuple[Any, str]]) -> None:
    """Refuse (exit 2), before anything runs, an output directory that is a file or lies under one
    (``-o model.h5`` ended in an internal error after the whole sweep had run) or whose sweep.json
    would replace or sit inside an input (``merge ... -o SHARD_DIR``, a SavedModel source folder)."""
    for place in (out, *out.parents):
        if place.exists():
            if not place.is_dir():
                where = "is a file" if place == out else f"lies under {place}, which is a file"
                raise UsageError(f"output={str(out)!r}: {where}; the sweep writes a directory there "
                                 f"({DOCUMENT_NAME} and cells/)", hint="choose a new or existing directory for "
                                 "`output`", path=str(out), params=("output",))
            break
    plan = OutputPlan()
    for path, what in inputs:
        plan.read(path, what)
    plan.write("output", out / DOCUMENT_NAME).check()


@dataclass
class SweepResult:
    """The ``sweep`` document, where it was written (None for a dry run) and the exit code."""

    document: dict[str, Any]
    path: Path | None

    @property
    def exit_code(self) -> int:
        return int(self.document["exit_code"])

    @property
    def cells(self) -> list[dict[str, Any]]:
        return list(self.document["cells"])


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


def budget_limits(budget: Path | None, devices: list[str]) -> dict[str, Any] | None:
    """Per device, the tightest limit of each metric the budget's checks set there (the report's lines)."""
    if budget is None:
        return None
    from edge_sdk.budgets.config import load_budget

    loaded = load_budget(budget)
    limits: dict[str, dict[str, float]] = {}
    for device in devices:
        profile = device.removeprefix("adb:")
        for check in loaded.checks:
            if check.devices and profile not in check.devices:
                continue
            for metric, limit in check.limits.items():
                if limit.numeric:
                    current = limits.setdefault(device, {}).get(metric)
                    limits[device][metric] = min(float(limit.value), current if current is not None else float("inf"))
    return {"path": str(budget), "limits": limits}


def _materialize(cell: dict[str, Any], out: Path, store: ResultStore) -> dict[str, str]:
    """Write the cell's documents and artifact under ``out``; return their paths relative to it."""
    documents = cell.get("documents") or {}
    if cell.get("status") in ("error", "not-applicable", "planned", "cached") and not documents:
        return {}
    folder = Path("cells") / safe_name(cell["model"]) / safe_name(cell["recipe"])
    written: dict[str, str] = {}
    converted = store.get("convert", cell["convert_key"])
    if converted is not None and (converted.directory / ARTIFACT).exists():
        for name, kind in ((ARTIFACT, "artifact"), (ARTIFACT + ".json", "convert")):
            target = out / folder / name
            if not target.exists() or path_sha256(target) != path_sha256(converted.file(name)):
                atomic_copy(converted.file(name), target)
            written[kind] = str(folder / name)
    for kind, body in documents.items():
        if isinstance(body, dict):
            name = f"{safe_name(cell['device'])}.{kind}.json"
            atomic_write_json(out / folder / name, body)
            written[kind] = str(folder / name)
    return written


def write_outputs(plan: Plan, records: dict[str, dict[str, Any]], out: Path, store_root: Path,
                  engine: dict[str, Any], wall_s: float, *, notes: list[str] | None = None,
                  dry_run: bool = False) -> SweepResult:
    cfg = plan.config
    store = ResultStore(store_root)
    cells: list[dict[str, Any]] = []
    for planned in plan.cells:
        record = dict(records[planned["key"]])
        record.update({k: planned[k] for k in ("id", "model", "recipe", "device", "key", "convert_key")})
        if not dry_run:
            record["documents"] = _materialize(record, out, store)
        else:
            record["documents"] = {}
        record.pop("store_entry", None)
        cells.append(record)
    body = {
        "config": {"path": str(cfg.path) if cfg.path else None,
                   "sha256": path_sha256(cfg.path) if cfg.path else None,
                   "models": [{"name": m.name, "path": str(m.path), "format": m.format} for m in cfg.models],
                   "recipes": cfg.recipes, "devices": cfg.devices,
                   "budget": str(cfg.budget) if cfg.budget else None, "host": cfg.host, "store": str(store_root)},
        "engine": engine,
        "dry_run": dry_run,
        "selection": {"shard": plan.shard and f"{plan.shard[0]}/{plan.shard[1]}", "only": plan.only},
        "matrix": {"models": [m.name for m in cfg.models], "recipes": cfg.recipes, "devices": cfg.devices},
        "cells": cells,
        "budget": budget_limits(cfg.budget, cfg.devices),
        "summary": doc.summary(cells, None if dry_run else wall_s),
        "exit_code": 0 if dry_run else doc.exit_code(cells),
        "notes": notes or [],
    }
    document = envelope(doc.KIND, body)
    if dry_run:
        return SweepResult(document, None)
    path = atomic_write_json(out / DOCUMENT_NAME, document)
    return SweepResult(document, path)
