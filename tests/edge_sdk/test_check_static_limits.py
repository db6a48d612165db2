"""check() on real third-party models: static limits, runtime loads, accuracy manifests, globs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

import tflite_variants
from edge_sdk.budgets import check
from edge_sdk.core.errors import InputError
from edge_sdk.graph import analyze


@pytest.fixture()
def project(tmp_path, monkeypatch, sine_tflite, resnet8_tflite, kws_tflite):
    """A project directory with real models under build/ and the cache kept inside it."""
    monkeypatch.delenv("EDGE_SDK_CACHE_DIR", raising=False)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(sine_tflite, build / "sine.tflite")
    shutil.copy(resnet8_tflite, build / "resnet8.tflite")
    shutil.copy(kws_tflite, build / "kws.tflite")
    (tmp_path / ".git").mkdir()  # discovery stops at the repository root
    monkeypatch.chdir(tmp_path)
    return tmp_path


def budget(project: Path, text: str, name: str = "edge-budget.toml") -> Path:
    path = project / name
    path.write_text(text, encoding="utf-8")
    return path


def by(result, model: str, metric: str, device=None):
    found = [v for v in result.verdicts if v.model.endswith(model) and v.metric == metric and v.device == device]
    assert found, f"no verdict for {model} {metric}: {[(v.model, v.metric) for v in result.verdicts]}"
    return found[0]


def test_static_limits_match_the_graph_and_the_file(project):
    budget(project, '''
[[check]]
name = "tiny models"
models = ["build/*.tflite"]
size = "80 kB"
gzip_size = "1 MB"
params = "100 k"
macs = "20 M"
precisions = ["int8", "int8-float-io"]
delegates = ["tflm"]
no_custom_ops = true
no_flex_ops = true
message = "Ask the MCU team."
''')
    result = check()  # the budget is found in the working directory
    assert not result.passed and result.exit_code == 1
    models = {v.model for v in result.verdicts}
    assert models == {"build/sine.tflite", "build/resnet8.tflite", "build/kws.tflite"}
    for name in ("sine", "resnet8", "kws"):
        path = project / "build" / f"{name}.tflite"
        graph = analyze(str(path))
        assert by(result, f"{name}.tflite", "size").actual == path.stat().st_size
        assert by(result, f"{name}.tflite", "gzip_size").actual == len(gzip.compress(path.read_bytes(), 9, mtime=0))
        assert by(result, f"{name}.tflite", "params").actual == graph.params
        assert by(result, f"{name}.tflite", "macs").actual == graph.macs
        assert by(result, f"{name}.tflite", "precisions").actual == graph.precision
    size = by(result, "resnet8.tflite", "size")       # ~99 kB against 80 kB: fails, margin negative
    assert size.status == "fail" and size.margin == pytest.approx(80_000 - size.actual)
    assert size.margin_pct < 0 and size.message == "Ask the MCU team." and size.how == "file size"
    assert by(result, "sine.tflite", "precisions").status == "fail"     # float32 is not allowed
    assert by(result, "resnet8.tflite", "precisions").status == "pass"  # full int8
    assert by(result, "sine.tflite", "size").status == "pass"
    assert by(result, "sine.tflite", "size").message is None            # messages only on failure
    document = result.document
    assert document["schema"] == "edge-sdk/check" and document["passed"] is False
    (entry,) = document["checks"]
    assert entry["name"] == "tiny models" and entry["line"] == 2
    for verdict in entry["verdicts"]:
        assert {"name", "check", "model", "device", "metric", "actual", "limit", "unit", "margin", "margin_pct",
                "status", "how", "message"} <= set(verdict)
    json.dumps(document)  # serializable as is


def test_a_glob_matching_nothing_fails_and_a_missing_literal_path_is_bad_input(project):
    budget(project, '[[check]]\nname = "g"\nmodels = ["dist/*.tflite"]\nsize = "1 MB"\n')
    result = check()
    (verdict,) = result.verdicts
    assert verdict.status == "fail" and verdict.metric == "models" and not result.passed
    assert "no file matches" in verdict.sentence()
    budget(project, '[[check]]\nname = "g"\nmodels = ["build/gone.tflite"]\nsize = "1 MB"\n')
    with pytest.raises(InputError, match="gone.tflite: model not found"):
        check()


def test_paths_in_a_budget_are_relative_to_the_budget_file(project, monkeypatch):
    path = budget(project, '[[check]]\nname = "rel"\nmodels = ["build/kws.tflite"]\nsize = "1 MB"\n')
    elsewhere = project / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    result = check(budget=str(path))
    assert result.passed and result.verdicts[0].model == "build/kws.tflite"


def test_runtime_compatibility_is_checked_by_really_loading(project):
    build = project / "build"
    tflite_variants.with_op_version(build / "sine.tflite", build / "sine_v12.tflite", 12)
    tflite_variants.with_custom_op(build / "sine.tflite", build / "sine_custom.tflite", "MyFancyOp")
    budget(project, '''
[[check]]
name = "ships tflite-runtime 2.14"
models = ["build/sine.tflite", "build/sine_v12.tflite", "build/sine_custom.tflite"]
runtimes = ["tflite-runtime 2.14", "litert"]
no_custom_ops = true
''')
    result = check()
    runtime = [v for v in result.verdicts if v.metric == "runtimes"]
    old = {v.model: v for v in runtime if v.limit == "tflite-runtime 2.14"}
    new = {v.model: v for v in runtime if v.limit == "litert"}
    assert old["build/sine.tflite"].status == "pass" and "child process" in old["build/sine.tflite"].how
    assert old["build/sine_v12.tflite"].status == "fail"
    assert "FULLY_CONNECTED" in old["build/sine_v12.tflite"].actual and "12" in old["build/sine_v12.tflite"].actual
    assert new["build/sine_v12.tflite"].status == "pass"           # LiteRT 2.3 registers version 12
    assert new["build/sine_custom.tflite"].status == "fail"
    assert "MyFancyOp" in new["build/sine_custom.tflite"].actual
    custom = by(result, "sine_custom.tflite", "no_custom_ops")
    assert custom.status == "fail" and "MyFancyOp" in custom.actual


def test_runtime_version_not_installed_falls_back_to_metadata_and_says_so(project):
    budget(project, '[[check]]\nname = "old"\nmodels = ["build/kws.tflite"]\nruntimes = ["tflite-runtime 1.4"]\n')
    (verdict,) = check().verdicts
    assert "metadata only" in verdict.how and "not 1.4" in verdict.how
    assert verdict.status == "fail"   # the model needs a newer runtime than 1.4 (its min_runtime_version)


def test_accuracy_drop_comes_from_the_convert_manifest_beside_the_model(project):
    model = project / "build" / "kws.tflite"
    from edge_sdk.budgets.cache import file_sha256

    manifest = {"schema": "edge-sdk/convert", "version": 1, "output": {"sha256": file_sha256(model)},
                "validation": {"accuracy": {"source": 0.92, "artifact": 0.916, "drop": 0.004, "samples": 5000}}}
    (project / "build" / "kws.tflite.json").write_text(json.dumps(manifest))
    budget(project, '''
[[check]]
name = "strict"
models = ["build/kws.tflite", "build/sine.tflite"]
accuracy_drop = "0.5%"
[[check]]
name = "stricter"
models = ["build/kws.tflite"]
accuracy_drop = "0.1%"
''')
    result = check()
    strict, stricter = result.outcomes
    kws = [v for v in strict.verdicts if v.model.endswith("kws.tflite")][0]
    assert kws.status == "pass" and kws.actual == pytest.approx(0.004) and "kws.tflite.json" in kws.how
    assert "92.00% -> 91.60%, 5000 labelled samples" in kws.how
    sine = [v for v in strict.verdicts if v.model.endswith("sine.tflite")][0]
    assert sine.status == "missing" and "no convert manifest" in sine.how      # missing fails the gate
    assert not strict.passed and stricter.verdicts[0].status == "fail"
    manifest["output"]["sha256"] = "0" * 64                                     # a stale manifest
    (project / "build" / "kws.tflite.json").write_text(json.dumps(manifest))
    assert check().outcomes[0].verdicts[0].status == "missing"


def test_models_given_explicitly_replace_the_budget_models(project):
    budget(project, '[[check]]\nname = "b"\nmodels = ["build/*.tflite"]\nsize = "60 kB"\n')
    result = check([str(project / "build" / "kws.tflite")])
    assert [v.model for v in result.verdicts] == ["build/kws.tflite"] and result.passed


def test_baseline_matches_models_by_relative_path_then_by_unambiguous_file_name():
    from edge_sdk.budgets.baseline import Baseline

    document = {"measurements": [
        {"model": "build/a.tflite", "device": None, "values": {"size": 100, "macs": None}},
        {"model": "build/a.tflite", "device": "pixel-4", "values": {"latency_p90": 2.5}},
        {"model": "x/dup.tflite", "device": None, "values": {"size": 1}},
        {"model": "y/dup.tflite", "device": None, "values": {"size": 2}},
    ]}
    baseline = Baseline(document, Path("baseline.json"))
    assert baseline.value("build/a.tflite", None, "size") == 100
    assert baseline.value("artifacts/a.tflite", None, "size") == 100       # same file name, other folder
    assert baseline.value("build/a.tflite", "pixel-4", "latency_p90") == 2.5
    assert baseline.value("build/a.tflite", None, "macs") is None           # not measured then
    assert baseline.value("z/dup.tflite", None, "size") is None             # ambiguous name: no guess
    assert baseline.value("x/dup.tflite", None, "size") == 1
