"""Fast tests of the numeric building blocks: parity metrics, pruning masks, data loading, failure summaries."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from converters._runtime import summarize_failure
from converters.data import generated, load_dataset
from converters.sources.base import TensorSpec, channels_last_perm
from converters.sources.keras import unsafe_layers
from converters.steps.prune_weights import magnitude_mask, two_of_four_mask
from converters.validation.metrics import accuracy, align, parity
from edge_sdk.core.errors import InputError, UsageError


def test_parity_of_identical_and_noisy_outputs() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(50, 10)).astype(np.float32)
    same = parity(ref, ref.copy())
    assert same["identical"] and same["sqnr_db"] is None and same["max_abs_error"] == 0 and same["cosine"] == 1.0
    noisy = parity(ref, ref + rng.normal(scale=0.01, size=ref.shape))
    assert 35 < noisy["sqnr_db"] < 45  # signal power 1, noise power 1e-4 -> 40 dB
    assert noisy["top1_agreement"] > 0.95 and 0.999 < noisy["cosine"] <= 1.0
    broken = parity(ref, np.full_like(ref, np.nan))
    assert broken["finite"] is False


def test_align_transposes_nhwc_outputs_back_to_nchw() -> None:
    ref = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    nhwc = np.transpose(ref, (0, 2, 3, 1))
    aligned, note = align(ref, nhwc)
    assert np.array_equal(aligned, ref) and "NCHW" in note
    assert channels_last_perm((None, 3, 224, 224), (1, 224, 224, 3)) == (0, 2, 3, 1)
    assert channels_last_perm((None, 224, 224, 3), (1, 224, 224, 3)) is None
    assert align(ref, np.zeros((2, 7)))[0] is None


def test_accuracy_with_integer_one_hot_and_binary_labels() -> None:
    out = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert accuracy(out, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(out, np.eye(2)[[0, 1, 0]]) == 1.0
    assert accuracy(np.array([[0.7], [0.2]]), np.array([1, 0])) == 1.0
    assert accuracy(np.zeros((3, 4, 4)), np.array([0, 1, 2])) is None


def test_magnitude_mask_hits_the_target_and_keeps_the_largest() -> None:
    weights = np.random.default_rng(1).normal(size=(3, 3, 8, 16))
    mask = magnitude_mask(weights, 0.8)
    assert mask.mean() == pytest.approx(0.2, abs=1 / weights.size)
    assert np.abs(weights[mask == 1]).min() >= np.abs(weights[mask == 0]).max()


def test_two_of_four_mask_keeps_two_per_group_of_input_channels() -> None:
    weights = np.random.default_rng(2).normal(size=(3, 3, 8, 5))
    mask = two_of_four_mask(weights)
    groups = np.moveaxis(mask, -2, -1).reshape(3, 3, 5, 2, 4)
    assert (groups.sum(axis=-1) == 2).all()
    assert two_of_four_mask(np.ones((3, 3, 1, 4))) is None  # 1 input channel: no groups of 4


def test_unsafe_layers_are_found_anywhere_in_a_config() -> None:
    config = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": "d"}},
        {"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "inner"}}]}}]}}
    assert unsafe_layers(config) == ["inner (Lambda)"]


def test_summaries_pick_the_real_cause() -> None:
    log = ("\x1b[31mERROR:\x1b[0m The trace log is below.\nTraceback (most recent call last):\n"
           "  File \"x.py\", line 1\nValueError: Dimension -1 must be >= 0\n"
           "\x1b[31mERROR:\x1b[0m onnx_op_name: Add@0\n\x1b[31mERROR:\x1b[0m Read this and deal with it. https://...\n")
    assert summarize_failure(log) == "ValueError: Dimension -1 must be >= 0 | onnx_op_name: Add@0"
    assert "op is neither a custom op" in summarize_failure(
        "loc(x): error: 'tf.Foo' op is neither a custom op nor a flex op\nsome other line")


SPEC = [TensorSpec("image", (None, 28, 28, 1), "float32")]


def test_npz_data_by_name_or_x_with_labels(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.zeros((5, 28, 28, 1), np.float32), y=np.arange(5))
    data = load_dataset(str(tmp_path / "d.npz"), SPEC, "eval-data", need_labels=True)
    assert len(data) == 5 and data.labels.tolist() == [0, 1, 2, 3, 4]
    assert len(data.subset(3)) == 3 and len(data.subset(3).labels) == 3
    np.save(tmp_path / "d.npy", np.zeros((2, 28, 28, 1), np.float64))
    assert load_dataset(str(tmp_path / "d.npy"), SPEC, "calibration-data").inputs["image"].dtype == np.float32


@pytest.mark.parametrize("arrays, fragment", [
    ({"x": np.zeros((5, 28, 28), np.float32)}, "the model expects [N, 28, 28, 1]"),
    ({"x": np.zeros((5, 28, 28, 1), np.uint8)}, "x.astype('float32') / 255"),
    ({"pixels": np.zeros((5, 28, 28, 1), np.float32)}, "keys found: pixels"),
    ({"x": np.zeros((5, 28, 28, 1), np.float32), "y": np.arange(4)}, "4 labels for 5 samples"),
])
def test_bad_data_is_refused_naming_file_and_fix(tmp_path: Path, arrays: dict, fragment: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InputError) as caught:
        load_dataset(str(tmp_path / "bad.npz"), SPEC, "calibration-data")
    assert fragment in str(caught.value) and "bad.npz" in str(caught.value)


def test_truncated_npz_and_missing_labels(tmp_path: Path) -> None:
    np.savez(tmp_path / "ok.npz", x=np.zeros((5, 28, 28, 1), np.float32))
    (tmp_path / "cut.npz").write_bytes((tmp_path / "ok.npz").read_bytes()[:100])
    with pytest.raises(InputError, match="truncated"):
        load_dataset(str(tmp_path / "cut.npz"), SPEC, "eval-data")
    with pytest.raises(InputError, match="needs labels"):
        load_dataset(str(tmp_path / "ok.npz"), SPEC, "eval-data", need_labels=True)


def test_generated_inputs_need_static_shapes() -> None:
    data = generated(SPEC, 4)
    assert data.inputs["image"].shape == (4, 28, 28, 1) and data.origin == "generated"
    with pytest.raises(UsageError, match="dynamic dimensions"):
        generated([TensorSpec("seq", (None, None, 8), "float32")], 2)


def test_repeated_converter_messages_are_summarised_once_each() -> None:
    text = "Quantization to 16x8-bit not yet supported for op: 'HARD_SWISH'.\n" * 5 + \
        "Quantization to 16x8-bit not yet supported for op: 'RELU_0_TO_1'.\n"
    assert summarize_failure(text) == ("Quantization to 16x8-bit not yet supported for op: 'HARD_SWISH'. | "
                                       "Quantization to 16x8-bit not yet supported for op: 'RELU_0_TO_1'.")
