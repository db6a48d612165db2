"""What the host harness does when the model, the runtime or the interpreter misbehaves.

The models are real (tests/assets.py) with one defect written into their flatbuffer
(tests/tflite_variants.py), so the messages checked here are the interpreters' own.
"""

from __future__ import annotations

import time

import pytest

import tflite_variants
from edge_sdk.cli.params import for_cli
from edge_sdk.core.errors import InputError, RuntimeCrash, UnsupportedModelError
from runtime_harness.host import HostRequest, TimingPolicy, measure
from runtime_harness.host.runner import FAULT_ENV

QUICK = TimingPolicy(runs=3, warmup_s=0.0)


@pytest.fixture(scope="module")
def sine_fc_v12(sine_tflite, tmp_path_factory):
    """FULLY_CONNECTED v12, as TF 2.21 writes for dynamic-range models: LiteRT loads it, 2.14 does not."""
    return tflite_variants.with_op_version(sine_tflite, tmp_path_factory.mktemp("v") / "sine_fc_v12.tflite", 12)


def test_newer_op_version_loads_on_litert(sine_fc_v12):
    assert measure(HostRequest(str(sine_fc_v12), policy=QUICK))["status"] == "ok"


def test_newer_op_version_is_an_incompatibility_on_tflite_runtime_2_14(sine_fc_v12):
    pytest.importorskip("tflite_runtime", reason="tflite-runtime 2.14 is an optional extra (legacy-runtime)")
    with pytest.raises(UnsupportedModelError) as caught:
        measure(HostRequest(str(sine_fc_v12), runtime="tflite-runtime", policy=QUICK))
    error = caught.value
    assert "tflite-runtime 2.14.0 cannot load it: op FULLY_CONNECTED version 12" in error.message
    assert "Didn't find op for builtin opcode" in error.message  # the real loader message, quoted
    assert error.exit_code == 2 and "update the runtime" in error.hint


def test_unresolved_custom_op_is_named(sine_tflite, tmp_path):
    model = tflite_variants.with_custom_op(sine_tflite, tmp_path / "custom.tflite", "MyFancyOp")
    with pytest.raises(UnsupportedModelError, match="uses custom op\\(s\\) MyFancyOp that litert"):
        measure(HostRequest(str(model), policy=QUICK))


def test_dynamic_non_batch_dimension_needs_an_input_shape(sine_tflite, tmp_path):
    model = tflite_variants.with_dynamic_input_dim(sine_tflite, tmp_path / "dyn.tflite", axis=1)
    with pytest.raises(InputError) as caught:
        measure(HostRequest(str(model), policy=QUICK))
    assert "dynamic shape [?, ?]" in caught.value.message
    assert "input_shape='serving_default_dense_input:0:1,1'" in caught.value.hint
    assert "--input-shape serving_default_dense_input:0:1,1" in for_cli(caught.value, "profile").hint
    result = measure(HostRequest(str(model), input_shapes={"serving_default_dense_input:0": [1, 1]}, policy=QUICK))
    assert result["inputs"][0]["shape"] == [1, 1]


def test_input_shape_for_an_unknown_input_name_lists_the_real_ones(sine_tflite):
    with pytest.raises(InputError, match="model does not have") as caught:
        measure(HostRequest(str(sine_tflite), input_shapes={"image": [1, 1]}, policy=QUICK))
    assert "serving_default_dense_input:0" in caught.value.hint


def test_not_a_model_is_an_input_error(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(InputError, match="not a valid .tflite model"):
        measure(HostRequest(str(junk), policy=QUICK))


def test_segfaulting_interpreter_is_contained_and_named(sine_tflite, monkeypatch):
    # EDGE_SDK_HARNESS_FAULT=segv stands in for an interpreter that dies with SIGSEGV inside invoke()
    monkeypatch.setenv(FAULT_ENV, "segv")
    with pytest.raises(RuntimeCrash) as caught:
        measure(HostRequest(str(sine_tflite), policy=QUICK))
    assert "crashed (SIGSEGV)" in caught.value.message and caught.value.exit_code == 3


def test_aborting_interpreter_is_contained_and_named(sine_tflite, monkeypatch):
    # stands in for a C++ runtime that calls abort() (as TFLite Micro does on some models)
    monkeypatch.setenv(FAULT_ENV, "abort")
    with pytest.raises(RuntimeCrash, match="crashed \\(SIGABRT\\)"):
        measure(HostRequest(str(sine_tflite), policy=QUICK))


def test_hanging_interpreter_is_killed_at_the_timeout(sine_tflite, monkeypatch):
    # stands in for an interpreter stuck in invoke(): the parent kills the child's process group
    monkeypatch.setenv(FAULT_ENV, "hang")
    started = time.monotonic()
    with pytest.raises(RuntimeCrash) as caught:
        measure(HostRequest(str(sine_tflite), policy=QUICK, timeout_s=2.0))
    assert time.monotonic() - started < 10
    assert "did not finish within 2 s and was killed" in caught.value.message
    assert "timeout_s" in caught.value.hint  # the library names the parameter; the CLI, the flag
    assert "--timeout" in for_cli(caught.value, "profile").hint
