"""The versioned JSON documents edge-sdk writes and reads back (reports, manifests, baselines).

Every document has the same envelope, so any reader can tell what it holds before trusting it::

    {"schema": "edge-sdk/profile", "version": 1, "tool": {"name": "edge-sdk", "version": "0.1.0"},
     "created": "2026-11-28T17:00:00Z", ...body...}

Kinds: ``devices`` (the profile catalog), ``inspect`` (a ModelGraph summary), ``profile`` (measurements and estimates per device),
``check`` (verdicts; also a baseline for the next check), ``convert`` (an artifact manifest), ``sweep`` (a sweep matrix: edge_sdk.sweep.document).

The body of a ``profile`` document (the contract between profile, check, adb, report, compare)::

    "model":   {"path", "sha256", "size_bytes"}
    "host":    {...host measurement summary or null...}
    "results": [ProfileResult, ...]      # one per (device, backend)

    ProfileResult = {
      "device": "pixel-4", "backend": "host" | "estimate" | "adb", "threads": 4,
      "source": "measured" | "estimated",
      "latency_ms": {"p50", "p90", "p99", "mean", "std", "min", "max"},   # ms
      "samples_ms": [...],                 # raw samples when measured, [] for estimates
      "error_band_pct": 12.0 | null,       # +-% for estimates, null when measured
      "memory": {"peak_bytes", "arena_bytes"},
      "energy_mj": float | null, "energy_source": "estimated" | "measured" | null,
      "size_bytes": int,
      "provenance": {...runtime, version, affinity, cpu, calibration, method...},
      "notes": ["..."]                      # facts like "exceeds the app memory budget"
    }
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from edge_sdk.core.errors import InputError
from edge_sdk.core.files import read_text_input
from edge_sdk.core.version import __version__

SCHEMA_VERSION = 1
KINDS = ("inspect", "profile", "check", "convert", "devices", "sweep")


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


def load_document(path: str | os.PathLike[str], kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Read an edge-sdk JSON document, refusing anything of another kind or version.

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
    if not isinstance(document, dict) or document_kind(document) is None:
        raise InputError(
            f"{p}: not an edge-sdk report (no \"schema\": \"edge-sdk/...\" field)",
            hint="pass a file written by edge-sdk profile/check/convert with --json or -o",
            path=str(p),
        )
    kind = document_kind(document)
    if kinds is not None and kind not in kinds:
        raise InputError(
            f"{p}: is an edge-sdk {kind} document; this needs a {' or '.join(kinds)} document",
            path=str(p),
        )
    version = document.get("version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{p}: report version {version!r}, but this edge-sdk ({__version__}) reads version "
            f"{SCHEMA_VERSION}",
            hint="regenerate the report with this edge-sdk version",
            path=str(p),
        )
    return document
