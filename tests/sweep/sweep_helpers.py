"""Shared pieces of the sweep tests: tiny real .tflite models, sweep files, real Dask processes.

The models are real flatbuffers LiteRT runs (written with edge_sdk.graph.synth, no TensorFlow), so
conversion (re-validation), analysis, estimation and host measurement all run for real in
milliseconds. The Dask cluster is real: `dask scheduler` and `dask worker` processes on
127.0.0.1, each in its own process group, killed with its children at teardown.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).parent / "dask"


def tiny_model(path: Path, inputs: int, outputs: int, seed: int) -> Path:
    """A real one-layer .tflite (FULLY_CONNECTED with random weights)."""
    from edge_sdk.graph.synth import Tensor, single_op

    weights = np.random.default_rng(seed).standard_normal((outputs, inputs)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(single_op("FULLY_CONNECTED", [Tensor([1, inputs]), Tensor([outputs, inputs], data=weights)],
                               [Tensor([1, outputs])]))
    return path


def sweep_dir(root: Path, models: int = 2, extra: str = "", devices: str = '["pixel-7", "raspberry-pi-4"]',
              recipes: str = '["float32", "int8"]') -> Path:
    """A sweep folder: ``models`` tiny models, a SWEEP.toml (host measurement off unless ``extra`` says)."""
    for index in range(models):
        tiny_model(root / "models" / f"m{index}.tflite", 16 * (index + 1), 8, seed=index)
    (root / "SWEEP.toml").write_text(
        f'models = ["models/*.tflite"]\nrecipes = {recipes}\ndevices = {devices}\nhost = false\n{extra}')
    return root / "SWEEP.toml"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "edge_sdk", *args], check=False, cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def matrix(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What must not depend on how a sweep was run: each cell's identity, key and outcome."""
    return [(c["id"], c["key"], c["status"]) for c in document["cells"]]


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left: no orphaned worker survives a test."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            # the group may still hold children (a nanny's worker): kill what remains
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def group_alive(pid: int, grace_s: float = 10.0) -> bool:
    """Whether any process of group ``pid`` still exists after ``grace_s`` (killed children need a
    moment to be reaped by init)."""
    deadline = time.monotonic() + grace_s
    while True:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


class DaskCluster:
    """A real scheduler and workers, each started as its own `dask` process on 127.0.0.1."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=self.log_dir, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})
        log.close()
        self.processes.append(process)
        return process

    def start_scheduler(self) -> None:
        self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard",
                                  "--dashboard-address", "127.0.0.1:0"])

    def start_worker(self, name: str, resources: str | None = None, env: dict[str, str] | None = None) -> None:
        args = ["worker", self.address, "--nthreads", "1", "--name", name, "--no-dashboard", "--host", "127.0.0.1",
                "--dashboard-address", "127.0.0.1:0", "--memory-limit", "0",
                "--death-timeout", "60"]
        if resources:
            args += ["--resources", resources]
        self.workers[name] = self._spawn(f"worker-{name}", args, env)

    def wait_for_workers(self, count: int, timeout: float = 60) -> dict[str, str]:
        """{worker name: address} once ``count`` workers are registered."""
        from distributed import Client

        deadline = time.monotonic() + timeout
        with Client(self.address, timeout="30s", set_as_default=False) as client:
            while time.monotonic() < deadline:
                workers = client.scheduler_info(n_workers=-1)["workers"]
                if len(workers) >= count:
                    return {info["name"]: address for address, info in workers.items()}
                time.sleep(0.2)
        raise TimeoutError(f"{count} Dask workers did not register within {timeout} s; logs in {self.log_dir}")

    def kill_worker(self, name: str) -> None:
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(timeout=10)

    def close(self) -> None:
        for process in reversed(self.processes):
            _stop(process)


@contextmanager
def dask_cluster(log_dir: Path, workers: int = 2, **worker_options: Any):
    cluster = DaskCluster(log_dir)
    try:
        cluster.start_scheduler()
        for index in range(workers):
            cluster.start_worker(f"w{index + 1}", **worker_options)
        cluster.wait_for_workers(workers)
        yield cluster
    finally:
        cluster.close()
        leftovers = [p.pid for p in cluster.processes if group_alive(p.pid)]
        assert not leftovers, f"Dask processes survived teardown: {leftovers}"


KERAS_SCRIPT = """
import sys, numpy as np, keras
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(4, activation="softmax")])
model.save(sys.argv[1])
"""


def tiny_keras(path: Path) -> Path:
    """A real two-layer Keras 3 model (8 -> 4), written by a child so TensorFlow stays out of pytest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", KERAS_SCRIPT, str(path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return path


def eval_data(path: Path, inputs: int = 8, classes: int = 4, samples: int = 32) -> Path:
    """Labelled evaluation data (.npz with x and y)."""
    rng = np.random.default_rng(7)
    np.savez(path, x=rng.standard_normal((samples, inputs)).astype(np.float32),
             y=rng.integers(0, classes, samples))
    return path
