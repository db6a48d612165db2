"""``edge-sdk sweep``: models x recipes x devices, on one machine or a Dask cluster.

Public API::

    from edge_sdk.sweep import sweep, merge, load_sweep_config
    result = sweep("SWEEP.toml", "sweep-out")                # embedded local Dask cluster
    result = sweep("SWEEP.toml", "out", scheduler="tcp://lab:8786")
    result = sweep("SWEEP.toml", "out-1", shard="1/2")       # no engine: a CI matrix job
    merge(["out-1", "out-2"], "out")
    result.exit_code, result.document["cells"]

Modules, in the order a sweep flows: ``config`` (SWEEP.toml), ``keys`` (content keys), ``plan``
(cells and the task graph), ``store`` (immutable result entries), ``executor`` (the seam) with
``executor_dask`` and ``executor_serial``, ``tasks`` and ``cells`` (what workers run), ``run``
(the coordinator), ``output`` and ``document`` (sweep.json), ``merge`` (shards).
"""

from __future__ import annotations

from edge_sdk.sweep.config import SweepConfig, load_sweep_config
from edge_sdk.sweep.merge import merge
from edge_sdk.sweep.output import SweepResult
from edge_sdk.sweep.run import sweep

__all__ = ["SweepConfig", "SweepResult", "load_sweep_config", "merge", "sweep"]
