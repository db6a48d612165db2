"""The HTML report: sections, charts, offline-ness, escaping, and bad input (no browser needed here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.core.atomic import atomic_write_json  # noqa: E402
from edge_sdk.core.errors import InputError, UsageError  # noqa: E402
from edge_sdk.reporting import render_html, write_html_report  # noqa: E402

CHART = re.compile(r'<figure class="figure" data-chart="([^"]+)"><svg[^>]*data-marks="(\d+)"')


def charts(html: str) -> dict[str, int]:
    return {name: int(marks) for name, marks in CHART.findall(html)}


def full_set() -> list[dict]:
    return [docs.check_doc(), docs.profile_doc(), docs.inspect_doc(),
            docs.convert_doc(None, 372_000, 0.92, 0.0, "11" * 32),
            docs.convert_doc("int8", 93_000, 0.918, 0.002, "ab" * 32),
            docs.profile_doc("models/example_float32.tflite", "11" * 32, [docs.measured_result("host", 3.0)])]


def test_every_section_and_chart_of_a_full_report_is_drawn_with_data() -> None:
    html = render_html(full_set(), analyse_models=False)
    found = charts(html)
    for name in ("device-comparison", "op-time-share", "op-macs", "size-by-op-type", "size-by-dtype",
                 "activation-memory", "variant-latency", "variant-accuracy"):
        assert found.get(name, 0) > 0, f"chart {name} missing or empty: {found}"
    distributions = {name: marks for name, marks in found.items() if name.startswith("latency-distribution-")}
    assert sorted(distributions) == ["latency-distribution-example-float32-tflite-on-host",
                                     "latency-distribution-example-int8-tflite-on-host"]  # one per measured run
    assert all(marks > 1 for marks in distributions.values())
    for heading in ("Budget verdicts", "Latency on each device", "The model", "Conversion variants", "Built from"):
        assert f"{heading}" in html
    assert "FAILED: 1 passed, 1 failed" in html
    assert "estimated share: per-op cost" in html  # the page says how the time share was obtained
    assert 'class="data sortable' in html


def test_the_page_is_self_contained() -> None:
    html = render_html(full_set(), analyse_models=False)
    assert not re.search(r'(src|href)\s*=\s*"(?!#)', html), "no external resource may be referenced"
    assert "url(" not in html and "@import" not in html
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls


def test_estimate_only_profile_says_there_is_no_distribution() -> None:
    estimate_only = docs.profile_doc(results=[docs.estimated_result("pixel-4", 9.0)])
    html = render_html([estimate_only], analyse_models=False)
    assert "device-comparison" in charts(html)
    assert not any(name.startswith("latency-distribution") for name in charts(html))
    assert "no distribution for pixel-4 (estimate): estimates have no runs" in html
    assert "no check document among the inputs" in html and "no inspect document" in html


def test_a_profile_without_results_or_a_check_without_verdicts_is_a_note_not_a_crash() -> None:
    empty_profile = docs.profile_doc(results=[])
    empty_check = {"schema": "edge-sdk/check", "version": 1, "checks": []}
    html = render_html([empty_profile, empty_check], analyse_models=False)
    assert "holds no results" in html and "holds no verdict rows" in html


def test_text_from_documents_is_escaped() -> None:
    hostile = docs.profile_doc(path="models/<svg onload=alert(1)>.tflite",
                               results=[docs.measured_result("<img src=x onerror=alert(1)>", 1.0)])
    html = render_html([hostile], analyse_models=False)
    assert "<svg onload" not in html and "<img src=x" not in html
    assert "&lt;svg onload=alert(1)&gt;.tflite" in html


def test_check_document_results_become_distributions(tmp_path: Path) -> None:
    check = docs.check_doc()
    result = docs.measured_result("host", 2.0)
    check["profiles"] = [{"model_sha256": "ab" * 32, **result}]
    check["measurements"] = [{"model": "m", "path": "models/example_int8.tflite", "sha256": "ab" * 32,
                              "device": "host", "values": {}, "how": {}}]
    html = render_html([check], analyse_models=False)
    assert charts(html).get("latency-distribution-host", 0) > 0  # one model: charts named by device
    assert "Latency on each device: example_int8.tflite" in html


@pytest.mark.parametrize("content, expected", [
    ('{"schema": "edge-sdk/profile", "version": 1, "results": [', "not valid JSON"),
    ('{"schema": "edge-sdk/profile", "version": 99, "results": []}', "report version 99"),
    ('{"schema": "something-else/1", "results": []}', "not an edge-sdk report"),
    ('[1, 2, 3]', "not an edge-sdk report"),
])
def test_bad_report_files_raise_input_errors_naming_the_file(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(InputError) as info:
        write_html_report([bad], tmp_path / "out.html")
    assert expected in str(info.value) and str(bad) in str(info.value)
    assert not (tmp_path / "out.html").exists()


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    source = atomic_write_json(tmp_path / "p.json", docs.profile_doc())
    before = source.read_bytes()
    with pytest.raises(UsageError, match="overwrite an input"):
        write_html_report([source], source)
    assert source.read_bytes() == before


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


def test_report_verb_writes_the_page_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    paths = [str(atomic_write_json(tmp_path / f"{i}.json", doc)) for i, doc in enumerate(full_set())]
    done = run_cli("report", *paths, "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")

    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(docs.profile_doc())[:300])
    done = run_cli("report", paths[0], str(truncated), "-o", str(tmp_path / "r2.html"), cwd=tmp_path)
    assert done.returncode == 2
    assert "cut.json" in done.stderr and "truncated" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r2.html").exists()

    done = run_cli("report", str(tmp_path / "absent.json"), cwd=tmp_path)
    assert done.returncode == 2 and "no such file" in done.stderr

    (tmp_path / "model.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3")
    done = run_cli("report", str(tmp_path / "model.tflite"), cwd=tmp_path)
    assert done.returncode == 2 and "a model file, not an edge-sdk JSON report" in done.stderr
    assert "edge-sdk profile" in done.stderr  # the hint says what to run instead


def test_a_directory_stands_for_its_edge_sdk_documents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for i, doc in enumerate(full_set()):
        atomic_write_json(out / f"{i}.json", doc)
    (out / "labels.json").write_text('{"classes": ["cat", "dog"]}')
    done = run_cli("report", str(out), "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stderr and "labels.json" in done.stderr
    assert len(charts((tmp_path / "r.html").read_text())) >= 9
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_cli("report", str(empty), cwd=tmp_path)
    assert done.returncode == 2 and "no edge-sdk JSON report in this directory" in done.stderr


def test_report_of_a_real_model_analysed_at_report_time(tmp_path: Path, resnet8_tflite: Path) -> None:
    """A profile that names a real .tflite (MLPerf Tiny ResNet-8): the page analyses it for the model section."""
    pytest.importorskip("edge_sdk.graph")
    profile = docs.profile_doc(path=str(resnet8_tflite), sha="not-the-real-sha",
                               results=[docs.estimated_result("pixel-4", 1.0)])
    html = render_html([profile])
    found = charts(html)
    assert found.get("op-time-share", 0) > 0 and found.get("activation-memory", 0) > 0, found
    assert "analysed from the model file at report time" in html
    assert "CONV_2D" in html


def test_a_delegated_device_op_profile_gets_its_own_chart() -> None:
    result = docs.estimated_result("pixel-4", 2.0)
    result.update(backend="adb", source="measured", ops=[{"node_type": "TfLiteXNNPackDelegate", "avg_ms": 1.9},
                                                         {"node_type": "SOFTMAX", "avg_ms": 0.1}])
    html = render_html([docs.inspect_doc(), docs.profile_doc(results=[result])], analyse_models=False)
    assert charts(html).get("measured-node-time-pixel-4", 0) == 2
    assert "per-op shares below are estimates" in html and "estimated share: per-op cost" in html


def test_model_files_are_found_beside_the_report_or_named_when_gone(tmp_path: Path, sine_tflite: Path) -> None:
    pytest.importorskip("edge_sdk.graph")
    moved = tmp_path / "ci-artifacts"
    moved.mkdir()
    (moved / "sine.tflite").write_bytes(sine_tflite.read_bytes())
    beside = atomic_write_json(moved / "profile.json", docs.profile_doc(
        path="/build/machine/out/sine.tflite", sha="x", results=[docs.estimated_result("pixel-4", 0.1)]))
    html = render_html([beside])
    assert "<h2>The model: sine.tflite" in html and charts(html).get("op-macs", 0) > 0
    gone = docs.profile_doc(path="/nowhere/gone.tflite", sha="y", results=[docs.estimated_result("pixel-4", 0.1)])
    html = render_html([gone])
    assert "not on this machine: /nowhere/gone.tflite" in html


def test_a_check_against_a_baseline_shows_the_baseline_column() -> None:
    check = docs.check_doc()
    for row in check["verdicts"]:
        row["before"] = row["actual"] * 0.9
    html = render_html([check], analyse_models=False)
    assert "<th class=num data-sort=num tabindex=0>baseline</th>" in html
    assert ">2.07 ms</td>" in html  # 0.9 x the measured 2.30 ms
    assert "baseline</th>" not in render_html([docs.check_doc()], analyse_models=False)
