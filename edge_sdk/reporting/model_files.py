"""Model files the documents refer to: analysed for the page when no inspect document covers them.

A profile names its model's path and sha256. When the file is still there (next to the report,
or where the profile was made) the static analyser (no TensorFlow) gives the page the model's
ops, sizes and memory plan, so ``profile --html`` shows them without a separate inspect step.
A file that is gone is reported by name, so the page can say why its model section is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.reporting.loading import LoadedDocument


@dataclass
class AnalysedModels:
    documents: list[LoadedDocument] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # model paths named by documents, not found here
    failed: list[str] = field(default_factory=list)  # "path: reason" for files the analyser refused


def _candidates(model_path: str, document: LoadedDocument) -> list[Path]:
    """The path as written, then relative to the document's folder (a report moved with its model)."""
    given = Path(model_path)
    found = [given]
    origin = Path(document.origin)
    if not given.is_absolute() and origin.suffix == ".json":
        found.append(origin.parent / given)
    found.append(origin.parent / given.name)
    return found


def analyse_referenced_models(documents: list[LoadedDocument]) -> AnalysedModels:
    """Inspect documents for the profiled model files that no inspect document covers."""
    covered = {d.body.get("sha256") for d in documents if d.kind == "inspect"} - {None}
    covered_names = {Path(str(d.body.get("path"))).name for d in documents if d.kind == "inspect"}
    result = AnalysedModels()
    wanted: dict[Path, Any] = {}
    for doc in documents:
        model = doc.profile.get("model") if doc.kind == "profile" else None  # a ModelRef, validated at load
        if model is None:
            continue
        sha = model.get("sha256")
        if sha in covered or (not sha and Path(model["path"]).name in covered_names) or sha in wanted.values():
            continue
        path = next((p.resolve() for p in _candidates(model["path"], doc) if p.is_file()), None)
        if path is None:
            if model["path"] not in result.missing:
                result.missing.append(model["path"])
            continue
        wanted.setdefault(path, sha)
    if not wanted:
        return result
    try:
        from edge_sdk.graph import analyze
    except ImportError as exc:
        result.failed += [f"{path}: static analysis unavailable ({exc})" for path in wanted]
        return result
    for path in wanted:
        try:
            body: dict[str, Any] = analyze(str(path)).to_dict()
        except Exception as exc:  # noqa: BLE001 - a model we cannot analyse only loses its optional section
            result.failed.append(f"{path}: {getattr(exc, 'message', None) or exc}")
            continue
        if body.get("sha256") in covered:  # the same file reached under two names
            continue
        covered.add(body.get("sha256"))
        result.documents.append(LoadedDocument("inspect", body, f"{path} (analysed)"))
    return result
