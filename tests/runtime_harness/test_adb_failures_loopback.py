"""Every failure of the adb backend ends in one clear error with the documented exit code.

Against the real adb client and the loopback test device, which STANDS IN FOR A PHONE (see
tests/loopback_device): no adb, no device, several devices, an unauthorized device, a missing or
wrong-ABI benchmark binary, a crashing or hanging benchmark, a model the device runtime cannot
load, a device that disconnects mid-run (the partial report is still written), a non-model input.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from edge_sdk.profiling.adb import profile_on_adb
from edge_sdk.cli.params import for_cli
from edge_sdk.core.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, DeviceError, InputError, RuntimeCrash, UsageError
from edge_sdk.graph.synth import Tensor, single_op
from loopback_device.fixtures import start_lab
from loopback_device.pytest_fixtures import adb_client, adb_lab  # noqa: F401 - pytest fixtures
from loopback_device.sandbox import describe
from runtime_harness.adb.client import AdbClient, find_adb

FAST = {"runs": 5, "min_secs": 0}


@pytest.fixture
def device(adb_lab):
    """A fresh test device per test, so faults and installed files never leak between tests."""
    made = []

    def make(**kwargs):
        install = kwargs.pop("install_benchmark", True)
        made.append(adb_lab.add_device(describe(**kwargs), install_benchmark=install))
        return made[-1]

    yield make
    for each in made:
        adb_lab.remove_device(each)


def test_no_adb_on_path_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("EDGE_SDK_ADB", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("ANDROID_HOME", raising=False)
    monkeypatch.delenv("ANDROID_SDK_ROOT", raising=False)
    with pytest.raises(DeviceError) as caught:
        find_adb()
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE
    assert "not found on PATH" in caught.value.message and "apt-get install adb" in caught.value.hint


def test_no_device_connected(tmp_path, sine_tflite):
    if shutil.which("adb") is None:
        pytest.skip("the real adb client is not installed")
    lab = start_lab(tmp_path)
    try:
        with pytest.raises(DeviceError) as caught:
            profile_on_adb(sine_tflite, client=AdbClient(server_port=lab.port))
        assert caught.value.exit_code == EXIT_INFRASTRUCTURE and "no Android device" in caught.value.message
    finally:
        lab.close()


def test_several_devices_without_serial_lists_them(device, adb_client, sine_tflite):
    first, second = device(), device()
    with pytest.raises(UsageError) as caught:
        profile_on_adb(sine_tflite, client=adb_client)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert first.serial in caught.value.message and second.serial in caught.value.message
    assert "serials" in caught.value.hint and "--serial" in for_cli(caught.value, "profile").hint


def test_unauthorized_device_says_what_to_tap(device, adb_client, sine_tflite):
    phone = device(auth="never")
    with pytest.raises(DeviceError) as caught:
        profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client)
    assert "unauthorized" in caught.value.message and "Allow" in caught.value.hint


def test_missing_benchmark_binary_then_pushed_one_works(device, adb_client, sine_tflite, tmp_path):
    phone = device(install_benchmark=False)
    with pytest.raises(DeviceError) as caught:
        profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client, **FAST)
    assert "no benchmark_model" in caught.value.message
    assert "benchmark_binary" in caught.value.hint and "android_aarch64_benchmark_model" in caught.value.hint
    assert "--benchmark-binary" in for_cli(caught.value, "profile").hint
    # the loopback benchmark_model as a local file: edge-sdk pushes it (by hash) and runs it
    from loopback_device.sandbox import install_benchmark_model

    local = install_benchmark_model(tmp_path / "benchmark_model")
    doc = profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client, benchmark_binary=str(local), **FAST)
    assert doc["results"][0]["provenance"]["benchmark_binary"]["pushed_from"] == str(local)
    assert any(f.startswith("edge-sdk/bin/benchmark_model-") for f in phone.files())


def test_wrong_abi_binary_is_refused_before_pushing(device, adb_client, sine_tflite, tmp_path):
    phone = device()
    x86_binary = tmp_path / "benchmark_model"
    shutil.copy("/bin/true", x86_binary)  # a real x86_64 ELF; the test phone reports arm64-v8a
    with pytest.raises(DeviceError) as caught:
        profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client, benchmark_binary=str(x86_binary))
    assert "built for x86_64" in caught.value.message and "arm64-v8a" in caught.value.message
    assert "android_aarch64_benchmark_model" in caught.value.hint
    assert not any("bin/benchmark_model-" in f for f in phone.files())


def test_crashing_benchmark_is_a_runtime_crash(device, adb_client, sine_tflite):
    phone = device()
    phone.set_faults({"benchmark": "crash"})
    with pytest.raises(RuntimeCrash) as caught:
        profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client, partial_report=str(phone.sandbox / "p.json"), **FAST)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE and "crashed" in caught.value.message


def test_hanging_benchmark_times_out_and_is_killed(device, adb_client, sine_tflite, tmp_path):
    phone = device()
    phone.set_faults({"benchmark": "hang"})
    with pytest.raises(RuntimeCrash) as caught:
        profile_on_adb(sine_tflite, serials=[phone.serial], client=adb_client, timeout_s=2.5,
                       partial_report=str(tmp_path / "partial.json"), **FAST)
    assert "did not finish within 2.5 s" in caught.value.message
    assert not any(f.startswith("edge-sdk/run-") for f in phone.files())


def test_model_the_device_runtime_cannot_load(device, adb_client, tmp_path):
    # A phone whose benchmark_model ships the 2.14 runtime, and a model with FULLY_CONNECTED v12
    phone = device(runtime="tflite-runtime-2.14")
    model = tmp_path / "fc_v12.tflite"
    model.write_bytes(single_op("FULLY_CONNECTED", [Tensor([1, 16]), Tensor([8, 16], data=np.ones((8, 16), np.float32))],
                                [Tensor([1, 8])], version=12))
    with pytest.raises(DeviceError) as caught:
        profile_on_adb(model, serials=[phone.serial], client=adb_client, partial_report=str(tmp_path / "p.json"), **FAST)
    assert "cannot load fc_v12.tflite" in caught.value.message
    assert "FULLY_CONNECTED" in caught.value.message and "version '12'" in caught.value.message


def test_disconnect_mid_run_still_writes_the_partial_report(device, adb_client, resnet8_tflite, tmp_path):
    steady, flaky = device(), device()
    flaky.set_faults({"disconnect_on": "--graph=", "disconnect_after_s": 0.3})
    partial = tmp_path / "partial.json"
    with pytest.raises(DeviceError) as caught:
        profile_on_adb(resnet8_tflite, serials=[steady.serial, flaky.serial], client=adb_client,
                       partial_report=str(partial), runs=50, min_secs=1.0)
    assert "disconnected" in caught.value.message and str(partial) in caught.value.message
    document = json.loads(partial.read_text())
    assert document["complete"] is False
    assert [r["provenance"]["serial"] for r in document["results"] if r["source"] == "measured"] == [steady.serial]
    failure = document["failures"][0]
    assert failure["serial"] == flaky.serial and failure["stage"] == "benchmark"
    assert failure["known"]["device"]["model"] == "Pixel 4" and failure["known"]["state"]["cpu_governor"] == "schedutil"


def test_not_a_tflite_file_is_bad_input(tmp_path):
    bogus = tmp_path / "model.tflite"
    bogus.write_bytes(b"this is not a flatbuffer")
    with pytest.raises(InputError) as caught:
        profile_on_adb(bogus, client=None)
    assert caught.value.exit_code == EXIT_BAD_INPUT and "TFL3" in caught.value.message

