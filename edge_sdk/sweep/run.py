"""``sweep()``: plan, skip what the store holds, run the rest on an executor, write the results.

The coordinator never converts or measures anything itself: it computes keys, asks the result
store which cells are done, submits the task graph of the others, follows completions (progress
through a callback, never printed here), and writes ``sweep.json`` with the per-cell documents
and artifacts beside it. A failed cell is recorded and the sweep goes on; a sweep killed midway
resumes from the cells its workers already stored.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import EXIT_INFRASTRUCTURE, UsageError
from edge_sdk.core.progress import ProgressCallback, ProgressEvent
from edge_sdk.sweep.config import SweepConfig, load_sweep_config
from edge_sdk.sweep.executor import Executor
from edge_sdk.sweep.output import SweepResult, guard_output, write_outputs
from edge_sdk.sweep.plan import NOT_APPLICABLE, Plan, artifact_tasks, build_plan, parse_shard
from edge_sdk.sweep.store import ResultStore


def default_store(config: SweepConfig) -> Path:
    """``store`` from the sweep file, else ``$EDGE_SDK_SWEEP_STORE``, else ``sweep/`` in edge-sdk's cache
    directory (outside the repository: ``$EDGE_SDK_CACHE_DIR`` or the user's cache)."""
    from edge_sdk.core.cache_store import cache_root

    if config.store:
        return config.store
    env = os.environ.get("EDGE_SDK_SWEEP_STORE")
    return Path(env) if env else cache_root() / "sweep"


@dataclass
class _Tracker:
    """Cells done / running / failed and an ETA, sent to the progress callback as they change."""

    total: int
    on_progress: ProgressCallback | None
    done: int = 0
    failed: int = 0
    started: float = 0.0
    fresh_done: int = 0

    def __post_init__(self) -> None:
        self.started = time.perf_counter()

    def advance(self, cells: list[dict[str, Any]], fresh: bool, running: int) -> None:
        """Count ``cells`` as done; ``running``: cells whose artifact has started and not finished."""
        self.done += len(cells)
        self.fresh_done += len(cells) if fresh else 0
        self.failed += sum(c["status"] == "error" for c in cells)
        if self.on_progress is None:
            return
        elapsed = time.perf_counter() - self.started
        remaining = self.total - self.done
        eta = elapsed / self.fresh_done * remaining if self.fresh_done else None
        self.on_progress(ProgressEvent("sweep", "cells", "update", elapsed_s=round(elapsed, 1), data={
            "done": self.done, "total": self.total, "running": running, "failed": self.failed,
            "eta_s": None if eta is None else round(eta, 1)}))


def sweep(config: str | Path | SweepConfig, output: str | os.PathLike[str] = "sweep-out", *,
          scheduler: str | None = None, workers: int | None = None, shard: str | None = None,
          only: str | None = None, dry_run: bool = False, store: str | os.PathLike[str] | None = None,
          on_progress: ProgressCallback | None = None,
          executor_factory: Callable[[SweepConfig], Executor] | None = None) -> SweepResult:
    """Run a sweep; see ``edge-sdk sweep --help``. Returns the ``sweep`` document and the exit code.

    ``shard="I/N"`` runs share I of N in this process (no engine); ``scheduler`` uses an existing
    Dask cluster; otherwise a local Dask cluster with ``workers`` processes (default: one per core).
    Raises ConfigError/UsageError (exit 2) for a bad sweep file or arguments and InfrastructureError
    (exit 3) when the engine cannot be reached; failures of single cells are recorded, not raised.
    """
    parsed_shard = parse_shard(shard)
    if parsed_shard and scheduler:
        raise UsageError("shard and scheduler are alternatives: a shard runs here, without an engine",
                         params=("shard", "scheduler"))
    if workers is not None and workers < 1:
        raise UsageError(f"workers={workers}: must be 1 or more", params=("workers",))
    cfg = config if isinstance(config, SweepConfig) else load_sweep_config(config)
    if not dry_run:
        data = [d for d in (cfg.calibration_data, cfg.eval_data) if d and d != "random"]
        guard_output(Path(output), [(cfg.path, "sweep file"), (cfg.budget, "budget"),
                                    *((m.path, "source model") for m in cfg.models), *((d, "data") for d in data)])
    store_root = Path(store) if store else default_store(cfg)
    plan = build_plan(cfg, store_root, shard=parsed_shard, only=only)
    results = ResultStore(store_root)
    cached = {}
    for cell in plan.cells:
        entry = results.get("cell", cell["key"])
        if entry is not None:
            cached[cell["key"]] = {**entry.value, "cache_hit": True, "store_entry": str(entry.directory)}
    engine: dict[str, Any] = {"kind": "none (dry run)" if dry_run else None, "shard": shard}
    started = time.perf_counter()
    if dry_run:
        records = {c["key"]: {**c, "status": "planned"} for c in plan.cells}
        records.update(cached)
        records.update(_not_applicable(plan))
        return write_outputs(plan, records, Path(output), store_root, engine, 0.0, notes=_notes(results),
                             dry_run=True)
    records = _run(plan, cached, store_root, engine, parsed_shard, scheduler, workers, on_progress, executor_factory)
    return write_outputs(plan, records, Path(output), store_root, engine, time.perf_counter() - started,
                         notes=_notes(results))


def _notes(results: ResultStore) -> list[str]:
    from edge_sdk.core.cache_store import untrusted_note

    return [untrusted_note(results.untrusted, results.root, "result store entries")] if results.untrusted else []


def _run(plan: Plan, cached: dict[str, Any], store_root: Path, engine: dict[str, Any], shard: tuple[int, int] | None,
         scheduler: str | None, workers: int | None, on_progress: ProgressCallback | None,
         executor_factory: Callable[[SweepConfig], Executor] | None) -> dict[str, dict[str, Any]]:
    cfg = plan.config
    records: dict[str, dict[str, Any]] = {**cached, **_not_applicable(plan)}
    todo = [(a, [c for c in a.cells if c["key"] not in records]) for a in plan.artifacts]
    todo = [(a, cells) for a, cells in todo if cells]
    tracker = _Tracker(len(plan.cells), on_progress)
    tracker.advance(list(records.values()), fresh=False, running=0)
    if not todo:
        engine.update(kind="none (nothing to run: every cell stored or not applicable)", workers=0)
        return records
    executor = _executor(cfg, scheduler, workers, shard, executor_factory)
    try:
        engine.update(executor.description)
        offered = executor.offered_resources()
        verdict_cells: dict[str, list[dict[str, Any]]] = {}
        artifact_of: dict[str, str] = {}     # task key -> its artifact's verdict key
        for artifact, cells in todo:
            graph, verdict_key = artifact_tasks(artifact, cells, cfg, store_root, offered)
            executor.submit(graph)
            verdict_cells[verdict_key] = cells
            artifact_of.update((task.key, verdict_key) for task in graph)
        started: set[str] = set()   # artifacts with a finished task: their cells are under way
        for done in executor.as_completed():
            owner = artifact_of.get(done.key)
            if owner is None:
                continue
            started.add(owner)
            new: list[dict[str, Any]] = []
            if done.key == owner:
                started.discard(owner)
                lost = verdict_cells.pop(owner)
                new = done.result["cells"] if done.error is None else [_lost(c, done.error) for c in lost]
                for cell in new:
                    records[cell["key"]] = cell
            tracker.advance(new, fresh=True, running=sum(len(verdict_cells[k]) for k in started))
    finally:
        executor.close()
    return records


def _not_applicable(plan: Plan) -> dict[str, dict[str, Any]]:
    return {cell["key"]: {**cell, "status": NOT_APPLICABLE, "error": None, "cache_hit": False,
                          "reason": artifact.skipped, "metrics": {}, "documents": {}}
            for artifact in plan.artifacts if artifact.skipped for cell in artifact.cells}


def _executor(cfg: SweepConfig, scheduler: str | None, workers: int | None, shard: tuple[int, int] | None,
              factory: Callable[[SweepConfig], Executor] | None) -> Executor:
    if factory is not None:
        return factory(cfg)
    if shard:
        from edge_sdk.sweep.executor_serial import SerialExecutor

        return SerialExecutor()
    from edge_sdk.sweep.executor_dask import DaskExecutor

    return DaskExecutor(scheduler=scheduler, workers=workers, adb_resources=None if scheduler else cfg.adb_devices,
                        retries=cfg.retries)


def _lost(cell: dict[str, Any], error: BaseException) -> dict[str, Any]:
    """A cell whose tasks the engine gave up on (a worker lost several times): an infrastructure error."""
    message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no detail'}"
    return {**cell, "status": "error", "cache_hit": False, "metrics": {}, "documents": {}, "worker": None,
            "duration_s": None, "error": {"error": type(error).__name__, "message": message,
                                          "exit_code": EXIT_INFRASTRUCTURE, "hint": None}}
