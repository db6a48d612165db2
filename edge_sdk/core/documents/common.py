"""Types every document shares: the envelope, the tool that wrote it, the model it is about."""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import NotRequired, TypedDict


class ToolInfo(TypedDict):
    """Which program wrote the document."""

    name: str
    version: str


class Envelope(TypedDict):
    """The head of every edge-sdk document: what it is, in which version of its format, by whom, when."""

    schema: str                     # "edge-sdk/<kind>"
    version: int                    # the format version (SCHEMA_VERSION)
    tool: NotRequired[ToolInfo]
    created: NotRequired[str]       # ISO 8601, UTC ("2026-11-28T17:00:00Z")


class ModelRef(TypedDict):
    """The model file a document is about, identified by content."""

    path: str
    sha256: NotRequired[str | None]
    size_bytes: NotRequired[int | None]
    precision: NotRequired[str | None]   # "float32", "int8", "mixed"... as static analysis sees it
