"""profile --op-profile: per-op time measured on the host, estimated per device, read from a phone,
lined up op by op (edge_sdk.profiling.ops).

The adb test runs against the loopback test device, which STANDS IN FOR A PHONE: its
benchmark_model prints the real tool's op-profiling table (the Run Order rows) for a model it runs
with the host's LiteRT (tests/loopback_device).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge_sdk.cli import main
from edge_sdk.profiling.ops import join, result_label
from model_scripts import STREAMING_MODEL
from loopback_device.pytest_fixtures import adb_client, adb_lab  # noqa: F401 - pytest fixtures


def _profile(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["profile", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_host_and_estimates_carry_per_op_rows_side_by_side(kws_tflite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _profile([str(kws_tflite), "--device", "pixel-7", "--device", "raspberry-pi-4", "--op-profile",
                    "--runs", "20"], capsys)
    host, pixel, pi = doc["results"]
    n_ops = len(host["ops"])
    assert n_ops == 15 and all(r["ms"] is not None and r["ms"] >= 0 for r in host["ops"])
    assert {r["layer"] for r in host["ops"]} >= {"conv2d", "depthwise_conv2d", "dense"}
    summary = host["op_profile"]
    assert summary["source"] == "measured" and summary["ops_timed"] == n_ops
    assert summary["whole_ms"] == host["latency_ms"]["p50"] and summary["sum_over_whole"] > 0
    for estimate in (pixel, pi):
        assert len(estimate["ops"]) == n_ops
        assert sum(r["ms"] for r in estimate["ops"]) == pytest.approx(estimate["latency_ms"]["p50"], rel=1e-3)
        assert estimate["op_profile"]["source"] == "estimated"
    table = join(doc["results"])
    assert len(table) == n_ops and all({"host", "pixel-7 (estimated)", "raspberry-pi-4 (estimated)"} <= set(row)
                                       for row in table)


def test_terminal_shows_the_costliest_ops_and_the_method_error(kws_tflite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", str(kws_tflite), "--device", "pixel-7", "--op-profile", "--runs", "20"]) == 0
    out = capsys.readouterr().out
    assert "ops by host time (top 12 of 15)" in out
    assert "pixel-7 (estimated)" in out and "of the whole-model median" in out


def test_estimates_alone_carry_their_breakdown_without_running_anything(kws_tflite: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    doc = _profile([str(kws_tflite), "--device", "stm32h747", "--estimate-only"], capsys)
    [mcu] = doc["results"]
    assert mcu["ops"] and all(r["delegated"] is None for r in mcu["ops"])  # no delegate on an MCU


def test_phone_op_profile_joins_the_estimate_op_by_op(adb_lab, adb_client, kws_tflite: Path) -> None:
    from edge_sdk.profiling.adb import profile_on_adb

    phone = adb_lab.add_device()
    try:
        doc = profile_on_adb(kws_tflite, serials=[phone.serial], client=adb_client, op_profile=True,
                             runs=10, min_secs=0)
    finally:
        adb_lab.remove_device(phone)
    measured, estimated = doc["results"]
    assert result_label(measured) == "pixel-4 (adb)" and result_label(estimated) == "pixel-4 (estimated)"
    assert all({"node_type", "avg_ms", "index", "ms"} <= set(row) for row in measured["ops"])
    table = {row["index"]: row for row in join(doc["results"])}
    conv = [row for row in table.values() if row["type"] == "CONV_2D"]
    assert conv and all(row.get("pixel-4 (adb)") is not None and row.get("pixel-4 (estimated)") for row in conv)
    assert conv[0]["layer"] == "conv2d"




@pytest.mark.slow
def test_ops_that_cannot_run_alone_get_a_note_and_the_rest_a_time(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A real stateful model (resource variables, a WHILE loop): those ops are noted, not a failure."""
    path = tmp_path / "streaming.tflite"
    subprocess.run([sys.executable, "-c", STREAMING_MODEL, str(path)], check=True, capture_output=True, timeout=300)
    doc = _profile([str(path), "--op-profile", "--runs", "10"], capsys)
    [host] = doc["results"]
    noted = [r for r in host["ops"] if r["ms"] is None]
    assert noted and all("not timed" in r["note"] for r in noted)
    assert {r["type"] for r in noted} & {"WHILE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"}
    assert any(r["ms"] is not None for r in host["ops"])
    assert host["op_profile"]["notes"][0].startswith(f"{len(noted)} op(s) could not run alone")


def test_report_draws_the_per_op_section(kws_tflite: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert main(["profile", str(kws_tflite), "--device", "pixel-7", "--op-profile", "--runs", "20",
                 "-o", str(tmp_path / "p.json"), "--html", str(report)]) == 0
    html = report.read_text()
    assert "Where the time goes, op by op" in html
    for chart in ("op-type-time-host", "layer-time-host", "op-type-time-pixel-7 (estimated)"):
        assert f'data-chart="{chart}"' in html
    assert "XNNPACK" in html and "CPU kernels" in html  # KWS: AVERAGE_POOL_2D and SOFTMAX stay on the CPU


def test_compare_lines_two_artifacts_up_layer_by_layer() -> None:
    """float32 vs int8 of the same real CNN: op indexes differ (QUANTIZE is added), layer names do not."""
    import assets

    from edge_sdk.profiling import profile
    from edge_sdk.reporting import compare

    before, after = (profile(str(assets.mltk_model("rock_paper_scissors", suffix)), devices=["pixel-7"],
                             estimate_only=True) for suffix in (".float32.tflite", ".tflite"))
    rows = {row.key: row for row in compare(before, after).rows if ".ops.layer[" in row.key}
    conv = rows["results[pixel-7/estimate].ops.layer[CONV_2D conv2d_1].ms"]
    assert conv.before and conv.after and conv.unit == "ms" and conv.verdict in ("better", "worse")
    assert rows["results[pixel-7/estimate].ops.layer[QUANTIZE tfl.quantize].ms"].before is None
    by_type = compare(before, after).rows
    assert any(row.key == "results[pixel-7/estimate].ops[CONV_2D].ms" and row.delta for row in by_type)


def test_an_op_that_crashes_alone_costs_a_note_not_the_table(kws_tflite: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """EDGE_SDK_OP_FAULT stands in for a kernel that segfaults when run alone (op #4 here)."""
    monkeypatch.setenv("EDGE_SDK_OP_FAULT", "4:segv")
    doc = _profile([str(kws_tflite), "--op-profile", "--runs", "10"], capsys)
    rows = {r["index"]: r for r in doc["results"][0]["ops"]}
    assert rows[4]["ms"] is None and "crashed the runtime when run alone (SIGSEGV)" in rows[4]["note"]
    assert all(rows[i]["ms"] is not None for i in rows if i != 4)
