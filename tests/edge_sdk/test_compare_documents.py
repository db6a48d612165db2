"""`edge-sdk compare`: every number before/after, matched by identity, with deltas (edge_sdk.reporting.compare)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.core.atomic import atomic_write_json  # noqa: E402
from edge_sdk.core.errors import InputError, UsageError  # noqa: E402
from edge_sdk.reporting import compare  # noqa: E402
from edge_sdk.reporting.compare import flatten  # noqa: E402


def rows_by_key(comparison) -> dict:
    return {row.key: row for row in comparison.rows}


def test_results_are_matched_by_device_not_by_position() -> None:
    before = docs.profile_doc(results=[docs.estimated_result("pixel-4", 10.0), docs.estimated_result("rpi-4", 40.0)])
    after = docs.profile_doc(results=[docs.estimated_result("rpi-4", 30.0), docs.estimated_result("pixel-4", 11.0)])
    rows = rows_by_key(compare(before, after))
    pixel = rows["results[pixel-4/estimate].latency_ms.p50"]
    assert (pixel.before, pixel.after, pixel.delta) == (10.0, 11.0, 1.0)
    assert pixel.delta_pct == pytest.approx(10.0) and pixel.verdict == "worse"
    rpi = rows["results[rpi-4/estimate].latency_ms.p50"]
    assert rpi.delta_pct == pytest.approx(-25.0) and rpi.verdict == "better"


def test_samples_are_reduced_to_their_count_and_ops_summed_per_type() -> None:
    flat = flatten(docs.profile_doc())
    assert flat["results[host].samples_ms.count"] == 200.0
    assert not any("samples_ms[" in key for key in flat)
    inspect = flatten(docs.inspect_doc())
    assert inspect["ops[CONV_2D].count"] == 2.0 and inspect["ops[CONV_2D].macs"] == 110_592 + 552_960
    assert "schema" not in inspect and "created" not in inspect and "sha256" not in inspect


def test_conversion_manifests_compare_size_accuracy_and_settings() -> None:
    f32 = docs.convert_doc(None, 400_000, 0.92, 0.0, "11" * 32)
    int8 = docs.convert_doc("int8", 100_000, 0.91, 0.01, "22" * 32)
    comparison = compare(f32, int8)
    rows = rows_by_key(comparison)
    size = rows["output.size_bytes"]
    assert size.delta == -300_000 and size.delta_pct == pytest.approx(-75.0) and size.verdict == "better"
    assert rows["validation.accuracy.artifact"].verdict == "worse"
    assert rows["validation.accuracy.drop"].verdict == "worse" and rows["validation.accuracy.drop"].delta_pct is None
    assert (rows["quantize"].before, rows["quantize"].after) == ("none", "int8")
    text = comparison.to_text()
    assert "output.size_bytes" in text and "-75.0%" in text and "400.00 kB" in text


def test_verdict_status_changes_are_listed_and_markdown_is_a_table() -> None:
    before = docs.check_doc(status="pass")
    after = docs.check_doc(status="fail")
    comparison = compare(before, after, markdown=True)
    status = [r for r in comparison.rows if r.key.endswith(".status")]
    assert [(r.before, r.after) for r in status] == [("pass", "fail")]
    markdown = str(comparison)
    lines = markdown.splitlines()
    assert lines[0].startswith("### edge-sdk compare")
    table = [line for line in lines if line.startswith("|")]
    assert table[1] == "|---|---:|---:|---:|---:|---|"
    assert all(line.count("|") - line.count("\\|") == 7 for line in table)
    changed_only = comparison.to_markdown(changed_only=True)
    assert "`verdicts[host/latency_p90/example_int8.tflite].status`" in changed_only
    assert "verdicts[size/example_int8.tflite]" not in changed_only
    limit = rows_by_key(comparison)["verdicts[host/latency_p90/example_int8.tflite].limit"]
    assert limit.unit == "ms" and limit.cells()[1] == "2.10 ms"  # the unit the verdict states beside it


def test_documents_of_different_kinds_or_versions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="same kind"):
        compare(docs.profile_doc(), docs.inspect_doc())
    old = docs.profile_doc()
    old["version"] = 0
    with pytest.raises(InputError, match="report version 0"):
        compare(old, docs.profile_doc())


def test_compare_verb_text_markdown_json_and_exit_codes(tmp_path: Path) -> None:
    a = atomic_write_json(tmp_path / "a.json", docs.profile_doc(results=[docs.estimated_result("pixel-4", 10.0)]))
    b = atomic_write_json(tmp_path / "b.json", docs.profile_doc(results=[docs.estimated_result("pixel-4", 8.0)]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "edge_sdk", "compare", *args], capture_output=True, text=True,
                              timeout=60)

    text = run(str(a), str(b))
    assert text.returncode == 0 and "-20.0%" in text.stdout and "better" in text.stdout
    assert run(str(a), str(b), "--markdown").stdout.startswith("### edge-sdk compare")
    rows = json.loads(run(str(a), str(b), "--json").stdout)["rows"]
    p50 = next(r for r in rows if r["key"] == "results[pixel-4/estimate].latency_ms.p50")
    assert p50["delta"] == pytest.approx(-2.0) and p50["verdict"] == "better"
    inspect = atomic_write_json(tmp_path / "i.json", docs.inspect_doc())
    mismatch = run(str(a), str(inspect))
    assert mismatch.returncode == 2 and "same kind" in mismatch.stderr and "Traceback" not in mismatch.stderr
    (tmp_path / "cut.json").write_text(a.read_text()[:50])
    cut = run(str(a), str(tmp_path / "cut.json"))
    assert cut.returncode == 2 and "cut.json" in cut.stderr and "truncated" in cut.stderr


def test_long_markdown_puts_the_headline_first_and_folds_the_rest() -> None:
    before = docs.profile_doc()
    after = docs.profile_doc(results=[docs.measured_result("host", 1.5, seed=8), docs.estimated_result("pixel-4", 1.0),
                                      docs.estimated_result("stm32h747", 150.0, band=25.0)])
    markdown = compare(before, after).to_markdown()
    head, folded = markdown.split("<details>", 1)
    assert "`results[host].latency_ms.p50`" in head and "`results[host].latency_ms.mean`" not in head
    assert "`results[host].latency_ms.mean`" in folded and folded.rstrip().endswith("</details>")
    short = compare(docs.convert_doc("int8", 1, 0.9, 0.0, "1"), docs.convert_doc("int8", 2, 0.9, 0.0, "2")).to_markdown()
    assert "<details>" not in short


def test_parity_metrics_have_a_direction_and_huge_relative_changes_read_as_ratios() -> None:
    before = docs.convert_doc(None, 400_000, 0.92, 0.0, "11" * 32)
    after = docs.convert_doc("int8", 100_000, 0.92, 0.0, "22" * 32)
    before["validation"]["outputs"] = [{"name": "y", "max_abs_error": 4e-8, "sqnr_db": 140.0, "top1_agreement": 1.0}]
    after["validation"]["outputs"] = [{"name": "y", "max_abs_error": 2.4e-3, "sqnr_db": 39.0, "top1_agreement": 0.9}]
    rows = rows_by_key(compare(before, after))
    error = rows["validation.outputs[y].max_abs_error"]
    assert error.verdict == "worse" and error.cells()[4] == "x6e+04"
    assert rows["validation.outputs[y].sqnr_db"].verdict == "worse"
    assert rows["validation.outputs[y].top1_agreement"].verdict == "worse"


def test_the_terminal_table_fits_100_columns_and_keeps_the_device_in_each_key() -> None:
    def with_check(result: dict, text: str) -> dict:
        result["provenance"]["host_checks"] = {"memory_budget": text}
        return result

    before = docs.profile_doc(results=[with_check(docs.estimated_result(d, 10.0), "within: measured 4.06 MB on the "
                                                  "host, budget 536.87 MB") for d in ("pixel-4", "raspberry-pi-4")])
    after = docs.profile_doc(results=[with_check(docs.estimated_result(d, 8.0), "within: measured 4.11 MB on the "
                                                 "host, budget 536.87 MB") for d in ("pixel-4", "raspberry-pi-4")])
    comparison = compare(before, after)
    text = comparison.to_text()
    assert max(len(line) for line in text.splitlines()) <= 100, text
    p50 = [line for line in text.splitlines() if line.startswith("results[") and "_ms.p50" in line]
    assert len(p50) == 2 and "results[pixel-4" in p50[0] and "results[raspber" in p50[1], text  # was "result..._ms.p50" twice
    assert rows_by_key(comparison)["results[pixel-4/estimate].provenance.host_checks.memory_budget"].before \
        == "within: measured 4.06 MB on the host, budget 536.87 MB"   # the document keeps the whole value
