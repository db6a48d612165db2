"""The benchmark_model output parser against real published outputs of several TFLite releases.

The fixtures in benchmark_outputs/ are real text (sources in benchmark_outputs/SOURCES.md); the
expected numbers are read off that text by hand, in microseconds, and compared in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime_harness.adb.benchmark_output import MIB, classify_failure, parse, parse_stats

SAMPLES = Path(__file__).resolve().parent / "benchmark_outputs"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_tf1_13_no_stats_summary_and_single_run_warmup():
    out = parse(sample("tf1_13_no_stats.txt"))
    assert out.layout == "1.13-2.1"
    assert out.inference_avg_ms == pytest.approx(137.722)
    assert out.init_ms == pytest.approx(4.452)
    assert out.warmup_avg_ms == pytest.approx(146.161)
    assert out.warmup.count == 1 and out.warmup.avg_ms == pytest.approx(146.161)
    assert out.runs.count == 50 and out.runs.min_ms == pytest.approx(137.079) and out.runs.std_ms == pytest.approx(0.896)
    assert out.runs.median_ms is None  # this release printed no percentiles
    assert out.threads == 1
    assert out.complete


def test_tf2_1_op_table_without_section_title_uses_run_order():
    out = parse(sample("tf2_1_readme_op_profiling.txt"))
    assert out.inference_avg_ms == pytest.approx(79.7609)
    assert [op.node_type for op in out.ops] == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D",
                                                "CONV_2D", "RESHAPE", "SOFTMAX"]
    assert out.ops[0].name == "[MobilenetV1/MobilenetV1/Conv2d_0/Relu6]"
    assert out.ops[2].avg_ms == pytest.approx(6.107) and out.ops[2].start_ms == pytest.approx(6.421)
    assert out.ops[-1].cdf_percent == pytest.approx(1.993)
    # the "Timings (microseconds)" summary of the op profiler is not mistaken for the run line
    assert out.runs is None or out.runs.count != 50 or out.runs.first_ms != pytest.approx(79.449)


def test_tf2_8_regular_runs_table_not_the_initialization_one():
    out = parse(sample("tf2_8_riscv_op_profiling.txt"))
    assert out.layout == "2.2+"
    assert out.inference_avg_ms == pytest.approx(2950.34)
    assert out.first_inference_ms == pytest.approx(3512.391)
    assert out.runs.avg_ms == pytest.approx(2950.34) and out.runs.count == 50
    assert out.warmup.count == 1
    assert out.memory_init_bytes == pytest.approx(4.21094 * MIB)
    assert out.memory_overall_bytes == pytest.approx(46.0859 * MIB)
    assert out.model_size_mb == pytest.approx(16.9008)
    assert len(out.ops) == 7 and out.ops[0].node_type == "CONV_2D"
    assert all(op.node_type != "AllocateTensors" for op in out.ops)
    assert out.ops[0].first_ms == pytest.approx(87.754) and out.ops[0].times_called == 1
    assert out.ops_by_type()["CONV_2D"]["count"] == 3


def test_older_peak_memory_line_and_no_phase_titles():
    out = parse(sample("tf2_4_android_yolov5_peak_memory.txt"))
    assert out.inference_avg_ms == pytest.approx(249.684)
    assert out.runs.count == 50 and out.runs.max_ms == pytest.approx(254.474)
    assert out.memory_overall_bytes == pytest.approx(138.809 * MIB)


@pytest.mark.parametrize("name, runs, median, p95", [
    ("tf2_13_info_percentiles.txt", 50, 1239.807, 1247.415),
    ("tf2_x_termux_blank_lines.txt", 1000, 51.891, 68.628),
    ("android_app_logcat_percentiles.txt", 25, 141.253, 187.533),
])
def test_percentile_layouts_with_prefixes(name, runs, median, p95):
    out = parse(sample(name))
    assert out.layout == "2.13+ (percentiles)"
    assert out.runs.count == runs
    assert out.runs.median_ms == pytest.approx(median)
    assert out.runs.p95_ms == pytest.approx(p95)
    assert out.warmup is not None and out.warmup.count < runs
    assert out.memory_overall_bytes is not None


def test_csv_op_profile_file():
    out = parse(sample("csv_op_profile_stats_calculator_layout.csv"))
    assert [op.node_type for op in out.ops] == ["CONV_2D", "DEPTHWISE_CONV_2D", "SOFTMAX"]
    assert out.ops[1].avg_ms == pytest.approx(49.870) and out.ops[1].percent == pytest.approx(1.691)
    assert out.ops[2].name == "[MobilenetV1/Predictions/Reshape_1]:30"


def test_single_stats_line_units():
    stats = parse_stats("count=1 curr=3512391")
    assert stats.count == 1 and stats.avg_ms == pytest.approx(3512.391)
    assert parse_stats("nothing here") is None


def test_truncated_output_is_incomplete():
    text = sample("tf2_8_riscv_op_profiling.txt").split("Running benchmark for at least 50")[0]
    out = parse(text)
    assert not out.complete


@pytest.mark.parametrize("text, code, kind", [
    ("/system/bin/sh: /data/local/tmp/benchmark_model: not executable: 64-bit ELF file", 126, "abi"),
    ("ERROR: Didn't find op for builtin opcode 'FULLY_CONNECTED' version '12'.\nERROR: Failed to construct interpreter", 1, "model-load"),
    ("ERROR: Failed to apply GPU delegate.", 1, "delegate"),
    ("/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found", 127, "missing-binary"),
    ("INFO: Loaded model /data/local/tmp/m.tflite", 139, "crash"),
    ("", 1, "unknown"),
])
def test_failure_classification(text, code, kind):
    assert classify_failure(text, code) == kind
