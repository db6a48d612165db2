"""The output writers escape what their formats need, on a real check of a real model."""

from __future__ import annotations

import shutil
from xml.etree import ElementTree as ET

import pytest

from edge_sdk.budgets import check
from edge_sdk.budgets.writers import github_annotations, junit_xml, markdown_summary, terminal_report


@pytest.fixture()
def failed(tmp_path, monkeypatch, kws_tflite):
    monkeypatch.delenv("EDGE_SDK_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    shutil.copy(kws_tflite, tmp_path / "kws.tflite")
    (tmp_path / "edge-budget.toml").write_text(
        '[[check]]\nname = "a|b, 100% <odd> name"\nmodels = ["kws.tflite"]\n'
        'size = "10 kB"\nparams = "1 M"\nmessage = "line one\\nline two: call 50% of the team'
        + " before raising this limit; the model ships to every phone we support, so" * 2 + '"\n')
    return check()


def test_github_annotations_escape_data_and_properties(failed):
    (line,) = github_annotations(failed).splitlines()
    head, _, message = line.partition("::")[2].partition("::")
    assert head.startswith("error file=edge-budget.toml,line=4,")
    assert "title=edge-sdk check%3A a|b%2C 100%25 <odd> name" in head
    assert "\n" not in message and "line one%0Aline two" in message and "50%25" in message


def test_markdown_escapes_pipes_and_lists_failures_first(failed):
    text = markdown_summary(failed)
    assert text.startswith("### ❌ edge-sdk check: 1 of 1 checks failed")
    failures = text.split("<details>")[0]
    assert "a\\|b, 100% &lt;odd&gt; name" in failures and "size" in failures and "params" not in failures
    assert "<odd>" not in text  # names from the budget are text, never HTML
    assert "<details><summary>1 limit passed</summary>" in text


def test_junit_is_valid_xml_with_one_failure_and_one_pass(failed):
    root = ET.fromstring(junit_xml(failed).split("\n", 1)[1])
    cases = root.findall(".//testcase")
    assert len(cases) == 2 and root.get("failures") == "1"
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None


def test_terminal_table_hides_passed_rows_and_names_the_file(failed):
    full = terminal_report(failed)
    short = terminal_report(failed, hide_passed=True)
    assert "params" in full and "params" not in short
    assert "  -> line one\n     line two" in full  # the message's own line breaks, under the table
    wrapped = [line for line in full.splitlines() if "edge-budget.toml" not in line]  # a path is never cut
    assert max(len(line) for line in wrapped) <= 100, full  # a long message wraps at 100 columns
    assert short.rstrip().endswith("to change a limit.") and "edge-budget.toml" in short.splitlines()[-1]


def test_every_model_is_named_whole_above_its_own_table(tmp_path, monkeypatch, kws_tflite):
    monkeypatch.delenv("EDGE_SDK_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    build = tmp_path / "a-rather-long-build-output-folder"
    build.mkdir()
    for name in ("example_float32.tflite", "example_int8.tflite"):
        shutil.copy(kws_tflite, build / name)
    (tmp_path / "edge-budget.toml").write_text(
        '[[check]]\nname = "two models"\nmodels = ["a-rather-long-build-output-folder/*.tflite"]\n'
        'size = "10 kB"\nruntimes = ["tflite-runtime 2.14"]\n')
    text = terminal_report(check())
    for name in ("example_float32.tflite", "example_int8.tflite"):   # was one shortened column: "a-ra....tflite"
        assert f"  model: a-rather-long-build-output-folder/{name}\n" in text, text
    assert max(len(line) for line in text.splitlines() if "edge-budget.toml" not in line) <= 100, text
