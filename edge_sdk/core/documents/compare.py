"""The ``compare --json`` output: every number of two documents, before and after.

Not an enveloped document (it is derived, never read back): ``kind`` is the kind of the two
documents compared, each row one flattened value (``results[pixel-4/estimate].latency_ms.p50``).
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, TypedDict

Value = float | str | None


class CompareRow(TypedDict):
    key: str
    before: Value
    after: Value
    unit: str
    delta: float | None
    delta_pct: float | None
    verdict: Literal["better", "worse", ""]


class CompareDocument(TypedDict):
    """``edge-sdk compare --json``: two documents of one kind, value by value."""

    kind: str
    before: str
    after: str
    rows: list[CompareRow]
