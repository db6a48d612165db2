"""The serial executor: the task graph in this process, in submission (dependency) order.

Used by ``--shard I/N``: a CI matrix job runs its share of the sweep with no engine at all, and
``edge-sdk sweep merge`` joins the shards. Results are the same as on Dask because the task
functions are the same; only who calls them differs.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

from edge_sdk.sweep.executor import Done, Task


class SerialExecutor:
    def __init__(self) -> None:
        self.description: dict[str, Any] = {"kind": "serial", "address": None, "workers": 1,
                                            "host": socket.gethostname()}
        self._queue: list[Task] = []

    def offered_resources(self) -> set[str] | None:
        return None

    def submit(self, tasks: list[Task]) -> None:
        self._queue.extend(tasks)

    def as_completed(self) -> Iterator[Done]:
        results: dict[str, Any] = {}
        failed: dict[str, BaseException] = {}
        while self._queue:
            task = self._queue.pop(0)
            broken = next((failed[d] for d in task.depends if d in failed), None)
            if broken is not None:
                failed[task.key] = broken
                yield Done(task.key, error=broken)
                continue
            try:
                results[task.key] = task.function(task.spec, *(results[d] for d in task.depends))
            except Exception as exc:  # noqa: BLE001 - reported per task, like an engine does
                failed[task.key] = exc
                yield Done(task.key, error=exc)
                continue
            yield Done(task.key, result=results[task.key])

    def close(self) -> None:
        self._queue.clear()
