"""Documents with a valid envelope but a damaged body (wrong types, missing keys, NaN, empty lists):
either the load boundary refuses them with an exit-2 error naming a damaged field, or the page
renders whole (every section present) and compare works; never another exception. Seeded, so
failures replay."""

from __future__ import annotations

import copy
import math
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.core.documents import check_document  # noqa: E402
from edge_sdk.core.errors import InputError  # noqa: E402
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


def damaged(document: dict, rng: random.Random, record: list[tuple] | None = None) -> dict:
    copy_ = copy.deepcopy(document)
    for path in rng.sample(paths(copy_), k=3):
        if record is not None:
            record.append(path)
        parent = copy_
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = copy.deepcopy(rng.choice(REPLACEMENTS))  # JSON has no shared objects
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this branch
    return copy_


def dotted(path: tuple) -> str:
    """A key path as the load boundary writes it: ``results[0].latency_ms.p50``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def accepted(document: dict, damage: list[tuple]) -> bool:
    """True when the document passes the load boundary; else its error must name a damaged field."""
    try:
        check_document(document, "damaged.json")
        return True
    except InputError as error:
        assert error.exit_code == 2 and "not a valid edge-sdk" in error.message, error.message
        named = [dotted(path) for path in damage]
        fields = error.message.split(" document: ", 1)[1]
        assert any(name.startswith(field.split(":", 1)[0]) or field.startswith("the document")
                   for field in fields.split("; ") for name in named), (error.message, named)
        return False


def test_damaged_documents_are_refused_naming_the_field_or_render_a_whole_page() -> None:
    rng = random.Random(20261128)
    originals = [docs.check_doc(), docs.profile_doc(), docs.inspect_doc(),
                 docs.convert_doc("int8", 93_000, 0.918, 0.002, "ab" * 32)]
    outcomes = {True: 0, False: 0}
    for round_ in range(60):
        documents = []
        for original in originals:
            damage: list[tuple] = []
            document = damaged(original, rng, damage)
            ok = accepted(document, damage)
            outcomes[ok] += 1
            documents.append(document if ok else original)
        html = render_html(documents, analyse_models=False)
        assert html.rstrip().endswith("</html>"), round_
        for heading in ("Budget verdicts", "Latency on each device", "Conversion variants", "Built from"):
            assert heading in html, (round_, heading)
    assert outcomes[True] > 10 and outcomes[False] > 10, outcomes  # both paths were exercised


def test_damaged_documents_still_compare_or_are_refused() -> None:
    rng = random.Random(7)
    for original in (docs.profile_doc(), docs.inspect_doc(), docs.check_doc()):
        kind = original["schema"].split("/")[1]
        for round_ in range(30):
            before_damage: list[tuple] = []
            after_damage: list[tuple] = []
            before, after = damaged(original, rng, before_damage), damaged(original, rng, after_damage)
            if not (accepted(before, before_damage) and accepted(after, after_damage)):
                continue
            comparison = compare(before, after)
            assert comparison.to_text().startswith(f"{kind}:") and comparison.to_markdown(), round_
