"""The numbers each chart of the HTML report is drawn from (edge_sdk.reporting.chart_data, model_data)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report_documents as docs  # noqa: E402

from edge_sdk.reporting import chart_data as data  # noqa: E402
from edge_sdk.reporting import model_data  # noqa: E402


@pytest.mark.parametrize("q", [0, 10, 50, 90, 99, 100])
def test_percentile_matches_numpy_linear_interpolation(q: float) -> None:
    values = docs.samples(3.0, 137, seed=7)
    assert data.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)


def test_histogram_counts_every_sample_once_within_its_bin() -> None:
    values = docs.samples(5.0, 500, seed=2)
    hist = data.latency_histogram(values)
    assert hist.total == len(values)
    assert 5 <= len(hist.counts) <= 40 and len(hist.edges) == len(hist.counts) + 1
    assert hist.edges[0] == min(values) and hist.edges[-1] == max(values)
    expected, _ = np.histogram(values, bins=hist.edges)
    assert list(expected) == hist.counts


def test_a_far_outlier_is_counted_but_does_not_stretch_the_bins() -> None:
    values = docs.samples(5.0, 300, seed=9) + [60.0]
    hist = data.latency_histogram(values)
    assert hist.total == 301 and hist.overflow == 1 and hist.overflow_max == 60.0
    assert hist.edges[-1] < 10.0 and sum(hist.counts) == 300


def test_histogram_of_identical_samples_still_has_a_drawable_bin() -> None:
    hist = data.latency_histogram([2.0] * 10)
    assert hist.counts == [10] and hist.edges[0] < 2.0 < hist.edges[1]
    assert data.latency_histogram([]).counts == []


def test_cdf_is_sorted_and_ends_at_one() -> None:
    values = [3.0, 1.0, 2.0, 2.0]
    cdf = data.latency_cdf(values)
    assert [x for x, _ in cdf] == [1.0, 2.0, 2.0, 3.0]
    assert [f for _, f in cdf] == [0.25, 0.5, 0.75, 1.0]


def test_device_latencies_fall_back_to_samples_and_keep_error_bands() -> None:
    measured = docs.measured_result("host", 2.0, n=101, seed=4)
    del measured["latency_ms"]  # a writer that kept only the raw samples
    estimated = docs.estimated_result("pixel-4", 10.0, band=20.0)
    rows = data.device_latencies([measured, estimated])
    assert rows[0].p50 == pytest.approx(float(np.median(measured["samples_ms"])))
    assert rows[0].p90 == pytest.approx(float(np.percentile(measured["samples_ms"], 90)))
    assert rows[0].samples == 101 and rows[0].band(rows[0].p50) is None
    assert rows[1].source == "estimated" and rows[1].band(10.0) == pytest.approx((8.0, 12.0))
    estimated["latency_ms"].update(low=10.0 / 1.2, high=12.0)  # the estimator's own, asymmetric band
    assert data.device_latencies([estimated])[0].band(10.0) == pytest.approx((10.0 / 1.2, 12.0))


def test_verdicts_read_nested_checks_and_compute_missing_margins() -> None:
    check = docs.check_doc(latency_limit_ms=2.0)
    nested = {"schema": "edge-sdk/check", "version": 1, "checks": [
        {"name": "phones", "verdicts": [{"check": "phones", "model": "m.tflite", "device": "pixel-4",
                                         "metric": "latency_p90", "actual": 12.0, "limit": 10.0, "unit": "ms",
                                         "status": "fail", "how": "estimated"},
                                        {"check": "phones", "model": "m.tflite", "device": None,
                                         "metric": "precisions", "actual": "float32", "limit": ["int8"],
                                         "unit": "", "status": "fail", "how": "static analysis"}]}]}
    flat = data.verdicts(check)
    assert [v.status for v in flat] == ["fail", "pass"]
    rows = data.verdicts(nested)
    assert rows[0].name == "phones" and rows[0].margin == -2.0 and rows[0].margin_pct == pytest.approx(-20.0)
    assert rows[1].actual is None and rows[1].actual_text == "float32" and rows[1].limit_text == "int8"


def test_latency_budget_is_the_tightest_limit_for_that_device_and_model() -> None:
    rows = data.verdicts({"verdicts": [
        {"device": "pixel-4", "model": "a.tflite", "metric": "latency_p90", "limit": 20.0, "unit": "ms", "status": "pass"},
        {"device": "pixel-4", "model": "a.tflite", "metric": "latency_p50", "limit": 12.0, "unit": "ms", "status": "pass"},
        {"device": "pixel-4", "model": "b.tflite", "metric": "latency_p50", "limit": 5.0, "unit": "ms", "status": "pass"},
        {"device": "pixel-4", "model": "a.tflite", "metric": "size", "limit": 1.0, "unit": "B", "status": "pass"},
        {"device": "rpi-4", "model": "a.tflite", "metric": "latency_p50", "limit": 1.0, "unit": "ms", "status": "pass"},
    ]})
    assert data.latency_budget_ms(rows, "pixel-4", "a.tflite") == 12.0
    assert data.latency_budget_ms(rows, "stm32", "a.tflite") is None


def test_op_shares_follow_the_cost_model_and_sum_to_one() -> None:
    inspect = docs.inspect_doc()
    rows, how = model_data.op_rows(inspect)
    assert "MACs + 2 x bytes" in how
    assert sum(r.share for r in rows) == pytest.approx(1.0)
    costs = [r.macs + model_data.MACS_PER_BYTE * r.bytes_touched for r in rows]
    assert [r.share for r in rows] == pytest.approx([c / sum(costs) for c in costs])
    conv = rows[2]  # CONV_2D 13x13x16 -> 11x11x32, int8 weights 32x3x3x16 + int32 bias
    assert conv.weight_bytes == 32 * 3 * 3 * 16 + 32 * 4
    assert conv.bytes_touched == 13 * 13 * 16 + 32 * 3 * 3 * 16 + 32 * 4 + 11 * 11 * 32
    assert model_data.share_by_op_type(rows)[0][0] == "CONV_2D"


def test_measured_per_op_times_replace_the_cost_model() -> None:
    rows, how = model_data.op_rows(docs.inspect_doc(), per_op_ms={0: 1.0, 2: 3.0})
    assert how.startswith("measured")
    assert rows[2].share == pytest.approx(0.75) and rows[1].share == 0.0


def test_sizes_by_op_type_and_dtype_are_sorted_largest_first() -> None:
    inspect = docs.inspect_doc()
    rows, _ = model_data.op_rows(inspect)
    by_type = dict(model_data.size_by_op_type(rows))
    assert by_type["FULLY_CONNECTED"] == 10 * 800 + 10 * 4
    assert by_type["CONV_2D"] == (16 * 9 + 16 * 4) + (32 * 9 * 16 + 32 * 4)
    assert model_data.size_by_dtype(inspect) == [("int8", 12_624.0), ("int32", 232.0)]


def test_activation_timeline_reads_the_memory_plan_and_marks_the_peak() -> None:
    inspect = docs.inspect_doc()
    timeline = model_data.activation_timeline(inspect)
    assert timeline is not None
    assert timeline.peak_step == 1 and timeline.peak_bytes == 13_520
    inspect["activation_timeline"] = [5, 9, 3]
    assert model_data.activation_timeline(inspect).peak_step == 1
    assert model_data.activation_timeline({"ops": []}) is None


def test_variants_are_labelled_and_matched_to_profiles_by_sha256() -> None:
    int8 = docs.convert_doc("int8", 93_000, 0.918, 0.002, "ab" * 32)
    pruned = docs.convert_doc("int8", 93_000, 0.905, 0.015, "33" * 32, prune={"sparsity": 0.8}, name="pruned")
    f32 = docs.convert_doc(None, 372_000, 0.92, 0.0, "11" * 32)
    profile = docs.profile_doc(sha="ab" * 32)
    found = model_data.variants([f32, int8, pruned], [profile])
    assert [v.label for v in found] == ["float32", "int8", "int8 + pruned 80%"]
    assert found[1].latency_ms == profile["results"][0]["latency_ms"]["p50"]
    assert "measured" in found[1].latency_source
    assert found[0].latency_ms is None and found[2].latency_ms is None
    assert found[2].accuracy == 0.905 and found[2].accuracy_drop == 0.015


def adb_result_with_ops(nodes: list[tuple[str, float]]) -> dict:
    """A result shaped like `profile --backend adb --op-profile` output (benchmark_model's run-order table)."""
    result = docs.estimated_result("pixel-4", 2.0)
    result.update(backend="adb", source="measured", error_band_pct=None,
                  ops=[{"node_type": t, "name": f"[n{i}]:{i}", "avg_ms": ms} for i, (t, ms) in enumerate(nodes)])
    return result


def test_an_op_profile_that_matches_the_graph_gives_measured_per_op_shares() -> None:
    inspect = docs.inspect_doc()
    nodes = [(op["type"], 0.1 * (i + 1)) for i, op in enumerate(inspect["ops"])]
    profile = docs.profile_doc(results=[adb_result_with_ops(nodes)])
    found = model_data.op_profiles([profile], inspect["sha256"], None)
    assert len(found) == 1 and found[0].device == "pixel-4"
    per_op = found[0].per_op_ms(inspect)
    assert per_op == {i: pytest.approx(0.1 * (i + 1)) for i in range(7)}
    rows, how = model_data.op_rows(inspect, per_op)
    assert how.startswith("measured") and rows[6].share == pytest.approx(0.7 / 2.8)


def test_a_delegated_op_profile_is_kept_by_node_type_only() -> None:
    inspect = docs.inspect_doc()
    profile = docs.profile_doc(results=[adb_result_with_ops([("TfLiteXNNPackDelegate", 1.5), ("SOFTMAX", 0.1),
                                                             ("TfLiteXNNPackDelegate", 0.5)])])
    [found] = model_data.op_profiles([profile], inspect["sha256"], None)
    assert found.per_op_ms(inspect) is None
    assert found.by_type() == [("TfLiteXNNPackDelegate", 2.0), ("SOFTMAX", 0.1)]
    assert model_data.op_profiles([profile], "another-sha", "other.tflite") == []


def test_op_profile_nodes_map_by_their_plan_index_and_idle_delegate_nodes_are_ignored() -> None:
    inspect = docs.inspect_doc()
    nodes = [(op["type"], 0.2, f"[x]:{i}") for i, op in enumerate(inspect["ops"])][::-1]  # printed out of order
    profile = model_data.OpProfile("pixel-4", nodes + [("DELEGATE", 0.01, "[delegate_7]:7")])
    assert profile.per_op_ms(inspect) == {i: 0.2 for i in range(7)}
    busy = model_data.OpProfile("pixel-4", nodes + [("DELEGATE", 1.0, "[delegate_7]:7")])
    assert busy.per_op_ms(inspect) is None  # the delegate did real work: per-op times would mislead


def test_compatibility_rows_list_runtimes_and_delegates_with_their_reasons() -> None:
    inspect = docs.inspect_doc()
    inspect["compatibility"] = {
        "runtimes": {"litert-2.3": {"loadable": True, "problems": []},
                     "tflite-runtime-2.14": {"loadable": False, "problems": ["FULLY_CONNECTED v12 unknown"]}},
        "delegates": {"gpu": {"supported_ops": 6, "total_ops": 7, "all_supported": False,
                              "unsupported": [{"index": 6, "op": "SOFTMAX", "reason": "int8"}]}}}
    rows = model_data.compatibility_rows(inspect)
    assert [(r.target, r.ok, r.detail) for r in rows] == [
        ("litert-2.3", True, "loads"), ("tflite-runtime-2.14", False, "does not load"), ("gpu", False, "6/7 ops")]
    assert rows[1].problems == ["FULLY_CONNECTED v12 unknown"] and rows[2].problems == ["SOFTMAX (op 6): int8"]
    assert model_data.compatibility_rows({"compatibility": "damaged"}) == []
