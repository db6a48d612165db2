"""Per-device limits (latency, memory, energy) through the real profiler and device profiles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edge_sdk.budgets import check
from edge_sdk.core.errors import UsageError
from edge_sdk.profiling import profile

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def project(tmp_path, monkeypatch, kws_tflite, sine_tflite):
    monkeypatch.delenv("EDGE_SDK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))   # no-budget checks cache there
    (tmp_path / "build").mkdir()
    shutil.copy(kws_tflite, tmp_path / "build" / "kws.tflite")
    shutil.copy(sine_tflite, tmp_path / "build" / "sine.tflite")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


PHONES = '''
[[check]]
name = "phones"
models = ["build/kws.tflite"]
devices = ["pixel-4", "raspberry-pi-4"]
latency_p50 = "1 s"
latency_p90 = "{p90}"
peak_memory = "64 MB"
energy = "30 mJ"
arena = "1 MB"
message = "Talk to the perf team before raising this."
'''


def test_estimate_only_verdicts_equal_the_profilers_estimates(project):
    (project / "edge-budget.toml").write_text(PHONES.format(p90="20 ms"))
    result = check(estimate_only=True)
    reference = profile(str(project / "build" / "kws.tflite"), devices=["pixel-4", "raspberry-pi-4"],
                        estimate_only=True)
    expected = {r["device"]: r for r in reference["results"] if r["device"] in ("pixel-4", "raspberry-pi-4")}
    assert set(expected) == {"pixel-4", "raspberry-pi-4"}
    for verdict in result.verdicts:
        estimate = expected[verdict.device]
        if verdict.metric.startswith("latency_"):
            # estimators predict the median; without a host run an estimated tail is the median, labelled so
            quantile = verdict.metric.split("_")[1]
            assert verdict.actual == pytest.approx(estimate["latency_ms"][quantile] or estimate["latency_ms"]["p50"])
            if estimate["latency_ms"][quantile] is None:
                assert "= estimated p50 (estimate-only" in verdict.how
        elif verdict.metric == "peak_memory":
            assert verdict.actual == pytest.approx(estimate["memory"]["peak_bytes"])
        elif verdict.metric == "energy":
            assert verdict.actual == pytest.approx(estimate["energy_mj"])
        assert verdict.how.startswith("estimated for ") and "+-" in verdict.how
    devices = {v.device for v in result.verdicts}
    assert devices == {"pixel-4", "raspberry-pi-4"}
    assert any("Pixel 4" in v.how for v in result.verdicts)
    assert result.document["profiles"] and all("model_sha256" in p for p in result.document["profiles"])


def test_a_tight_latency_fails_with_margin_and_message(project):
    (project / "edge-budget.toml").write_text(PHONES.format(p90="1 us"))
    result = check(estimate_only=True)
    failed = [v for v in result.verdicts if v.status == "fail"]
    assert failed and {v.metric for v in failed} == {"latency_p90"}
    for verdict in failed:
        assert verdict.margin < 0 and verdict.message.startswith("Talk to the perf team")
        assert "exceeds the limit 1 us by" in verdict.sentence()


def test_device_measurements_are_cached_and_no_cache_measures_again(project):
    (project / "edge-budget.toml").write_text(PHONES.format(p90="20 ms"))
    first = check(estimate_only=True)
    assert first.cache.hits == 0
    second = check(estimate_only=True)
    assert second.cache.misses == 0 and second.cache.hits == 2      # one entry per device; facts are never cached
    assert [v.actual for v in second.verdicts] == [v.actual for v in first.verdicts]
    forced = check(estimate_only=True, use_cache=False)
    assert forced.cache.hits == 0


def test_no_budget_file_uses_the_device_profiles_app_constraints(project):
    from devices import load_profile

    result = check(["build/kws.tflite"], devices=["pixel-7"], estimate_only=True)
    (outcome,) = result.outcomes
    assert outcome.spec.origin == "device-defaults" and result.budget.path is None
    memory = [v for v in outcome.verdicts if v.metric == "peak_memory"][0]
    assert memory.limit == load_profile("pixel-7").app_memory_bytes and memory.status == "pass"
    runtime = [v for v in outcome.verdicts if v.metric == "runtimes"][0]
    assert runtime.status == "pass" and "child process" in runtime.how   # really loaded in the shipped runtime
    assert result.passed


def test_microcontroller_defaults_fail_a_model_larger_than_flash(project, mobilenet_v2_int8):
    shutil.copy(mobilenet_v2_int8, project / "build" / "mnv2.tflite")
    result = check(["build/mnv2.tflite"], devices=["stm32h747"], estimate_only=True)
    size = [v for v in result.verdicts if v.metric == "size"][0]
    assert size.status == "fail" and "flash" in size.limit_text and not result.passed


def test_unknown_device_is_a_usage_error_naming_close_ids(project):
    (project / "edge-budget.toml").write_text(PHONES.format(p90="20 ms").replace("pixel-4", "pixel-44"))
    with pytest.raises(UsageError) as err:
        check(estimate_only=True)
    assert "pixel-44" in str(err.value)
    result = subprocess.run([sys.executable, "-m", "edge_sdk", "check", "--estimate-only"], cwd=project,
                            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2 and "pixel-44" in result.stderr and "Traceback" not in result.stderr


def test_host_measurement_feeds_the_device_estimates(project):
    (project / "edge-budget.toml").write_text(
        '[[check]]\nname = "host"\nmodels = ["build/sine.tflite"]\ndevices = ["pixel-4"]\nlatency_p90 = "50 ms"\n')
    result = check()
    (verdict,) = result.verdicts
    assert verdict.status == "pass" and "host measurement" in verdict.how, verdict.how
    assert any(p.get("source") == "estimated" for p in result.document["profiles"])


def test_threads_reach_the_estimates_and_the_cache_key(project):
    (project / "edge-budget.toml").write_text(PHONES.format(p90="20 ms"))
    four = check(estimate_only=True)
    one = check(estimate_only=True, threads=1)
    assert one.cache.hits == 0                       # another thread count is another key (facts: never cached)
    assert {p["threads"] for p in one.document["profiles"]} == {1}
    slow = {v.device: v.actual for v in one.verdicts if v.metric == "latency_p50"}
    fast = {v.device: v.actual for v in four.verdicts if v.metric == "latency_p50"}
    assert {p["threads"] for p in four.document["profiles"]} != {1}
    assert slow != fast            # the thread count reaches the estimator (tiny models may even slow down)


def test_a_model_the_host_runtime_refuses_still_gets_device_estimates(project):
    import tflite_variants

    build = project / "build"
    tflite_variants.with_custom_op(build / "sine.tflite", build / "sine_custom.tflite", "AppLinkedOp")
    (project / "edge-budget.toml").write_text(
        '[[check]]\nname = "custom"\nmodels = ["build/sine_custom.tflite"]\ndevices = ["pixel-4"]\n'
        'latency_p50 = "50 ms"\nno_custom_ops = true\n')
    result = check()
    latency = [v for v in result.verdicts if v.metric == "latency_p50"][0]
    assert latency.status == "pass" and latency.how.startswith("estimated for Google Pixel 4 from the model graph")
    assert [v for v in result.verdicts if v.metric == "no_custom_ops"][0].status == "fail"
    assert any("not run on this host" in note and "AppLinkedOp" in note for note in result.document["notes"])


def test_a_model_with_dynamic_input_dims_is_loaded_and_estimated(project):
    import tflite_variants

    build = project / "build"
    tflite_variants.with_dynamic_input_dim(build / "kws.tflite", build / "kws_dynamic.tflite", 1)
    result = check(["build/kws_dynamic.tflite"], devices=["pixel-4"])     # no budget: the device's defaults
    runtime = [v for v in result.verdicts if v.metric == "runtimes"][0]
    assert runtime.status == "pass" and runtime.actual == "loads and runs"
    assert [v for v in result.verdicts if v.metric == "peak_memory"][0].how.startswith("estimated for Google Pixel 4")
    assert any("dynamic shape" in note for note in result.document["notes"]) and result.passed
