"""`estimate(graph, profile)` on real models: the ProfileResult contract and the physics it must obey."""

from __future__ import annotations

import dataclasses

import pytest

from devices import load_profile
from edge_sdk.graph import analyze
from runtime_harness.estimator import estimate, estimate_features
from runtime_harness.estimator.features import extract_features, reference_features


@pytest.fixture(scope="module")
def resnet8_graph(resnet8_tflite):
    return analyze(resnet8_tflite)


def test_result_follows_the_profile_result_contract(resnet8_graph):
    result = estimate(resnet8_graph, load_profile("nucleo-u575zi-q"))
    assert result["device"] == "nucleo-u575zi-q" and result["source"] == "estimated"
    assert result["backend"] == "estimate" and result["threads"] == 1 and result["samples_ms"] == []
    assert result["latency_ms"]["p50"] > 0 and result["latency_ms"]["low"] < result["latency_ms"]["p50"]
    assert result["error_band_pct"] > 0
    assert result["memory"]["arena_bytes"] == resnet8_graph.peak_activation_bytes
    assert result["memory"]["peak_bytes"] > result["memory"]["arena_bytes"]
    assert result["size_bytes"] == resnet8_graph.size_bytes
    assert result["energy_source"] == "estimated"
    power = result["provenance"]["energy"]["power_mw"]
    assert result["energy_mj"] == pytest.approx(power * result["latency_ms"]["p50"] / 1000, rel=1e-3)
    assert result["provenance"]["calibration"]["device_points"] == len(load_profile("nucleo-u575zi-q").calibration)


def test_published_mlperf_tiny_point_is_reproduced_within_the_band(resnet8_graph):
    """ResNet-8 on the NUCLEO-U575ZI-Q: 139.7 ms published (MLPerf Tiny v1.0, X-CUBE-AI 7.3.0, the
    runtime generation the profile declares); the estimate and its band."""
    result = estimate(resnet8_graph, load_profile("nucleo-u575zi-q"))
    p50, band = result["latency_ms"]["p50"], result["error_band_pct"]
    assert 139.7 / (1 + band / 100) <= p50 <= 139.7 * (1 + band / 100), (p50, band)


def test_mcu_flash_and_ram_limits_become_budget_notes(mobilenet_v2_int8):
    graph = analyze(mobilenet_v2_int8)  # 3.9 MB of int8 weights: cannot fit a 1 MB-flash board
    result = estimate(graph, load_profile("arduino-nano-33-ble-sense"))
    notes = " ".join(result["notes"])
    assert "flash" in notes and "exceeds" in notes and "1.05 MB" in notes
    assert "ram:" in notes
    assert result["memory"]["flash_bytes"] > result["memory"]["flash_limit_bytes"]


def test_threads_precision_and_device_speed_move_the_estimate_the_right_way():
    features = reference_features()
    pixel4 = load_profile("pixel-4")
    float_model, int8_model = features["mobilenet_v2_1.0_224:float32"], features["mobilenet_v2_1.0_224:int8"]
    one = estimate_features(float_model, pixel4, threads=1)["latency_ms"]["p50"]
    four = estimate_features(float_model, pixel4, threads=4)["latency_ms"]["p50"]
    assert four < one / 1.8
    assert estimate_features(int8_model, pixel4, threads=4)["latency_ms"]["p50"] < four
    slow = estimate_features(float_model, load_profile("galaxy-a03s"), threads=4)["latency_ms"]["p50"]
    fast = estimate_features(float_model, load_profile("galaxy-s24"), threads=4)["latency_ms"]["p50"]
    assert slow > 2 * fast
    capped = estimate_features(float_model, load_profile("raspberry-pi-4"), threads=16)
    assert capped["threads"] == 4 and any("4 cores" in n for n in capped["notes"])


def test_fp16_weights_are_dequantized_in_memory_and_oversized_models_are_flagged():
    big = reference_features()["inception_resnet_v2:float32"]
    half = dataclasses.replace(big, precision="float16", size_bytes=big.size_bytes // 2,
                               weight_bytes=big.weight_bytes / 2)
    phone = load_profile("galaxy-a03s")
    full = estimate_features(big, phone)
    assert any("exceeds the app budget" in n for n in full["notes"])
    assert estimate_features(half, phone)["memory"]["weights_bytes"] == pytest.approx(
        full["memory"]["weights_bytes"] * 0.75, rel=0.01)


def test_devices_without_published_points_carry_a_wider_band():
    model = reference_features()["mobilenet_v1_1.0_224:float32"]
    measured_device = estimate_features(model, load_profile("pixel-2"))
    unseen_device = estimate_features(model, load_profile("pixel-8"))
    assert unseen_device["error_band_pct"] > measured_device["error_band_pct"]
    assert "leave-device-out" in unseen_device["provenance"]["calibration"]["error_band_basis"]


def test_dynamic_range_models_are_labelled(sine_tflite):
    features = extract_features(analyze(sine_tflite))
    dynamic = dataclasses.replace(features, precision="dynamic-int8")
    result = estimate_features(dynamic, load_profile("raspberry-pi-5"))
    assert any("dynamic-int8" in n for n in result["notes"])
    assert result["latency_ms"]["p50"] > 0
