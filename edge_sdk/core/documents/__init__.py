"""The versioned JSON documents edge-sdk writes and reads back, and their types: one definition each.

Every document has the same envelope, so any reader can tell what it holds before trusting it::

    {"schema": "edge-sdk/profile", "version": 1, "tool": {"name": "edge-sdk", "version": "0.1.0"},
     "created": "2026-11-28T17:00:00Z", ...body...}

Kinds and their types (one module each, in this package):

    profile   ProfileDocument   measurements and estimates per device      (profile.py)
    check     CheckDocument     verdicts; also the baseline of the next check (check.py)
    convert   ConvertManifest   an artifact's manifest (OUT.tflite.json)    (convert.py)
    inspect   InspectDocument   what static analysis knows of a .tflite     (inspect.py)
    devices   (the profile catalog, ``edge-sdk devices --json``)
    sweep     SweepDocument     a sweep: every (model, recipe, device) cell   (sweep.py)
    and the ``compare --json`` output, CompareDocument (compare.py), which has no envelope.

Why ``TypedDict`` and not dataclasses: a document *is* JSON. It is written, embedded (a check
carries the profile results it used), cached, sent across process boundaries and read back by
another version of edge-sdk. A TypedDict is a plain dict at run time, so producers and consumers
keep the JSON as it is with no conversion layer to drift, while mypy checks every
``result["latency_ms"]["p50"]``. Fields a document may lack (older writers, other backends) are
``NotRequired``, which is also how a new field is added without breaking old documents or old
readers. :mod:`edge_sdk.core.documents.shape` reads the same annotations to check a document at
the load boundary (:func:`load_document`, :func:`check_body`) and to generate the JSON Schemas
shipped in ``edge_sdk/schemas/`` (``python -m tools.schemas``; a test keeps them equal).

Versions: ``SCHEMA_VERSION`` is written; every version in ``READABLE_VERSIONS`` is read. A future
format change bumps the version and adds an upgrade step in :func:`upgrade` (old -> current),
so consumers only ever see the current shape.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from edge_sdk.core.documents import shape
from edge_sdk.core.documents.check import CheckDocument, CheckEntry, MeasurementRow, VerdictRow
from edge_sdk.core.documents.common import Envelope, ModelRef, ToolInfo
from edge_sdk.core.documents.compare import CompareDocument, CompareRow
from edge_sdk.core.documents.convert import ConvertManifest
from edge_sdk.core.documents.inspect import InspectDocument
from edge_sdk.core.documents.profile import LatencyMs, MemoryUse, ProfileDocument, ProfileResult
from edge_sdk.core.documents.sweep import SweepCell, SweepDocument
from edge_sdk.core.errors import InputError
from edge_sdk.core.files import read_text_input
from edge_sdk.core.version import __version__

SCHEMA_VERSION = 1
READABLE_VERSIONS = (1,)
KINDS = ("inspect", "profile", "check", "convert", "devices", "sweep")
# the type each kind's body is checked against at the load boundary (kinds not listed: envelope only)
DOCUMENT_TYPES: dict[str, type] = {"profile": ProfileDocument, "check": CheckDocument, "convert": ConvertManifest,
                                   "inspect": InspectDocument, "sweep": SweepDocument}


def envelope(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Wrap ``body`` in the versioned envelope of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    head = {
        "schema": f"edge-sdk/{kind}",
        "version": SCHEMA_VERSION,
        "tool": {"name": "edge-sdk", "version": __version__},
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {**head, **body}


def document_kind(document: dict[str, Any]) -> str | None:
    schema = document.get("schema")
    if isinstance(schema, str) and schema.startswith("edge-sdk/"):
        return schema.split("/", 1)[1]
    return None


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` in the current format. Version 1 is current; a version 2 adds its step here
    (rename or fill fields in a copy), so every consumer reads one shape."""
    return document


def check_document(document: Any, origin: str, kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Validate a parsed document at the load boundary and return it in the current format.

    Checks the envelope (an edge-sdk document, of an accepted kind, in a readable version) and the
    body against its type (:data:`DOCUMENT_TYPES`). Raises :class:`InputError` (exit 2) naming
    ``origin`` and the first fields that are wrong, so a truncated, hand-edited or foreign file is
    refused in one clear message instead of failing somewhere inside a renderer.
    """
    if not isinstance(document, dict) or document_kind(document) is None:
        raise InputError(
            f"{origin}: not an edge-sdk report (no \"schema\": \"edge-sdk/...\" field)",
            hint="pass a file written by edge-sdk profile/check/convert/inspect with --json or -o",
            path=origin,
        )
    kind = document_kind(document)
    if kind not in KINDS:
        raise InputError(f"{origin}: unknown edge-sdk document kind {kind!r}; this edge-sdk reads {', '.join(KINDS)}",
                         hint="regenerate the report with this edge-sdk version", path=origin)
    if kinds is not None and kind not in kinds:
        raise InputError(f"{origin}: is an edge-sdk {kind} document; this needs a {' or '.join(kinds)} document",
                         path=origin)
    version = document.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise InputError(
            f"{origin}: report version {version!r}, but this edge-sdk ({__version__}) reads version "
            f"{' or '.join(map(str, READABLE_VERSIONS))}",
            hint="regenerate the report with this edge-sdk version",
            path=origin,
        )
    document = upgrade(document)
    body_type = DOCUMENT_TYPES.get(str(kind))
    if body_type is not None:
        found = shape.problems(document, body_type)
        if found:
            raise InputError(f"{origin}: not a valid edge-sdk {kind} document: " + "; ".join(found),
                             hint="the file was damaged or edited by hand; re-run the command that wrote it",
                             path=origin)
    return document


def load_document(path: str | os.PathLike[str], kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Read an edge-sdk JSON document, refusing anything of another kind or version, or malformed.

    Raises :class:`InputError` (exit 2) with a message that names the file and what to do.
    """
    p, text = read_text_input(path, "edge-sdk JSON report", missing="no such file")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "the file may be truncated",
            hint="re-run the command that wrote it",
            path=str(p),
        ) from None
    return check_document(document, str(p), kinds)


__all__ = ["DOCUMENT_TYPES", "KINDS", "READABLE_VERSIONS", "SCHEMA_VERSION", "CheckDocument", "CheckEntry",
           "CompareDocument", "CompareRow", "ConvertManifest", "Envelope", "InspectDocument", "LatencyMs",
           "MeasurementRow", "MemoryUse", "ModelRef", "ProfileDocument", "ProfileResult", "SweepCell", "SweepDocument",
           "ToolInfo", "VerdictRow",
           "check_document", "document_kind", "envelope", "load_document", "upgrade"]
