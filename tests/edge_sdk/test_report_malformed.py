"""Documents with a valid envelope but a damaged body (wrong types, missing keys, NaN, empty lists):
the page still renders, every section present, never an exception. Seeded, so failures replay."""

from __future__ import annotations

import copy
import math
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.reporting import compare, render_html  # noqa: E402

REPLACEMENTS: list[Any] = [None, "", "text", -1, 0, math.nan, math.inf, [], {}, [None], {"x": 1}, True, 10**30]


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside a document (dict keys and list positions), envelope excluded."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if prefix or key not in ("schema", "version"):
                found.append(prefix + (key,))
                found += paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            found.append(prefix + (index,))
            found += paths(child, prefix + (index,))
    return found


def damaged(document: dict, rng: random.Random) -> dict:
    copy_ = copy.deepcopy(document)
    for path in rng.sample(paths(copy_), k=3):
        parent = copy_
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = copy.deepcopy(rng.choice(REPLACEMENTS))  # JSON has no shared objects
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this branch
    return copy_


def test_damaged_documents_still_render_a_whole_page() -> None:
    rng = random.Random(20261128)
    originals = [docs.check_doc(), docs.profile_doc(), docs.inspect_doc(),
                 docs.convert_doc("int8", 93_000, 0.918, 0.002, "ab" * 32)]
    for round_ in range(60):
        documents = [damaged(doc, rng) for doc in originals]
        html = render_html(documents, analyse_models=False)
        assert html.rstrip().endswith("</html>"), round_
        for heading in ("Budget verdicts", "Latency on each device", "Conversion variants", "Built from"):
            assert heading in html, (round_, heading)


def test_damaged_documents_still_compare() -> None:
    rng = random.Random(7)
    for original in (docs.profile_doc(), docs.inspect_doc(), docs.check_doc()):
        kind = original["schema"].split("/")[1]
        for round_ in range(30):
            comparison = compare(damaged(original, rng), damaged(original, rng))
            assert comparison.to_text().startswith(f"{kind}:") and comparison.to_markdown(), round_
