"""Host measurement of real models in a child process: timing, inputs, constraints, provenance."""

from __future__ import annotations

import numpy as np
import pytest

from edge_sdk.core.errors import InputError
from runtime_harness.host import HostRequest, MemoryCapExceeded, TimingPolicy, measure
from runtime_harness.stats import summarize


def test_adaptive_run_of_the_sine_model_converges_and_keeps_raw_samples(sine_tflite):
    result = measure(HostRequest(str(sine_tflite), threads=1))
    assert result["status"] == "ok"
    assert result["runtime"]["name"] == "litert" and result["runtime"]["version"]
    assert result["stop_reason"] in ("converged", "time_limit")
    assert len(result["samples_ms"]) >= 20 and all(s > 0 for s in result["samples_ms"])
    assert result["init_ms"] > 0 and result["first_inference_ms"] > 0 and result["warmup_ms"]
    assert result["peak_rss_bytes"] >= result["baseline_rss_bytes"] > 0
    assert result["inputs"] == [{"name": "serving_default_dense_input:0", "shape": [1, 1], "dtype": "float32",
                                 "origin": "generated"}]
    assert any("unknown batch size taken as 1" in note for note in result["notes"])
    if result["stop_reason"] == "converged":
        assert result["achieved_rel_ci"] <= 0.01


def test_fixed_run_count_and_cpu_affinity_are_applied(resnet8_tflite):
    result = measure(HostRequest(str(resnet8_tflite), threads=1, cpus=(0,), policy=TimingPolicy(runs=37)))
    assert len(result["samples_ms"]) == 37 and result["stop_reason"] == "runs"
    assert result["affinity"] == [0] and result["threads"] == 1
    assert result["inputs"][0]["dtype"] == "int8"  # quantized input: generated over the int8 range


def test_min_time_runs_for_about_that_long(kws_tflite):
    result = measure(HostRequest(str(kws_tflite), threads=1, policy=TimingPolicy(min_time_s=0.3)))
    assert result["stop_reason"] == "min_time" and 0.3 <= result["timed_s"] < 1.5


def test_real_input_data_is_used_and_cast_safely(kws_tflite, tmp_path):
    data = np.random.default_rng(0).normal(size=(1, 50, 10, 1))  # float64, as numpy makes it
    np.save(tmp_path / "kws.npy", data)
    result = measure(HostRequest(str(kws_tflite), threads=1, input_data=str(tmp_path / "kws.npy"),
                                 policy=TimingPolicy(runs=5)))
    assert result["inputs"][0]["origin"] == "kws.npy" and result["inputs"][0]["dtype"] == "float32"


def test_input_data_of_the_wrong_shape_is_a_clear_input_error(kws_tflite, tmp_path):
    np.savez(tmp_path / "bad.npz", input_1=np.zeros((1, 49, 10, 1), np.float32))
    with pytest.raises(InputError) as caught:
        measure(HostRequest(str(kws_tflite), input_data=str(tmp_path / "bad.npz")))
    assert "'input_1' expects shape [?, 50, 10, 1]" in caught.value.message
    assert "[1, 49, 10, 1]" in caught.value.message and caught.value.exit_code == 2


def test_npz_without_the_input_name_lists_what_it_has(kws_tflite, tmp_path):
    np.savez(tmp_path / "other.npz", features=np.zeros((1, 50, 10, 1), np.float32))
    with pytest.raises(InputError, match=r"no array for input\(s\) 'input_1' \(file has features\)"):
        measure(HostRequest(str(kws_tflite), input_data=str(tmp_path / "other.npz")))


def test_quantized_input_data_out_of_range_is_refused(resnet8_tflite, tmp_path):
    np.save(tmp_path / "wide.npy", np.full((1, 32, 32, 3), 300, dtype=np.int32))
    with pytest.raises(InputError, match="expects int8, but the data is int32"):
        measure(HostRequest(str(resnet8_tflite), input_data=str(tmp_path / "wide.npy")))


def test_memory_cap_below_what_the_model_needs_is_a_fact_not_a_crash(resnet8_tflite):
    with pytest.raises(MemoryCapExceeded) as caught:
        measure(HostRequest(str(resnet8_tflite), threads=1, memory_cap_bytes=4096))
    assert caught.value.cap_bytes == 4096 and caught.value.message


def test_memory_cap_above_the_need_measures_normally(resnet8_tflite):
    result = measure(HostRequest(str(resnet8_tflite), threads=1, memory_cap_bytes=512 * 2**20,
                                 policy=TimingPolicy(runs=10)))
    assert result["memory_cap_bytes"] == 512 * 2**20 and len(result["samples_ms"]) == 10
    assert summarize(result["samples_ms"])["p50"] > 0


def test_data_with_a_larger_batch_runs_that_batch_and_says_so(kws_tflite, tmp_path):
    np.save(tmp_path / "eight.npy", np.zeros((8, 50, 10, 1), np.float32))
    result = measure(HostRequest(str(kws_tflite), input_data=str(tmp_path / "eight.npy"), policy=TimingPolicy(runs=3)))
    assert result["inputs"][0]["shape"] == [8, 50, 10, 1]
    assert any("running with batch 8 from the data; latency is per batch" in note for note in result["notes"])
