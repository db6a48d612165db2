"""The ``sweep`` document (``DIR/sweep.json``): what a sweep ran and what came out, cell by cell.

A cell is one (model, recipe, device). ``edge-sdk sweep`` writes it, ``sweep merge`` joins shards
of it, ``report`` draws it (per device: size vs latency with the Pareto front and the budget).
Exit code: 3 if any cell failed for an infrastructure reason (a crash, a lost worker, no phone),
else 1 if any budget failed or any cell failed for its input, else 0 (``exit_code``).
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired from evaluated annotations
from typing import Any, Literal, NotRequired, TypedDict

from edge_sdk.core.documents.common import Envelope

CellStatus = Literal["passed", "budget-failed", "error", "not-applicable", "planned", "cached"]


class CellError(TypedDict):
    """Why a cell failed: the error of its verb, with the exit code that verb would have ended with."""

    message: str
    exit_code: int
    error: NotRequired[str]          # the EdgeSdkError class name ("RuntimeCrash", "DeviceError"...)
    hint: NotRequired[str | None]


class CellMetrics(TypedDict):
    """The cell's numbers (bytes, ms, fractions); latency_source says measured or estimated."""

    size_bytes: NotRequired[int | None]
    gzip_size_bytes: NotRequired[int | None]
    latency_p50_ms: NotRequired[float | None]
    latency_p90_ms: NotRequired[float | None]
    latency_source: NotRequired[str | None]
    error_band_pct: NotRequired[float | None]
    peak_memory_bytes: NotRequired[int | None]
    accuracy_drop: NotRequired[float | None]
    precision: NotRequired[str | None]
    host_latency_p50_ms: NotRequired[float | None]


class CellBudget(TypedDict):
    passed: bool
    failures: list[str]
    verdicts: NotRequired[int]


class SweepCell(TypedDict):
    id: str                          # "model | recipe | device"
    model: str
    recipe: str
    device: str                      # a profile id, or adb:<profile> (measured on a phone of that profile)
    key: str                         # the cell's content key in the result store
    status: CellStatus
    convert_key: NotRequired[str]
    source_sha256: NotRequired[str]
    cache_hit: NotRequired[bool]     # taken from the result store: nothing ran
    artifact_reused: NotRequired[bool]  # it ran, on an artifact the store already held (a new device, say)
    worker: NotRequired[str | None]
    duration_s: NotRequired[float | None]  # the cell's task times (tasks shared by cells count in each)
    error: NotRequired[CellError | None]
    reason: NotRequired[str]         # why a cell is not applicable
    metrics: NotRequired[CellMetrics]
    budget: NotRequired[CellBudget | None]
    documents: NotRequired[dict[str, str]]   # kind -> path relative to sweep.json (artifact, convert, profile, check)


class SweepMatrix(TypedDict):
    models: list[str]
    recipes: list[str]
    devices: list[str]


class SweepSummary(TypedDict):
    cells: int
    passed: int
    budget_failed: int
    errors: int
    infrastructure_errors: int
    not_applicable: int
    cache_hits: int
    wall_s: float | None


class SweepDocument(Envelope):
    config: dict[str, Any]           # path, sha256, models, recipes, devices, budget, host, store
    engine: dict[str, Any]           # kind (dask-local | dask | serial | merged | none ...), address, workers
    matrix: SweepMatrix
    cells: list[SweepCell]
    summary: SweepSummary
    exit_code: int
    selection: NotRequired[dict[str, Any]]    # shard "I/N", only FILTER, merged_from
    budget: NotRequired[dict[str, Any] | None]  # path, limits {device: {metric: value in base units}}
    dry_run: NotRequired[bool]
    notes: NotRequired[list[str]]
