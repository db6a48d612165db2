"""The JSON Schemas of the ``--json`` outputs, generated from the document types.

``edge_sdk/schemas/<kind>.schema.json`` are shipped as package data for editors, CI tools and
other languages; ``python -m tools.schemas`` rewrites them from :func:`schema_texts`, and a test
fails when a shipped file differs from what the types generate (so they cannot drift apart).
"""

from __future__ import annotations

import json
from pathlib import Path

from edge_sdk.core.documents import shape
from edge_sdk.core.documents.check import CheckDocument
from edge_sdk.core.documents.compare import CompareDocument
from edge_sdk.core.documents.convert import ConvertManifest
from edge_sdk.core.documents.inspect import InspectDocument
from edge_sdk.core.documents.profile import ProfileDocument
from edge_sdk.core.documents.sweep import SweepDocument

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
BASE_ID = "https://edge-sdk.dev/schemas/"
# kind -> (type, title); "compare" has no envelope (its output is derived, never read back)
DOCUMENTS: dict[str, tuple[type, str]] = {
    "profile": (ProfileDocument, "edge-sdk profile --json"),
    "check": (CheckDocument, "edge-sdk check --json"),
    "convert": (ConvertManifest, "edge-sdk convert manifest (OUT.tflite.json)"),
    "inspect": (InspectDocument, "edge-sdk inspect --json"),
    "compare": (CompareDocument, "edge-sdk compare --json"),
    "sweep": (SweepDocument, "edge-sdk sweep (DIR/sweep.json)"),
}


def schema(kind: str) -> dict[str, object]:
    """The JSON Schema of one document kind."""
    annotation, title = DOCUMENTS[kind]
    name = f"{kind}.schema.json"
    if kind == "compare":
        defs: dict[str, object] = {}
        root = shape.json_schema(annotation, defs)
        body = dict(defs.pop(str(root["$ref"]).rsplit("/", 1)[-1]))  # type: ignore[call-overload]
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE_ID + name, "title": title,
                **body, "$defs": defs}
    return shape.document_schema(annotation, title=title, kind=kind, schema_id=BASE_ID + name)


def schema_texts() -> dict[Path, str]:
    """Every shipped schema file and the text it must hold."""
    return {SCHEMA_DIR / f"{kind}.schema.json": json.dumps(schema(kind), indent=2) + "\n" for kind in DOCUMENTS}
