"""The embedded cluster's worker processes never print Dask's own log lines on the user's terminal.

A worker's ERROR log (a heartbeat to a scheduler that has just closed, at the end of a sweep) went
to the inherited stderr with its traceback: ``distributed.worker - ERROR - Failed to communicate
with scheduler during heartbeat`` followed by two tracebacks, after a sweep that had succeeded.
The parent's ``logging`` levels do not reach the worker processes; the cluster must silence them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import logging
from edge_sdk.sweep.executor import Task
from edge_sdk.sweep.executor_dask import DaskExecutor

executor = DaskExecutor(workers=1)
try:
    # a worker-side ERROR log, as distributed.worker writes one when its scheduler goes away
    executor.submit([Task(key="probe", kind="probe", function=logging.getLogger("distributed.worker").error,
                          spec="QA-PROBE worker log line")])
    done = list(executor.as_completed())
    assert [d.key for d in done] == ["probe"] and done[0].error is None, done
finally:
    executor.close()
print("probe ran")
"""


@pytest.mark.slow  # a local Dask cluster: ~3 s
def test_worker_processes_of_the_embedded_cluster_log_nothing_on_the_terminal() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert done.returncode == 0 and "probe ran" in done.stdout, done.stderr
    assert "QA-PROBE" not in done.stderr and "Traceback" not in done.stderr, done.stderr
