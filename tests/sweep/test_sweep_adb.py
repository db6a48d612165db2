"""Phones in a sweep: a cell on ``adb:<profile>`` runs on the Dask worker that offers that resource.

The loopback device STANDS IN FOR A PHONE (tests/loopback_device): it speaks the real adb wire
protocol to the real adb client and server and reports itself as a Pixel 4; its benchmark_model
runs the model with the host's LiteRT. Real here: the Dask scheduler and workers, the resource
routing, adb, the transfer, LiteRT, the estimator for the emulated device.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback_device.pytest_fixtures import adb_lab  # noqa: E402, F401 - pytest fixture
from sweep_helpers import cli, dask_cluster, load, sweep_dir, tiny_model  # noqa: E402

pytestmark = pytest.mark.slow


def test_phone_cells_go_to_the_worker_with_the_phone(adb_lab, tmp_path: Path) -> None:  # noqa: F811
    adb_lab.add_device()
    config = sweep_dir(tmp_path, models=1, recipes='["float32"]',
                       devices='["pixel-7", "adb:pixel-4", "adb:pixel-8"]')
    tiny_model(tmp_path / "models" / "m0.tflite", 1024, 512, seed=5)   # 0.5 M MACs: a measurable latency
    with dask_cluster(tmp_path, workers=1) as cluster:
        cluster.start_worker("lab", resources="adb:pixel-4=1", env=adb_lab.env)
        addresses = cluster.wait_for_workers(2)
        done = cli("sweep", config.name, "-o", "out", "--scheduler", cluster.address, cwd=tmp_path, timeout=300)
    cells = {c["device"]: c for c in load(tmp_path / "out" / "sweep.json")["cells"]}
    phone = cells["adb:pixel-4"]
    assert phone["status"] == "passed", phone
    assert phone["worker"] == addresses["lab"]                     # routed by the adb:pixel-4 resource
    assert phone["metrics"]["latency_source"] == "measured" and phone["metrics"]["latency_p50_ms"] > 0
    profile = load(tmp_path / "out" / phone["documents"]["profile"])
    assert profile["results"][0]["backend"] == "adb" and profile["results"][0]["device"] == "pixel-4"
    assert cells["pixel-7"]["status"] == "passed" and cells["pixel-7"]["metrics"]["latency_source"] == "estimated"
    missing = cells["adb:pixel-8"]                                 # no worker offers adb:pixel-8
    assert missing["status"] == "error" and missing["error"]["exit_code"] == 3
    assert "no worker offers the resource adb:pixel-8" in missing["error"]["message"]
    assert done.returncode == 3, done.stdout + done.stderr         # an infrastructure failure, the rest recorded
    assert "adb:pixel-8" in done.stderr


def test_embedded_cluster_gives_the_phones_of_this_machine_to_one_worker(adb_lab, tmp_path: Path) -> None:  # noqa: F811
    if not adb_lab.devices:
        adb_lab.add_device()
    config = sweep_dir(tmp_path, models=1, recipes='["float32"]', devices='["adb:pixel-4", "adb:pixel-8"]')
    tiny_model(tmp_path / "models" / "m0.tflite", 1024, 512, seed=5)
    done = cli("sweep", config.name, "-o", "out", "--workers", "1", cwd=tmp_path, env=adb_lab.env, timeout=300)
    document = load(tmp_path / "out" / "sweep.json")
    assert document["engine"]["kind"] == "dask-local" and document["engine"]["workers"] == 2  # 1 + the phones' worker
    cells = {c["device"]: c for c in document["cells"]}
    assert cells["adb:pixel-4"]["status"] == "passed", cells["adb:pixel-4"]
    assert cells["adb:pixel-4"]["metrics"]["latency_source"] == "measured"
    wrong = cells["adb:pixel-8"]          # the phone here is a Pixel 4: said so, as a device failure
    assert wrong["status"] == "error" and "no phone of profile 'pixel-8'" in wrong["error"]["message"]
    assert "pixel-4" in wrong["error"]["message"] and done.returncode == 3
