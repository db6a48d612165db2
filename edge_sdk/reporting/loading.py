"""Turn whatever the caller hands us (paths, dicts, JSON text) into validated edge-sdk documents.

The HTML report and ``compare`` read the documents other verbs wrote, possibly by another
version of edge-sdk or cut short by a crash. Everything is checked here, once, so the renderers
can trust the envelope and only have to cope with missing *sections* (which they say on the page).

A ``check`` document may carry the profile/inspect documents it was computed from; they are
pulled out as documents of their own, so one ``check --html`` page shows the distributions too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from edge_sdk.core.documents import (
    KINDS,
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    CheckDocument,
    ConvertManifest,
    ProfileDocument,
    ProfileResult,
    check_document,
    document_kind,
    load_document,
)
from edge_sdk.core.errors import InputError

DocumentSource = dict[str, Any] | str | os.PathLike[str]
MODEL_SUFFIXES = {".tflite", ".onnx", ".keras", ".h5", ".pb", ".lite"}


@dataclass(frozen=True)
class LoadedDocument:
    """One validated document and where it came from (shown on the page, used in messages)."""

    kind: str
    body: dict[str, Any]
    origin: str

    @property
    def profile(self) -> ProfileDocument:
        """The body as the profile document it was validated as (a check's rebuilt profiles too)."""
        if self.kind != "profile":
            raise TypeError(f"{self.origin} is a {self.kind} document, not a profile")
        return cast(ProfileDocument, self.body)

    @property
    def convert(self) -> ConvertManifest:
        """The body as the convert manifest it was validated as."""
        if self.kind != "convert":
            raise TypeError(f"{self.origin} is a {self.kind} document, not a convert manifest")
        return cast(ConvertManifest, self.body)

    @property
    def check(self) -> CheckDocument:
        """The body as the check document it was validated as."""
        if self.kind != "check":
            raise TypeError(f"{self.origin} is a {self.kind} document, not a check")
        return cast(CheckDocument, self.body)

    @property
    def model_name(self) -> str | None:
        """The model file name the document is about, when it names one."""
        return model_name(self.body)

    @property
    def model_label(self) -> str:
        """A short name for the model this document is about (file name, else the origin)."""
        return model_name(self.body) or Path(self.origin).name


def model_name(document: dict[str, Any]) -> str | None:
    """The model file name a document refers to, from whichever field its kind uses."""
    for key in ("model", "output", "source"):
        value = document.get(key)
        if isinstance(value, dict):
            value = value.get("path") or value.get("name")
        if isinstance(value, str) and value:
            return Path(value).name
    path = document.get("path")
    return Path(path).name if isinstance(path, str) and path else None


def _validate_dict(document: dict[str, Any], origin: str) -> str:
    """The kind of a document given as a dict, after the checks every loaded document gets."""
    return document_kind(check_document(document, origin)) or ""


def load_one(source: DocumentSource, index: int = 0) -> LoadedDocument:
    """Validate one document given as a dict or a path; raises :class:`InputError` (exit 2)."""
    if isinstance(source, dict):
        name = model_name(source)
        suffix = f" #{index + 1}" + (f" ({name})" if name else "")
        kind = _validate_dict(source, "document" + suffix)
        return LoadedDocument(kind, source, f"{kind} document{suffix}")
    if isinstance(source, (str, os.PathLike)):
        if Path(source).suffix.lower() in MODEL_SUFFIXES:
            raise InputError(
                f"{source}: a model file, not an edge-sdk JSON report",
                hint=f"profile or inspect it first, e.g. edge-sdk profile {source} --html report.html",
                path=str(source),
            )
        body = load_document(source)
        return LoadedDocument(document_kind(body) or "", body, str(source))
    raise InputError(f"document #{index + 1}: expected a path or a dict, got {type(source).__name__}")


def embedded_documents(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Complete edge-sdk documents nested inside ``document`` (e.g. the profiles a check ran).

    Only dicts with a valid envelope count; the walk is bounded to a few levels deep so a large
    inspect document is not searched op by op.
    """
    found: list[dict[str, Any]] = []

    def walk(value: Any, depth: int) -> None:
        if depth > 3:
            return
        if isinstance(value, dict):
            if depth > 0 and document_kind(value) in KINDS and value.get("version") in READABLE_VERSIONS:
                try:
                    found.append(check_document(value, "embedded document"))
                except InputError:
                    pass  # a damaged nested copy: the outer document is still shown
                return
            for key, child in value.items():
                if key not in ("ops", "samples_ms", "tensors"):
                    walk(child, depth + 1)
        elif isinstance(value, list):
            for child in value[:200]:
                walk(child, depth + 1)

    walk(document, 0)
    return found


def profiles_from_check(check: CheckDocument) -> list[ProfileDocument]:
    """Profile bodies rebuilt from the results a check measured, one per model.

    A check document lists every ProfileResult it used under ``profiles`` (each tagged with the
    model's ``model_sha256``) and the model paths under ``measurements``; grouping them back per
    model lets ``check --html`` show the same distributions as ``profile --html``.
    """
    paths = {m["sha256"]: m["path"] for m in check.get("measurements", []) if m.get("sha256") and "path" in m}
    grouped: dict[str, list[ProfileResult]] = {}
    for result in check.get("profiles", []):
        if result.get("latency_ms"):
            grouped.setdefault(result.get("model_sha256", ""), []).append(result)
    return [{"schema": "edge-sdk/profile", "version": SCHEMA_VERSION,
             "model": {"path": paths.get(sha) or f"model {sha[:12]}", "sha256": sha or None},
             "results": results} for sha, results in grouped.items()]


def expand_directories(paths: list[str]) -> tuple[list[str], list[str]]:
    """Replace each directory by the edge-sdk documents in it (``*.json``, sorted).

    Files named explicitly are kept as given (a bad one must fail loudly); JSON files found in a
    directory that are not edge-sdk documents (a labels file, a config) are skipped and returned
    as ``"path: reason"`` lines, so ``edge-sdk report out/`` works on a whole output folder.
    """
    files: list[str] = []
    skipped: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            files.append(raw)
            continue
        found = 0
        for candidate in sorted(path.glob("*.json")):
            try:
                load_document(candidate)
            except InputError as exc:
                skipped.append(exc.message)
                continue
            files.append(str(candidate))
            found += 1
        if not found:
            raise InputError(f"{path}: no edge-sdk JSON report in this directory",
                             hint="write reports with -o/--json first, e.g. edge-sdk profile m.tflite -o out/profile.json",
                             path=str(path))
    return files, skipped


def load_documents(sources: list[DocumentSource] | tuple[DocumentSource, ...]) -> list[LoadedDocument]:
    """Validate every source (all or nothing) and add the documents nested in check documents."""
    if isinstance(sources, (str, os.PathLike, dict)):
        sources = [sources]
    if not sources:
        raise InputError("no report given", hint="pass one or more edge-sdk JSON reports, e.g. profile.json")
    loaded: list[LoadedDocument] = []
    seen: set[int] = set()
    for index, source in enumerate(sources):
        document = load_one(source, index)
        loaded.append(document)
        seen.add(id(document.body))
        for nested in embedded_documents(document.body):
            if id(nested) not in seen:
                seen.add(id(nested))
                loaded.append(LoadedDocument(document_kind(nested) or "", nested, f"{document.origin} (embedded)"))
        if document.kind == "check":
            loaded += [LoadedDocument("profile", dict(body), f"{document.origin} (results the check measured)")
                       for body in profiles_from_check(document.check)]
    return loaded
