"""``calibrate`` against the loopback device (a STAND-IN FOR A PHONE): its profile output goes through the
same overwrite guard and write-error handling as every verb (issue 10)."""

from __future__ import annotations

import pytest
from loopback_device.pytest_fixtures import adb_lab  # noqa: F401 - pytest fixture

from edge_sdk.cli import main
from edge_sdk.core.hashing import file_sha256


@pytest.fixture
def pixel(adb_lab, monkeypatch, tmp_path):  # noqa: F811 - the fixture above
    from devices import catalog

    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(adb_lab.port))
    monkeypatch.setenv("EDGE_SDK_DEVICE_PATH", str(tmp_path / "profiles"))
    catalog._load_all.cache_clear()
    yield adb_lab.add_device().serial
    catalog._load_all.cache_clear()


def test_calibrate_output_unwritable_or_over_its_binary(pixel, tmp_path, capsys) -> None:
    args = ["calibrate", "--serial", pixel, "--models", "mlperf_tiny_resnet8:int8", "--runs", "3", "--min-secs", "0"]
    assert main([*args, "-o", "/proc/"]) == 2  # read-only, even for root
    err = capsys.readouterr().err
    assert "--output /proc/pixel-4.toml: cannot write it" in err and "Traceback" not in err
    binary = tmp_path / "pixel-4.toml"
    binary.write_bytes(b"\x7fELF not really a benchmark_model")
    before = file_sha256(binary)
    assert main([*args, "--benchmark-binary", str(binary), "-o", str(binary)]) == 2
    err = capsys.readouterr().err
    assert "would overwrite an input, the --benchmark-binary" in err and file_sha256(binary) == before
