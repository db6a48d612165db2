"""Host measurement: run a .tflite for real on this machine, in an isolated child process.

``measure(HostRequest(...))`` returns the raw result of one run (samples, init and first-inference
times, peak RSS, the constraints applied); :mod:`edge_sdk.profiling` turns it into a profile
document. Modules, in the order a measurement flows:

- ``supervisor``: parent side; starts the child, enforces the timeout, maps crashes/errors
- ``runner``: child entry point; applies constraints, loads, feeds and times the model
- ``runtimes``: the two real interpreters and what their load failures mean
- ``inputs``: input shapes and data (generated within dtype/quantization ranges, or loaded)
- ``timing``: the adaptive timing loop

Names are resolved lazily so the child (``runner``) never imports the parent's machinery: its
start-up time is part of every measurement's wall time.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ChildRun": "runtime_harness.host.supervisor",
    "HostRequest": "runtime_harness.host.supervisor",
    "MemoryCapExceeded": "runtime_harness.host.supervisor",
    "start_child": "runtime_harness.host.supervisor",
    "measure": "runtime_harness.host.supervisor",
    "TimingPolicy": "runtime_harness.host.timing",
}

__all__ = ["ChildRun", "HostRequest", "MemoryCapExceeded", "TimingPolicy", "measure", "start_child"]  # = _LAZY


def __getattr__(name: str) -> Any:
    if name == "measure":
        return importlib.import_module(_LAZY[name]).run_child
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtime_harness.host' has no attribute {name!r}")
