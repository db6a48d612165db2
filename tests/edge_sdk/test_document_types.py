"""The typed documents: shipped JSON Schemas equal the generated ones, version-1 documents written by
an earlier edge-sdk (documents_v1/, produced by commit 09ca2ad from the TFLite Micro sine model)
still load, render, compare and serve as a baseline, and a malformed document is refused at the
load boundary with an exit-2 error that names the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edge_sdk.cli import main
from edge_sdk.core.documents import READABLE_VERSIONS, check_document, load_document, shape
from edge_sdk.core.documents.profile import ProfileDocument
from edge_sdk.core.documents.schemas import DOCUMENTS, schema_texts
from edge_sdk.core.errors import InputError
from edge_sdk.reporting import compare, render_html

V1 = Path(__file__).resolve().parent / "documents_v1"
KINDS = ("inspect", "profile", "check", "convert")


def test_shipped_schemas_equal_the_generated_ones() -> None:
    for path, text in schema_texts().items():
        assert path.exists(), f"{path} is missing: run python -m tools.schemas"
        assert path.read_text() == text, f"{path} drifted from the document types: run python -m tools.schemas"
    profile = json.loads((V1.parents[2] / "edge_sdk" / "schemas" / "profile.schema.json").read_text())
    assert profile["properties"]["schema"] == {"const": "edge-sdk/profile"}
    assert profile["required"] == ["results", "schema", "version"]
    result = profile["$defs"]["ProfileResult"]
    assert {"device", "backend", "source"} <= set(result["required"]) and "latency_ms" in result["properties"]
    assert result["properties"]["source"] == {"enum": ["measured", "estimated"]}
    assert {"profile", "check", "convert", "inspect", "compare"} <= set(DOCUMENTS)


@pytest.mark.parametrize("kind", KINDS)
def test_version_1_documents_still_load(kind: str) -> None:
    document = load_document(V1 / f"{kind}.json", kinds=(kind,))
    assert document["version"] == 1 and 1 in READABLE_VERSIONS
    assert shape.problems(document, DOCUMENTS[kind][0]) == []


def test_version_1_documents_render_compare_and_serve_as_a_baseline(tmp_path: Path, sine_tflite: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    html = render_html([str(V1 / f"{kind}.json") for kind in KINDS], analyse_models=False)
    for heading in ("Budget verdicts", "Latency on each device", "Conversion variants"):
        assert heading in html
    old = json.loads((V1 / "profile.json").read_text())
    new = json.loads(json.dumps(old))
    new["results"][1]["latency_ms"]["p50"] *= 2  # the pixel-4 estimate doubled
    rows = {row.key: row for row in compare(old, new).rows}
    doubled = next(row for key, row in rows.items() if key.endswith("latency_ms.p50") and "pixel-4" in key)
    assert doubled.verdict == "worse" and doubled.delta_pct == pytest.approx(100.0)

    shutil.copy(sine_tflite, tmp_path / "sine.tflite")
    (tmp_path / "edge-budget.toml").write_text('[[check]]\nname = "sine on a phone"\nmodels = ["sine.tflite"]\n'
                                                'devices = ["pixel-4"]\nsize = "10 kB"\nmax_regression = "5%"\n')
    code = main(["check", "--budget", str(tmp_path / "edge-budget.toml"), "--estimate-only", "--no-cache",
                 "--baseline", str(V1 / "check.json"), "--json", str(tmp_path / "new.json")])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    document = load_document(tmp_path / "new.json", kinds=("check",))
    befores = [v.get("before") for c in document.get("checks", []) for v in c["verdicts"] if v["metric"] == "size"]
    assert befores and all(b == 3164 for b in befores)  # the v1 baseline's size of the same model


def test_a_malformed_document_is_refused_naming_the_field(tmp_path: Path) -> None:
    document = json.loads((V1 / "profile.json").read_text())
    document["results"][0]["latency_ms"]["p50"] = "fast"
    del document["results"][1]["source"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        load_document(path)
    message = caught.value.message
    assert caught.value.exit_code == 2 and str(path) in message
    assert "results[0].latency_ms.p50: expected a number or null, got 'fast'" in message
    assert "results[1]: the field 'source' is missing" in message
    document["version"] = 2
    with pytest.raises(InputError, match="report version 2"):
        check_document(document, "future.json")


def test_the_types_are_what_mypy_and_the_loader_read() -> None:
    required = ProfileDocument.__required_keys__
    assert required == {"schema", "version", "results"}
    assert shape.problems({"schema": "edge-sdk/profile", "version": 1, "results": [], "ops_by_layer": {}},
                          ProfileDocument) == []  # fields a newer writer adds do not break a reader
