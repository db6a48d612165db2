"""The Dask executor: the sweep's task graph on Dask distributed, embedded or on an existing cluster.

Embedded (no ``--scheduler``): a ``LocalCluster`` on 127.0.0.1 with one single-threaded worker
process per core (spawned, so every worker imports the task functions by name), no dashboard,
stopped when the sweep ends. When the sweep names phones (``adb:<profile>``) one more local worker
offers those resources: the phones connected to this machine are measured one task at a time.

Existing cluster (``--scheduler tcp://HOST:8786``): workers started with
``dask worker tcp://HOST:8786 --resources "adb:pixel-7=1"`` on the lab hosts where phones are
plugged in form one pool; a task that needs a phone asks the scheduler for that resource. A
worker that dies mid-task has its tasks re-run on another worker by the scheduler itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from edge_sdk.core.errors import InfrastructureError
from edge_sdk.sweep.executor import Done, Task

CONNECT_TIMEOUT_S = 5.0


def _quiet() -> None:
    """Dask logs worker start-up and shut-down at INFO: the sweep reports progress itself."""
    for name in ("distributed", "distributed.scheduler", "distributed.worker", "distributed.nanny",
                 "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.ERROR)


class DaskExecutor:
    def __init__(self, *, scheduler: str | None = None, workers: int | None = None,
                 adb_resources: list[str] | None = None, retries: int = 1,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        import dask
        from distributed import Client, LocalCluster

        _quiet()
        self.retries = retries
        self._cluster = None
        self._futures: dict[str, Any] = {}
        dask.config.set({"distributed.comm.timeouts.connect": f"{connect_timeout_s}s"})
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=f"{connect_timeout_s}s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InfrastructureError(
                    f"cannot reach the Dask scheduler at {scheduler} within {connect_timeout_s:g} s ({reason})") from None
            kind = "dask"
        else:
            count = workers or len(os.sched_getaffinity(0))
            # everything on loopback; the HTTP servers (dashboard when bokeh is installed) on free ports
            self._cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                                         dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0",
                                         memory_limit=0, silence_logs=logging.CRITICAL)
            # ^ the worker processes' own loggers: _quiet() only reaches this process, and a worker's
            # heartbeat to the scheduler closing at the end of a sweep logged ERROR with two tracebacks
            if adb_resources:
                self._cluster.new_spec["options"]["resources"] = {f"adb:{p}": 1 for p in adb_resources}
                self._cluster.scale(count + 1)
            self.client = Client(self._cluster, set_as_default=False)
            if adb_resources:
                self.client.wait_for_workers(count + 1, timeout=60)
            kind = "dask-local"
        self.description: dict[str, Any] = {
            "kind": kind, "address": getattr(self.client.scheduler, "address", scheduler),
            "workers": len(self.client.scheduler_info(n_workers=-1).get("workers", {}))}

    def offered_resources(self) -> set[str]:
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return {name for info in workers.values() for name, amount in (info.get("resources") or {}).items()
                if amount >= 1}

    def submit(self, tasks: list[Task]) -> None:
        for task in tasks:
            args = [self._futures[d] for d in task.depends]
            self._futures[task.key] = self.client.submit(
                task.function, task.spec, *args, key=task.key, pure=False, retries=self.retries,
                resources=task.resources or None)

    def as_completed(self) -> Iterator[Done]:
        from distributed import as_completed

        for future in as_completed(list(self._futures.values()), loop=self.client.loop):
            if future.status == "finished":
                yield Done(future.key, result=future.result())
            else:
                try:
                    error = future.exception()
                except BaseException as exc:  # noqa: BLE001 - cancelled / lost: the reason is the exception
                    error = exc
                yield Done(future.key, error=error or RuntimeError(f"task {future.key} ended {future.status}"))

    def close(self) -> None:
        futures, self._futures = list(self._futures.values()), {}
        try:
            if futures:
                self.client.cancel(futures)
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None
