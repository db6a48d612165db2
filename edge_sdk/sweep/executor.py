"""The executor seam: submit a task graph, get tasks back as they complete.

A sweep's coordinator only needs two things from an engine, so that is all the protocol holds:
:meth:`Executor.submit` (tasks whose arguments name the tasks they depend on, plus the worker
resources a task needs, e.g. ``adb:pixel-7``) and :meth:`Executor.as_completed`. The Dask
implementation (:mod:`.executor_dask`) runs on a local cluster or an existing scheduler; the
serial one (:mod:`.executor_serial`) runs in this process for ``--shard`` (a CI matrix job needs no
engine). Another engine (Ray) would be one more small module.

Task functions are module-level functions of :mod:`edge_sdk.sweep.tasks` (importable by name on
any worker) taking ``(spec, *results of the tasks in depends)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Task:
    key: str                     # a content key: equal keys are the same work
    kind: str                    # convert, inspect, estimate, host, adb, verdict
    function: Callable[..., Any]
    spec: dict[str, Any]
    depends: tuple[str, ...] = ()
    resources: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Done:
    """A finished task: its result, or the exception the engine raised (a worker lost for good...)."""

    key: str
    result: Any = None
    error: BaseException | None = None


class Executor(Protocol):
    description: dict[str, Any]      # for sweep.json: engine kind, address, workers

    def offered_resources(self) -> set[str] | None:
        """Worker resources some worker offers; None when tasks run here (no resource routing)."""

    def submit(self, tasks: list[Task]) -> None:
        """Queue ``tasks`` (in dependency order: a task's ``depends`` come before it)."""

    def as_completed(self) -> Iterator[Done]:
        """Every submitted task once, as it finishes."""

    def close(self) -> None:
        """Release the engine (stop an embedded cluster); safe to call twice."""
