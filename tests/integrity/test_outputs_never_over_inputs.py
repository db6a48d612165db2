"""No output of any verb may land on a file the verb reads (issue 10): one case per way it happened.

Each case runs the real command line (in process: the guard refuses before any work starts) and
checks the exit code, that the message names both paths, and that the input's bytes are unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from edge_sdk.cli import main
from edge_sdk.core.documents import envelope
from edge_sdk.core.hashing import file_sha256
from edge_sdk.core.paths import OutputPlan, document_files, same_file


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    return err


@pytest.fixture()
def model(tmp_path: Path, sine_tflite: Path) -> Path:
    path = tmp_path / "m.tflite"
    shutil.copy(sine_tflite, path)
    return path


def test_profile_html_over_the_model(capsys, model: Path) -> None:
    before = file_sha256(model)
    err = refused(capsys, "profile", str(model), "--html", str(model))
    assert f"--html {model}: would overwrite an input, the model {model}" in err
    assert file_sha256(model) == before


def test_profile_outputs_over_a_hard_link_a_symlink_or_each_other(capsys, model: Path, tmp_path: Path) -> None:
    before = file_sha256(model)
    os.link(model, tmp_path / "hard.tflite")
    (tmp_path / "soft.json").symlink_to(model)
    refused(capsys, "profile", str(model), "-o", str(tmp_path / "hard.tflite"))
    refused(capsys, "profile", str(model), "-o", str(tmp_path / "soft.json"))
    err = refused(capsys, "profile", str(model), "-o", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.json"))
    assert "are the same file" in err
    data = tmp_path / "in.npy"
    data.write_bytes(b"not used")
    err = refused(capsys, "profile", str(model), "--input-data", str(data), "--html", str(data))
    assert "--input-data file" in err and data.read_bytes() == b"not used"
    assert file_sha256(model) == before and not (tmp_path / "r.json").exists()


def test_inspect_output_over_the_model_or_a_device(capsys, model: Path) -> None:
    before = file_sha256(model)
    refused(capsys, "inspect", str(model), "-o", str(model))
    err = refused(capsys, "inspect", str(model), "-o", "/dev/null")
    assert "not a regular file" in err and Path("/dev/null").is_char_device()
    assert file_sha256(model) == before


def test_report_over_the_model_a_profile_names(capsys, model: Path, tmp_path: Path, monkeypatch) -> None:
    before = file_sha256(model)
    document = envelope("profile", {"model": {"path": model.name, "sha256": before, "size_bytes": 1},
                                    "host": None, "results": []})
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "p.json").write_text(json.dumps(document))
    # the profile names "m.tflite" relative to where it was made; the report is read from elsewhere
    monkeypatch.chdir(reports)
    err = refused(capsys, "report", "p.json", "-o", str(model))
    assert "the model m.tflite named by p.json (the same bytes" in err and str(model) in err
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, "report", "reports/p.json", "-o", "m.tflite")
    assert "file a report names" in err
    assert file_sha256(model) == before


CHECK_BUDGET = """
[[check]]
name = "fits"
models = ["build/*.tflite", "build/*.lite"]
size = "1 MB"
"""


@pytest.mark.parametrize("flag", ["-o", "--json", "--html", "--junit", "--markdown"])
def test_check_reports_over_a_manifest_or_a_globbed_model(capsys, flag: str, tmp_path: Path, sine_tflite: Path,
                                                          monkeypatch) -> None:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(sine_tflite, build / "a.tflite")
    shutil.copy(sine_tflite, build / "b.lite")  # another suffix, matched by the budget's second glob
    (build / "a.tflite.json").write_text('{"schema": "edge-sdk/convert"}')  # the manifest check reads
    (tmp_path / ".git").mkdir()
    (tmp_path / "edge-budget.toml").write_text(CHECK_BUDGET)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    sums = {p: file_sha256(p) for p in build.iterdir()}
    err = refused(capsys, "check", flag, "build/a.tflite.json")
    assert "convert manifest of build/a.tflite" in err
    if flag != "--json":  # `check --json FILE` with a model's suffix reads FILE as a model (no write)
        err = refused(capsys, "check", flag, "build/b.lite")
        assert "model of check 'fits'" in err
    assert {p: file_sha256(p) for p in build.iterdir()} == sums


def test_check_step_summary_is_an_output_too(capsys, tmp_path: Path, model: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    (tmp_path / "summary.md").write_text("")
    err = refused(capsys, "check", str(model), "--device", "pixel-4", "--markdown", "summary.md")
    assert "are the same file" in err


def test_convert_output_over_data_or_inside_a_savedmodel(capsys, tmp_path: Path, model: Path) -> None:
    saved = tmp_path / "saved"
    (saved / "variables").mkdir(parents=True)
    (saved / "saved_model.pb").write_bytes(b"\x08\x01")
    data = tmp_path / "eval.npz"
    data.write_bytes(b"PK data")
    err = refused(capsys, "convert", str(model), "-o", str(data), "--eval-data", str(data))
    assert "eval data" in err and str(data) in err
    err = refused(capsys, "convert", str(model), "-o", str(data), "--quantize", "int8", "--calibration-data", str(data))
    assert "calibration data" in err
    err = refused(capsys, "convert", str(saved), "-o", str(saved / "variables" / "m.tflite"))
    assert "inside the source model" in err and not (saved / "variables" / "m.tflite").exists()
    # the manifest (OUTPUT.json) counts too
    manifest_clash = tmp_path / "x.tflite.json"
    manifest_clash.write_bytes(b"{}")
    refused(capsys, "convert", str(model), "-o", str(tmp_path / "x.tflite"), "--eval-data", str(manifest_clash))
    assert data.read_bytes() == b"PK data" and manifest_clash.read_bytes() == b"{}"


def test_image_folder_is_an_input_directory(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    with pytest.raises(Exception, match="inside the calibration data"):
        OutputPlan().read(images, "calibration data").write("output", images / "m.tflite").check()


def test_same_file_and_document_files() -> None:
    assert same_file("/etc/../etc/hostname", "/etc/hostname")
    doc = {"budget": {"path": "/b/edge-budget.toml"}, "checks": [{"models": ["build/m.tflite"]}]}
    assert "/b/build/m.tflite" in document_files(doc)
    assert "/r/m.tflite" in document_files({"model": {"path": "x/m.tflite"}}, "/r/p.json")


def test_devices_new_never_replaces_the_profile_it_borrows_from(capsys, tmp_path: Path, monkeypatch) -> None:
    repo = Path(__file__).resolve().parents[2]
    shutil.copy(repo / "devices" / "profiles" / "pixel-7.toml", tmp_path / "pixel-7.toml")
    before = file_sha256(tmp_path / "pixel-7.toml")
    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path))
    err = refused(capsys, "devices", "new", "pixel-7", "--soc", "x", "--cores", "4x cortex-a55@1.8", "--ram", "4GiB",
                  "--like", "pixel-7", "-o", str(tmp_path), "--force")
    assert "would overwrite an input" in err and file_sha256(tmp_path / "pixel-7.toml") == before


def test_a_check_document_names_the_models_it_measured() -> None:
    doc = {"measurements": [{"path": "/w/build/m.tflite", "sha256": "ab" * 32}]}
    assert "/w/build/m.tflite" in document_files(doc)
    from edge_sdk.core.paths import document_hashes

    assert "ab" * 32 in document_hashes(doc)


def test_a_sweep_document_names_its_sweep_file_models_budget_and_cell_files() -> None:
    from edge_sdk.core.paths import document_hashes

    doc = {"config": {"path": "/s/sweep.toml", "budget": "/s/edge-budget.toml",
                      "models": [{"name": "models/m.h5", "path": "/s/models/m.h5"}]},
           "cells": [{"model": "models/m.h5", "source_sha256": "cd" * 32,
                      "documents": {"artifact": "cells/m/float32/model.tflite"}}]}
    named = document_files(doc, "/out/sweep.json")
    assert {"/s/sweep.toml", "/s/edge-budget.toml", "/s/models/m.h5", "/out/cells/m/float32/model.tflite"} <= set(named)
    assert "cd" * 32 in document_hashes(doc)  # `report sweep.json -o models/m.h5` overwrote the model (exit 0)
