"""pytest fixtures for the adb tests: a private adb server and loopback devices (STAND-INS FOR PHONES).

Import the fixtures into a test module (``from loopback_device.pytest_fixtures import adb_lab``).
The lab is per module: one adb server on a free loopback port, killed with its devices at the end.
Tests skip with the reason when the real adb client is not installed (``apt-get install adb``).
"""

from __future__ import annotations

import shutil

import pytest

from loopback_device.fixtures import AdbLab, start_lab


@pytest.fixture(scope="module")
def adb_lab(tmp_path_factory) -> AdbLab:
    if shutil.which("adb") is None:
        pytest.skip("the real adb client is not installed (apt-get install adb; `make setup` does it)")
    lab = start_lab(tmp_path_factory.mktemp("adb-lab"))
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def adb_client(adb_lab):
    from runtime_harness.adb.client import AdbClient

    return AdbClient(server_port=adb_lab.port)
