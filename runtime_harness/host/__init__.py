"""Host measurement: run a .tflite for real on this machine, in an isolated child process.

``measure(HostRequest(...))`` returns the raw result of one run (samples, init and first-inference
times, peak RSS, the constraints applied); :mod:`edge_sdk.profiling` turns it into a profile
document. Modules, in the order a measurement flows:

- ``supervisor``: parent side; starts the child, enforces the timeout, maps crashes/errors
- ``runner``: child entry point; applies constraints, loads, feeds and times the model
- ``runtimes``: the two real interpreters and what their load failures mean
- ``inputs``: input shapes and data (generated within dtype/quantization ranges, or loaded)
- ``timing``: the adaptive timing loop
"""

from runtime_harness.host.supervisor import ChildRun, HostRequest, MemoryCapExceeded, start_child
from runtime_harness.host.supervisor import run_child as measure
from runtime_harness.host.timing import TimingPolicy

__all__ = ["ChildRun", "HostRequest", "MemoryCapExceeded", "TimingPolicy", "measure", "start_child"]
