"""`check` on estimates: a limit inside the estimate's error band is `uncertain`, in every output format.

The estimate and its band come from the real estimator on a real MLPerf Tiny model; the limits are
placed relative to that estimate (inside the band, far above it), so the test checks the gate's
logic rather than a hard-coded latency.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from devices import load_profile
from edge_sdk.budgets.verdicts import numeric_verdict
from edge_sdk.core.hashing import file_sha256
from edge_sdk.graph import analyze
from runtime_harness.estimator import estimate

REPO = Path(__file__).resolve().parents[2]
DEVICE = "raspberry-pi-5"  # no published points of its own: the widest band


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "EDGE_SDK_CACHE_DIR")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "edge_sdk", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env=env, check=False)


@pytest.fixture(scope="module")
def estimated(kws_tflite) -> dict:
    return estimate(analyze(kws_tflite), load_profile(DEVICE))


def _project(tmp_path: Path, kws_tflite: Path, p50: float, on_uncertain: str | None) -> Path:
    (tmp_path / "build").mkdir()
    shutil.copy(kws_tflite, tmp_path / "build" / "kws.tflite")
    (tmp_path / ".git").mkdir()
    setting = f'on_uncertain = "{on_uncertain}"\n' if on_uncertain else ""
    (tmp_path / "edge-budget.toml").write_text(f'''
[[check]]
name = "kws on a Pi 5"
models = ["build/kws.tflite"]
devices = ["{DEVICE}"]
latency_p50 = "{p50 * 1.05:.4f} ms"
peak_memory = "1 GB"
{setting}''')
    return tmp_path


def test_a_limit_inside_the_band_is_uncertain_in_every_format(tmp_path, kws_tflite, estimated):
    p50, band = estimated["latency_ms"]["p50"], estimated["error_band_pct"]
    assert band >= 10  # a device without points never claims a narrow band
    project = _project(tmp_path, kws_tflite, p50, None)
    before = file_sha256(project / "build" / "kws.tflite")
    result = _run(project, "--estimate-only", "-o", "out/r.json", "--junit", "out/j.xml", "--markdown",
                  "out/pr.md", "--html", "out/r.html", "--github")
    assert result.returncode == 0, result.stderr  # default on_uncertain = "warn": the gate passes
    assert file_sha256(project / "build" / "kws.tflite") == before
    out = result.stdout
    assert "UNCERTAIN" in out and "1 limit UNCERTAIN" in out and "PASSED" in out
    assert f"+-{band:g}%" in out
    assert "::warning " in out and "::error" not in out  # GitHub annotation
    document = json.loads((project / "out" / "r.json").read_text())
    verdicts = {v["metric"]: v for c in document["checks"] for v in c["verdicts"]}
    latency = verdicts["latency_p50"]
    assert latency["status"] == "uncertain" and latency["on_uncertain"] == "warn"
    assert latency["error_band_pct"] == band and latency["band"][0] < latency["limit"] < latency["band"][1]
    assert any(n.startswith("UNCERTAIN") for n in latency["notes"])
    assert verdicts["peak_memory"]["status"] == "pass"  # far from its limit: the band does not matter
    assert document["summary"]["uncertain"] == 1 and document["passed"] is True
    row = next(m for m in document["measurements"] if m["device"] == DEVICE)
    assert row["error_band_pct"]["latency_p50"] == band  # the baseline carries the band
    junit = ET.parse(project / "out" / "j.xml").getroot()
    assert junit.get("failures") == "0"
    case = next(c for c in junit.iter("testcase") if "latency_p50" in c.get("name"))
    assert case.find("system-err").text.startswith("UNCERTAIN")
    assert case.find("properties/property").get("value") == "uncertain"
    markdown = (project / "out" / "pr.md").read_text()
    assert "❔ uncertain" in markdown and "1 uncertain" in markdown
    html = (project / "out" / "r.html").read_text()
    assert "UNCERTAIN:" in html and "1 uncertain" in html
    again = _run(project, "--estimate-only", "--json", "out/again.json")  # served from the cache
    assert again.returncode == 0 and "cached" in again.stdout
    cached = json.loads((project / "out" / "again.json").read_text())
    latency_again = next(v for c in cached["checks"] for v in c["verdicts"] if v["metric"] == "latency_p50")
    assert latency_again["status"] == "uncertain" and latency_again["band"] == latency["band"]


def test_on_uncertain_fail_blocks_the_gate(tmp_path, kws_tflite, estimated):
    project = _project(tmp_path, kws_tflite, estimated["latency_ms"]["p50"], "fail")
    result = _run(project, "--estimate-only", "--junit", "out/j.xml", "--github")
    assert result.returncode == 1, result.stderr
    assert "FAILED" in result.stdout and "::error " in result.stdout
    assert "FAILED: 1 of 1 check (1 of 2 limits)" in result.stdout  # was "(0 of 2 limits)": the uncertain one fails
    junit = ET.parse(project / "out" / "j.xml").getroot()
    assert junit.get("failures") == "1"
    assert next(junit.iter("failure")).get("type") == "EstimateUncertain"


def test_on_uncertain_pass_and_bad_values(tmp_path, kws_tflite, estimated):
    project = _project(tmp_path, kws_tflite, estimated["latency_ms"]["p50"], "pass")
    result = _run(project, "--estimate-only", "--hide-passed")
    assert result.returncode == 0 and "uncertain" in result.stdout.lower()
    (project / "edge-budget.toml").write_text(
        (project / "edge-budget.toml").read_text().replace('"pass"', '"maybe"'))
    bad = _run(project, "--estimate-only")
    assert bad.returncode == 2 and "on_uncertain" in bad.stderr and "edge-budget.toml:" in bad.stderr


def test_measured_values_are_never_uncertain_and_far_limits_are_decided():
    measured = numeric_verdict(check="c", model="m", device="d", metric="latency_p50", actual=10.0, limit=10.5,
                               how="measured", message=None, error_band_pct=None)
    assert measured.status == "pass" and measured.band is None
    inside = numeric_verdict(check="c", model="m", device="d", metric="latency_p50", actual=10.0, limit=9.0,
                             how="estimated", message=None, error_band_pct=20.0)
    assert inside.status == "uncertain" and not inside.failed and inside.flagged
    far = numeric_verdict(check="c", model="m", device="d", metric="latency_p50", actual=10.0, limit=5.0,
                          how="estimated", message=None, error_band_pct=20.0)
    assert far.status == "fail" and far.band == pytest.approx([10 / 1.2, 12.0])
    strict = numeric_verdict(check="c", model="m", device="d", metric="latency_p50", actual=10.0, limit=11.0,
                             how="estimated", message=None, error_band_pct=20.0, on_uncertain="fail")
    assert strict.status == "uncertain" and strict.failed


def test_a_baseline_carries_the_band_and_decides_what_a_regression_limit_can_tell():
    from pathlib import Path as _Path

    from edge_sdk.budgets.baseline import Baseline
    from edge_sdk.budgets.evaluate import _regression_band

    document = {"measurements": [
        {"model": "m.tflite", "device": "pixel-4", "values": {"latency_p50": 10.0}, "error_band_pct": {"latency_p50": 15.2}},
        {"model": "m.tflite", "device": "host", "values": {"latency_p50": 3.0}},
    ]}
    baseline = Baseline(document, _Path("old.json"))
    assert baseline.band("m.tflite", "pixel-4", "latency_p50") == 15.2
    assert baseline.band("m.tflite", "host", "latency_p50") is None
    # estimate vs estimated baseline: one estimator's systematic error cancels in the ratio
    assert _regression_band(15.2, baseline, "m.tflite", "pixel-4", "latency_p50") is None
    # estimate vs measured baseline, or measured now vs estimated before: the estimate's band applies
    assert _regression_band(20.0, baseline, "m.tflite", "host", "latency_p50") == 20.0
    assert _regression_band(None, baseline, "m.tflite", "pixel-4", "latency_p50") == 15.2
    assert _regression_band(None, baseline, "m.tflite", "host", "latency_p50") is None
