"""A sweep on a real Dask cluster: `dask scheduler` and two `dask worker` processes on 127.0.0.1.

Real here: the Dask processes and protocol, the conversion child processes, LiteRT, the graph
analysis and the estimator, the result store on disk. The cells are content-keyed: a re-run runs
nothing, a changed model re-runs exactly its cells, and a worker killed mid-sweep loses nothing.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_helpers import cli, dask_cluster, load, matrix, sweep_dir, tiny_model  # noqa: E402

pytestmark = pytest.mark.slow


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reused_exactly_the_stored(before: dict, after: dict) -> None:
    """The store's contract: a cell is taken from it exactly when its content key was stored. (Keys
    include edge-sdk's own code, so an edit of the tree between two runs rightly re-runs cells.)"""
    stored = {c["key"] for c in before["cells"] if c["status"] == "passed"}
    for cell in after["cells"]:
        if cell["status"] == "passed":
            assert cell["cache_hit"] == (cell["key"] in stored), cell["id"]


def test_sweep_on_scheduler_and_two_workers_then_only_changed_cells_rerun(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=4)
    sources = {p: _sha(p) for p in (tmp_path / "models").iterdir()}
    with dask_cluster(tmp_path) as cluster:
        addresses = set(cluster.wait_for_workers(2).values())
        first = cli("sweep", config.name, "-o", "out", "--scheduler", cluster.address, cwd=tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        document = load(tmp_path / "out" / "sweep.json")
        assert document["schema"] == "edge-sdk/sweep" and document["engine"]["kind"] == "dask"
        assert document["engine"]["address"] == cluster.address and document["engine"]["workers"] == 2
        ran = [c for c in document["cells"] if c["status"] == "passed"]
        assert len(ran) == 8 and all(not c["cache_hit"] and c["worker"] in addresses for c in ran)
        skipped = [c for c in document["cells"] if c["status"] == "not-applicable"]
        assert len(skipped) == 8 and all(c["recipe"] == "int8" for c in skipped)   # int8 on a .tflite source
        for cell in ran:
            assert cell["metrics"]["latency_p50_ms"] > 0 and cell["metrics"]["latency_source"] == "estimated"
            for relative in cell["documents"].values():
                assert (tmp_path / "out" / relative).is_file()
        assert "8 passed" in first.stdout and max(len(line) for line in first.stdout.splitlines()) <= 100

        again = cli("sweep", config.name, "-o", "out2", "--scheduler", cluster.address, "--json", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        warm = load(tmp_path / "out2" / "sweep.json")
        _reused_exactly_the_stored(document, warm)
        if matrix(warm) == matrix(document):   # no edit of edge-sdk's own code in between (others share this tree)
            assert all(c["cache_hit"] for c in warm["cells"] if c["status"] == "passed")
            assert warm["engine"]["kind"].startswith("none")   # nothing to submit: the cluster was not even used

        tiny_model(tmp_path / "models" / "m2.tflite", 40, 8, seed=99)   # one model changes
        third = cli("sweep", config.name, "-o", "out3", "--scheduler", cluster.address, cwd=tmp_path)
        assert third.returncode == 0, third.stderr
        changed = load(tmp_path / "out3" / "sweep.json")
        _reused_exactly_the_stored(warm, changed)
        cells = [c for c in changed["cells"] if c["status"] == "passed"]
        assert all(not c["cache_hit"] for c in cells if c["model"] == "models/m2.tflite")
        others = [c for c in cells if c["model"] != "models/m2.tflite"]
        if {c["key"] for c in others} <= {c["key"] for c in warm["cells"]}:
            assert all(c["cache_hit"] for c in others) and sum(not c["cache_hit"] for c in cells) == 2
    for path, digest in sources.items():
        if path.name != "m2.tflite":
            assert _sha(path) == digest   # inputs are never modified


def test_worker_killed_mid_sweep_loses_nothing(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=5, recipes='["float32"]', devices='["pixel-7"]',
                       extra='host_time_limit = "1 s"\n')
    config.write_text(config.read_text().replace("host = false", "host = true"))
    entries = tmp_path / "cache" / "sweep" / "entries" / "cell"
    with dask_cluster(tmp_path) as cluster:
        import os
        import subprocess

        command = [sys.executable, "-m", "edge_sdk", "sweep", config.name, "-o", "out", "--scheduler", cluster.address]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        coordinator = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
        try:
            deadline = time.monotonic() + 240
            while not (entries.is_dir() and any(entries.rglob("entry.json"))):
                assert coordinator.poll() is None, coordinator.communicate()
                assert time.monotonic() < deadline, "no cell finished in 240 s"
                time.sleep(0.05)
            stored_before_kill = len(list(entries.rglob("entry.json")))
            cluster.kill_worker("w1")
            out, err = coordinator.communicate(timeout=300)
        finally:
            if coordinator.poll() is None:
                coordinator.kill()
        assert stored_before_kill < 5, "the sweep ended before the worker was killed: the test proves nothing"
        assert coordinator.returncode == 0, out + err
        document = load(tmp_path / "out" / "sweep.json")
        assert [c["status"] for c in document["cells"]] == ["passed"] * 5
        assert all(c["metrics"]["host_latency_p50_ms"] for c in document["cells"])
        assert len(list(entries.rglob("entry.json"))) == 5
        assert cluster.workers["w1"].poll() is not None   # the killed worker stayed dead
        survivors = cluster.wait_for_workers(1)
        assert list(survivors) == ["w2"]
