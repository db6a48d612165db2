"""``edge-sdk sweep merge DIR... -o DIR``: join the shards of one sweep into one result.

Shards of one sweep share the sweep file's content (its sha256) and matrix; anything else is a
mistake worth stopping for (merging last week's shard with today's). Every shard ``1/N`` ..
``N/N`` must be there, so a CI job that died cannot go unnoticed. Cells are ordered as a single run
orders them, and their files are copied (atomically) next to the merged ``sweep.json``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from edge_sdk.core.atomic import atomic_copy, atomic_write_json
from edge_sdk.core.documents import envelope, load_document
from edge_sdk.core.errors import UsageError
from edge_sdk.sweep import document as doc
from edge_sdk.sweep.output import DOCUMENT_NAME, SweepResult, guard_output


def _load(directory: str | os.PathLike[str]) -> tuple[Path, dict[str, Any]]:
    path = Path(directory)
    path = path / DOCUMENT_NAME if path.is_dir() else path
    return path.parent, load_document(path, kinds=(doc.KIND,))


def _order(document: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    matrix = document["matrix"]
    order: dict[tuple[str, str, str], int] = {}
    for m in matrix["models"]:
        for r in matrix["recipes"]:
            for d in matrix["devices"]:
                order[(m, r, d)] = len(order)
    return order


def merge(directories: list[str | os.PathLike[str]], output: str | os.PathLike[str]) -> SweepResult:
    """Merge shard result directories (or their sweep.json files) into ``output``; see the module doc."""
    if not directories:
        raise UsageError("merge needs at least one shard directory")
    loaded = [_load(d) for d in directories]
    first = loaded[0][1]
    for origin, document in loaded[1:]:
        if document["config"].get("sha256") != first["config"].get("sha256") or document["matrix"] != first["matrix"]:
            raise UsageError(f"{origin}: is a shard of another sweep (its sweep file or matrix differs from "
                             f"{loaded[0][0]}'s)", hint="merge only the shards of one sweep run")
    shards = {(d.get("selection") or {}).get("shard") for _, d in loaded}
    counts = {int(s.split("/")[1]) for s in shards if s}
    if len(counts) > 1:
        raise UsageError(f"the shards were cut differently ({', '.join(sorted(s for s in shards if s))})")
    if counts:
        total = counts.pop()
        missing = [f"{i}/{total}" for i in range(1, total + 1) if f"{i}/{total}" not in shards]
        if missing:
            raise UsageError(f"shard {', '.join(missing)} missing: the merged sweep would silently lack its cells",
                             hint="pass every shard's output directory (re-run the missing CI job first)")
    out = Path(output)
    guard_output(out, [(origin / DOCUMENT_NAME, "shard's sweep document") for origin, _ in loaded])
    cells: dict[str, dict[str, Any]] = {}
    for origin, document in loaded:
        for cell in document["cells"]:
            previous = cells.get(cell["key"])
            if previous is None or previous.get("status") == "error":
                cells[cell["key"]] = _copy_files(cell, origin, out)
    order = _order(first)
    merged = sorted(cells.values(), key=lambda c: order.get((c["model"], c["recipe"], c["device"]), len(order)))
    walls = [d["summary"].get("wall_s") for _, d in loaded if d["summary"].get("wall_s") is not None]
    body = {key: first[key] for key in ("config", "matrix", "budget")}
    body.update({"engine": {"kind": "merged", "parts": [d["engine"] for _, d in loaded]}, "dry_run": False,
                 "selection": {"shard": None, "only": first["selection"].get("only"),
                               "merged_from": [str(o) for o, _ in loaded]},
                 "cells": merged, "summary": doc.summary(merged, max(walls) if walls else None),
                 "exit_code": doc.exit_code(merged)})
    document = envelope(doc.KIND, body)
    return SweepResult(document, atomic_write_json(out / DOCUMENT_NAME, document))


def _copy_files(cell: dict[str, Any], origin: Path, out: Path) -> dict[str, Any]:
    for relative in (cell.get("documents") or {}).values():
        source, target = origin / relative, out / relative
        if source.resolve() != target.resolve() and source.is_file():
            atomic_copy(source, target)
    return cell
