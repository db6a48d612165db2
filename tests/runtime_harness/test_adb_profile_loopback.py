"""profile --backend adb end to end: the real adb client and server against the loopback test device.

The loopback device STANDS IN FOR A PHONE (tests/loopback_device): it speaks the real adb wire
protocol on 127.0.0.1, runs commands in a sandbox directory and its benchmark_model runs the model
with the host's LiteRT. What is real here: adb, the push/shell/sync traffic, taskset, LiteRT, the
MLPerf Tiny model. What stands in: the phone (its props, sysfs files and battery readings).
"""

from __future__ import annotations

import pytest

from edge_sdk.profiling.adb import profile_on_adb
from edge_sdk.core.documents import document_kind
from loopback_device.pytest_fixtures import adb_client, adb_lab  # noqa: F401 - pytest fixtures
from loopback_device.sandbox import describe

FAST = {"runs": 10, "min_secs": 0}


@pytest.fixture(scope="module")
def phone(adb_lab):
    return adb_lab.add_device()


def test_measured_profile_document_with_provenance_and_push_reuse(phone, adb_client, resnet8_tflite, tmp_path):
    first = profile_on_adb(resnet8_tflite, serials=[phone.serial], client=adb_client, **FAST)
    assert document_kind(first) == "profile" and first["complete"] is True
    result = first["results"][0]
    assert result["source"] == "measured" and result["backend"] == "adb"
    assert result["device"] == "pixel-4"  # matched through devices/profiles/pixel-4.toml [adb]
    assert result["runs"] == 10
    assert 0 < result["latency_ms"]["min"] <= result["latency_ms"]["p50"] <= result["latency_ms"]["max"]
    assert result["memory"]["peak_bytes"] > 0
    prov = result["provenance"]
    assert prov["device_model"] == "Pixel 4" and prov["soc"] == "Qualcomm SM8150"
    assert prov["android_version"] == "12" and prov["abi"] == "arm64-v8a"
    assert prov["cpu_governor"] == "schedutil" and prov["thermal_status"] == 0
    assert prov["battery_temperature_c"] == 29.0
    assert prov["affinity_mask"] == "f0" and prov["command"].startswith("taskset f0 /data/local/tmp/benchmark_model")
    assert prov["benchmark_binary"]["path"] == "/data/local/tmp/benchmark_model"
    assert prov["model_push_reused"] is False
    # per-run files are gone, the model stays cached under its content hash
    assert [f for f in phone.files() if f.startswith("edge-sdk/")] == [f"edge-sdk/models/{first['model']['sha256'][:20]}.tflite"]
    second = profile_on_adb(resnet8_tflite, serials=[phone.serial], client=adb_client, **FAST)
    assert second["results"][0]["provenance"]["model_push_reused"] is True


def test_op_profile_rows_and_threads(phone, adb_client, kws_tflite):
    doc = profile_on_adb(kws_tflite, serials=[phone.serial], client=adb_client, op_profile=True, threads=2, **FAST)
    result = doc["results"][0]
    assert result["threads"] == 2 and "--num_threads=2" in result["provenance"]["command"]
    assert result["ops"] and {"CONV_2D", "DEPTHWISE_CONV_2D"} <= {op["node_type"] for op in result["ops"]}
    assert all(op["avg_ms"] >= 0 for op in result["ops"])


def test_battery_energy_measured_while_discharging(phone, adb_client, resnet8_tflite):
    doc = profile_on_adb(resnet8_tflite, serials=[phone.serial], client=adb_client, runs=10, min_secs=1.0)
    result = doc["results"][0]
    energy = result["provenance"]["energy"]
    # the test device draws 0.91 A under load and 0.24 A idle at 3.87 V: at most 2.6 W above idle
    # (less when samples fall in the model-loading phase, still at idle current)
    assert result["energy_source"] == "measured" and energy["samples"] >= 3
    assert 0.3 < energy["run_power_w"] - energy["idle_power_w"] < 2.7
    assert result["energy_mj"] == pytest.approx((energy["run_power_w"] - energy["idle_power_w"]) * result["latency_ms"]["p50"], rel=1e-3)


def test_energy_not_measured_while_charging(adb_lab, adb_client, resnet8_tflite):
    charging = adb_lab.add_device(describe(battery={**describe()["battery"], "usb_powered": True}))
    try:
        result = profile_on_adb(resnet8_tflite, serials=[charging.serial], client=adb_client, **FAST)["results"][0]
        assert result["energy_mj"] is None
        assert any("charging" in note and "adb tcpip" in note for note in result["notes"])
    finally:
        adb_lab.remove_device(charging)


def test_two_serials_run_in_parallel_one_result_each(phone, adb_lab, adb_client, resnet8_tflite):
    other = adb_lab.add_device(describe(props={"ro.product.model": "Pixel 7", "ro.product.device": "panther",
                                               "ro.product.name": "panther", "ro.soc.model": "GS201",
                                               "ro.board.platform": "gs201"}))
    try:
        doc = profile_on_adb(resnet8_tflite, serials=[phone.serial, other.serial], client=adb_client, **FAST)
        measured = [r for r in doc["results"] if r["source"] == "measured"]
        assert [r["provenance"]["serial"] for r in measured] == [phone.serial, other.serial]
        assert [r["device"] for r in measured] == ["pixel-4", "pixel-7"]
        assert measured[1]["provenance"]["device_model"] == "Pixel 7"
    finally:
        adb_lab.remove_device(other)


def test_unknown_phone_is_pinned_to_its_big_cores_read_from_cpufreq(adb_lab, adb_client, kws_tflite):
    # No profile describes this phone: the big cores come from its /proc/cpuinfo and cpufreq
    # (the test device reports a Snapdragon-855-like 4 + 3 + 1 layout).
    unknown = adb_lab.add_device(describe(props={"ro.product.model": "Nokia X20", "ro.product.device": "Nokia_X20",
                                                 "ro.product.name": "nokia_x20", "ro.soc.model": "SM4350"}))
    try:
        result = profile_on_adb(kws_tflite, serials=[unknown.serial], client=adb_client, delegate="xnnpack", **FAST)["results"]
        measured = result[0]
        assert len(result) == 1 and measured["device"] == f"adb:{unknown.serial}"
        prov = measured["provenance"]
        assert prov["affinity_source"] == "cpufreq" and prov["affinity_mask"] == "f0" and measured["threads"] == 4
        assert "--use_xnnpack=true" in prov["command"]
        assert any("edge-sdk calibrate" in note for note in measured["notes"])
    finally:
        adb_lab.remove_device(unknown)


def test_phone_without_shell_v2_still_reports_exit_codes(adb_lab, adb_client, kws_tflite):
    # Before Android 7 there is no shell_v2: adb runs the legacy raw shell service, which carries
    # no exit code and merges stderr into stdout; the client's exit marker still works.
    old = adb_lab.add_device(describe(features=["cmd"], props={"ro.build.version.release": "6.0.1",
                                                                "ro.build.version.sdk": "23"}))
    try:
        assert adb_client.shell(old.serial, "echo out; echo err >&2; exit 3").exit_code == 3
        result = profile_on_adb(kws_tflite, serials=[old.serial], client=adb_client, **FAST)["results"][0]
        assert result["source"] == "measured" and result["provenance"]["android_version"] == "6.0.1"
    finally:
        adb_lab.remove_device(old)


def test_model_cache_on_the_device_keeps_only_the_newest(phone, adb_client, tmp_path):
    import numpy as np

    from edge_sdk.graph.synth import Tensor, single_op
    from runtime_harness.adb.runner import MODEL_CACHE_SIZE

    for index in range(MODEL_CACHE_SIZE + 1):  # distinct weights: distinct hashes, each pushed once
        model = tmp_path / f"fc{index}.tflite"
        weights = np.full((4, 8), index, np.float32)
        model.write_bytes(single_op("FULLY_CONNECTED", [Tensor([1, 8]), Tensor([4, 8], data=weights)], [Tensor([1, 4])]))
        profile_on_adb(model, serials=[phone.serial], client=adb_client, runs=2, min_secs=0)
    cached = [f for f in phone.files() if f.startswith("edge-sdk/models/")]
    assert len(cached) == MODEL_CACHE_SIZE
    assert not any(f.startswith("edge-sdk/run-") for f in phone.files())


def test_a_phone_that_heats_up_during_the_run_is_flagged(phone, adb_client, kws_tflite):
    phone.set_faults({"heat_to": 2})
    try:
        result = profile_on_adb(kws_tflite, serials=[phone.serial], client=adb_client, **FAST)["results"][0]
    finally:
        phone.set_faults({})
        (phone.sandbox / ".loopback" / "thermal_status").unlink(missing_ok=True)
    assert result["provenance"]["thermal_status"] == 0 and result["provenance"]["thermal_status_after"] == 2
    assert any("heated up during the run (thermal status 0 -> 2)" in note for note in result["notes"])
