"""The embedded default (a LocalCluster of spawned worker processes started by the command), shards
joined by merge, budgets gating cells, and the result store's trust rules."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_helpers import cli, eval_data, load, matrix, sweep_dir, tiny_keras, tiny_model  # noqa: E402

from edge_sdk.core.documents import SweepDocument, shape  # noqa: E402
from edge_sdk.sweep import merge, sweep  # noqa: E402
from edge_sdk.sweep.store import ResultStore  # noqa: E402


@pytest.mark.slow
def test_embedded_cluster_converts_keras_and_gates_on_the_budget(tmp_path: Path) -> None:
    tiny_keras(tmp_path / "models" / "net.keras")
    tiny_model(tmp_path / "models" / "fc.tflite", 8, 4, seed=3)
    eval_data(tmp_path / "eval.npz")
    (tmp_path / "edge-budget.toml").write_text(
        '[[check]]\nname = "phones"\ndevices = ["pixel-7"]\nlatency_p50 = "1 s"\naccuracy_drop = "50%"\n\n'
        '[[check]]\nname = "pi"\ndevices = ["raspberry-pi-4"]\nsize = "6 kB"\n')
    (tmp_path / "SWEEP.toml").write_text(
        'models = ["models/*"]\nrecipes = ["float32", "dynamic-int8"]\ndevices = ["pixel-7", "raspberry-pi-4"]\n'
        'eval_data = "eval.npz"\nbudget = "edge-budget.toml"\nhost = false\n')
    done = cli("sweep", "SWEEP.toml", "-o", "out", "--workers", "2", cwd=tmp_path, timeout=600)
    document = load(tmp_path / "out" / "sweep.json")
    assert document["engine"]["kind"] == "dask-local" and document["engine"]["workers"] == 2, done.stderr
    cells = {(c["model"], c["recipe"], c["device"]): c for c in document["cells"]}
    assert cells[("models/fc.tflite", "dynamic-int8", "pixel-7")]["status"] == "not-applicable"
    keras = cells[("models/net.keras", "dynamic-int8", "pixel-7")]
    assert keras["status"] == "passed", keras
    assert keras["metrics"]["accuracy_drop"] is not None and keras["metrics"]["precision"] != "float32"
    manifest = load(tmp_path / "out" / keras["documents"]["convert"])
    assert manifest["recipe"] == "dynamic-int8" and manifest["validation"]["accuracy"]["samples"] == 32
    check = load(tmp_path / "out" / keras["documents"]["check"])
    assert {v["metric"] for c in check["checks"] for v in c["verdicts"]} == {"latency_p50", "accuracy_drop"}
    # the pi check limits size to 6 kB: the float32 Keras artifact (8 kB of weights) fails, the
    # dynamic-range one (int8 weights) passes; each verdict follows the artifact's real size
    for (_, _, device), cell in cells.items():
        if device == "raspberry-pi-4" and cell["status"] != "not-applicable":
            over = cell["metrics"]["size_bytes"] > 6000
            assert cell["status"] == ("budget-failed" if over else "passed"), cell
    assert done.returncode == (1 if any(c["status"] == "budget-failed" for c in cells.values()) else 0), done.stderr
    assert document["budget"]["limits"]["raspberry-pi-4"]["size"] == 6000


@pytest.mark.slow
def test_shards_merged_equal_one_run(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=3, devices='["pixel-7", "raspberry-pi-4", "stm32h747"]')
    events: list = []
    whole = sweep(config, tmp_path / "whole", shard="1/1", store=tmp_path / "store-a", on_progress=events.append)
    done_counts = [e.data["done"] for e in events]
    assert done_counts == sorted(done_counts) and done_counts[-1] == len(whole.cells) == 18
    assert events[-1].data["running"] == 0 and events[-1].data["eta_s"] == 0
    parts = [sweep(config, tmp_path / f"part{i}", shard=f"{i}/2", store=tmp_path / "store-b") for i in (1, 2)]
    assert all(p.document["engine"]["kind"] == "serial" for p in parts)
    assert {c["id"] for c in parts[0].cells}.isdisjoint({c["id"] for c in parts[1].cells})
    with pytest.raises(Exception, match="shard 2/2 missing"):
        merge([tmp_path / "part1"], tmp_path / "merged")
    merged = merge([tmp_path / "part1", tmp_path / "part2"], tmp_path / "merged")
    # the same matrix (identity, key, outcome) as one run; the keys are compared unless an edit of the
    # shared working tree between the runs changed edge-sdk's code fingerprint (and so every key)
    same_code = {c["key"] for p in parts for c in p.cells} == {c["key"] for c in whole.cells}
    if same_code:
        assert matrix(merged.document) == matrix(whole.document)
    else:
        assert [(i, s) for i, _, s in matrix(merged.document)] == [(i, s) for i, _, s in matrix(whole.document)]
    assert merged.document["matrix"] == whole.document["matrix"] and merged.exit_code == whole.exit_code == 0
    for document in (whole.document, merged.document):   # what was written is what the type declares
        assert shape.problems(json.loads(json.dumps(document)), SweepDocument) == []
    for cell in merged.cells:
        for relative in cell["documents"].values():
            assert (tmp_path / "merged" / relative).is_file()
    done = cli("sweep", "merge", "part2", "part1", "-o", "merged-cli", "--json", cwd=tmp_path)
    assert done.returncode == 0 and matrix(json.loads(done.stdout)) == matrix(merged.document), done.stderr


@pytest.mark.slow
def test_budget_failure_is_exit_1_and_only_filter_and_dry_run(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=2, extra='budget = "edge-budget.toml"\n')
    (tmp_path / "edge-budget.toml").write_text('[[check]]\nname = "tiny"\nsize = "500 B"\n')
    dry = cli("sweep", config.name, "--dry-run", "--json", "--only", "model=*m1*,device=pixel-7", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert [(c["model"], c["recipe"], c["status"]) for c in planned["cells"]] == [
        ("models/m1.tflite", "float32", "planned"), ("models/m1.tflite", "int8", "not-applicable")]
    assert not (tmp_path / "cache" / "sweep").exists() and not (tmp_path / "sweep-out").exists()
    done = cli("sweep", config.name, "-o", "out", "--shard", "1/1", cwd=tmp_path)
    assert done.returncode == 1, done.stderr       # both are over 500 B
    assert "sweep: cells" not in done.stderr       # no progress line when not on a terminal (CI)
    assert max(len(line) for line in done.stdout.splitlines()) <= 100
    cells = load(tmp_path / "out" / "sweep.json")["cells"]
    assert {c["status"] for c in cells if c["recipe"] == "float32"} == {"budget-failed"}
    failures = cells[0]["budget"]["failures"]
    assert failures and "size" in failures[0] and f"budget {cells[0]['id']}: {failures[0]}" in done.stdout
    assert re.fullmatch(r"tiny: size [0-9.]+ k?B vs limit 500 B", failures[0]), failures  # not "size 4560.0"


def test_store_entries_are_immutable_checked_and_signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "artifact.bin"
    source.write_bytes(b"model bytes")
    store = ResultStore(tmp_path / "store")
    entry = store.put("cell", "ab" * 32, {"status": "passed"}, files={"model.tflite": source})
    assert store.get("cell", "ab" * 32).value == {"status": "passed"}
    again = store.put("cell", "ab" * 32, {"status": "other"})     # a key is written once: the first value stays
    assert again.value == {"status": "passed"}
    assert not any((tmp_path / "store" / "tmp").iterdir())         # nothing left staged
    (entry.directory / "model.tflite").write_bytes(b"tampered")
    assert store.get("cell", "ab" * 32) is None                    # altered file: a miss, never a result
    store.put("cell", "cd" * 32, {"status": "passed"})
    record_path = store.path("cell", "cd" * 32) / "entry.json"
    sealed = json.loads(record_path.read_text())
    sealed["payload"]["value"] = {"status": "forged"}
    record_path.write_text(json.dumps(sealed))
    assert store.get("cell", "cd" * 32) is None                    # edited value: the signature fails
    monkeypatch.setenv("EDGE_SDK_CACHE_KEY", "lab-secret")          # a lab's shared secret
    shared = ResultStore(tmp_path / "shared")
    shared.put("cell", "ef" * 32, {"status": "passed"})
    assert ResultStore(tmp_path / "shared").get("cell", "ef" * 32) is not None
    monkeypatch.setenv("EDGE_SDK_CACHE_KEY", "another-secret")      # written under another key: not believed
    foreign = ResultStore(tmp_path / "shared")
    assert foreign.get("cell", "ef" * 32) is None and foreign.untrusted == 1


@pytest.mark.slow
def test_a_killed_sweep_resumes_from_what_its_workers_stored(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    config = sweep_dir(tmp_path, models=4, recipes='["float32"]', devices='["pixel-7"]',
                       extra='host_time_limit = "1 s"\n')
    config.write_text(config.read_text().replace("host = false", "host = true"))
    entries = tmp_path / "cache" / "sweep" / "entries"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    coordinator = subprocess.Popen([sys.executable, "-m", "edge_sdk", "sweep", config.name, "--shard", "1/1"],
                                   cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)

    def stored_cells() -> set[str]:
        return {p.parent.name for p in (entries / "cell").rglob("entry.json")}

    try:
        deadline = time.monotonic() + 180
        while not stored_cells():
            assert coordinator.poll() is None and time.monotonic() < deadline, "no cell was stored"
            time.sleep(0.05)
    finally:
        os.killpg(coordinator.pid, signal.SIGKILL)   # the coordinator and the child it was running
        coordinator.wait(timeout=10)
    stored = stored_cells()
    assert 1 <= len(stored) < 4
    assert all((d / "entry.json").is_file() for d in entries.glob("*/*/*"))   # every published entry is whole
    assert not (tmp_path / "sweep-out" / "sweep.json").exists()
    resumed = sweep(config, tmp_path / "sweep-out")
    assert [c["status"] for c in resumed.cells] == ["passed"] * 4
    # reused exactly when stored (keys include edge-sdk's code: an edit of the tree meanwhile re-runs all)
    assert all(c["cache_hit"] == (c["key"] in stored) for c in resumed.cells)
    if stored <= {c["key"] for c in resumed.cells}:
        assert {c["key"] for c in resumed.cells if c["cache_hit"]} == stored


def test_a_new_device_reuses_the_stored_artifacts_and_cells(tmp_path: Path) -> None:
    config = sweep_dir(tmp_path, models=2, recipes='["float32"]', devices='["pixel-7"]')
    first = sweep(config, tmp_path / "one", shard="1/1")
    config.write_text(config.read_text().replace('["pixel-7"]', '["pixel-7", "stm32h747"]'))
    second = sweep(config, tmp_path / "two", shard="1/1")
    stored = {c["key"] for c in first.cells}
    for cell in second.cells:
        assert cell["status"] == "passed" and cell["cache_hit"] == (cell["key"] in stored)
        if cell["device"] == "stm32h747" and stored <= {c["key"] for c in second.cells}:
            assert cell["artifact_reused"]          # only the estimate ran: no second conversion


def test_concurrent_writers_of_one_key_publish_one_whole_entry(tmp_path: Path) -> None:
    import subprocess

    source = tmp_path / "artifact.bin"
    source.write_bytes(b"x" * 200_000)
    script = ("import sys; from pathlib import Path; from edge_sdk.sweep.store import ResultStore\n"
              "e = ResultStore(sys.argv[1]).put('convert', '12' * 32, {'writer': int(sys.argv[2])}, "
              "files={'model.tflite': Path(sys.argv[3])})\n"
              "print(e.value['writer'], (e.directory / 'model.tflite').stat().st_size)")
    writers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "store"), str(n), str(source)],
                                stdout=subprocess.PIPE, text=True) for n in range(6)]
    answers = {w.communicate(timeout=120)[0].strip() for w in writers}
    assert all(w.returncode == 0 for w in writers)
    winner = ResultStore(tmp_path / "store").get("convert", "12" * 32)
    assert answers == {f"{winner.value['writer']} 200000"}        # every writer sees the one published entry
    assert len(list((tmp_path / "store" / "entries" / "convert").glob("*/*"))) == 1
    assert not any((tmp_path / "store" / "tmp").iterdir())       # the losers' staging copies are gone
