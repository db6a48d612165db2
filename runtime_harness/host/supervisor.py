"""Parent side of a host measurement: start the child, watch it, turn its fate into a result or an error.

The child (``runtime_harness.host.runner``) is a fresh ``python -m`` process, so a segfault, an
abort or a hang in interpreter code is contained: the parent sees a signal or a deadline, kills
the whole process group, and raises :class:`RuntimeCrash` (exit 3) naming what happened. The
child's own structured errors map to the documented exit codes: bad input data or shape -> 2
(InputError), a model the runtime cannot load -> 2 (UnsupportedModelError), a missing runtime
package -> 3, an allocation failure under a memory cap -> a :class:`MemoryCapExceeded` the caller
reports as a fact about the model.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from edge_sdk.core.child import Child, ChildCrashed, ChildFailed, ChildTimedOut
from edge_sdk.core.errors import InfrastructureError, InputError, RuntimeCrash, UnsupportedModelError
from runtime_harness.host.timing import TimingPolicy

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class HostRequest:
    """What to measure and under which emulated constraints."""

    model: str
    runtime: str = "litert"
    threads: int | None = None
    cpus: tuple[int, ...] | None = None
    memory_cap_bytes: int | None = None
    input_data: str | None = None
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    policy: TimingPolicy = field(default_factory=TimingPolicy)
    timeout_s: float = 300.0


class MemoryCapExceeded(Exception):
    """The model could not run within the memory cap: a fact about the model, not a crash."""

    def __init__(self, cap_bytes: int, message: str) -> None:
        super().__init__(message)
        self.cap_bytes = cap_bytes
        self.message = message


def _child_config(request: HostRequest) -> dict[str, Any]:
    return {
        "model": str(Path(request.model).resolve()),
        "runtime": request.runtime,
        "threads": request.threads,
        "cpus": list(request.cpus) if request.cpus else None,
        "memory_cap_bytes": request.memory_cap_bytes,
        "input_data": str(Path(request.input_data).resolve()) if request.input_data else None,
        "input_shapes": request.input_shapes,
        "policy": asdict(request.policy),
    }


class ChildRun:
    """One measurement child, started at construction so the caller can work while it runs.

    ``result()`` waits for it (relaying progress, enforcing the timeout) and returns the result
    dict or raises; ``kill()`` stops it (on Ctrl-C or when the caller fails first). Under a memory
    cap, runtimes fail in many ways (MemoryError, "failed to create XNNPACK runtime", SIGSEGV);
    any failure under a cap is retried once without it (one inference): if that passes, the cap was
    the cause and :class:`MemoryCapExceeded` carries the capped run's message; if it fails too, the
    uncapped error is the real one. The process itself is an :class:`edge_sdk.core.child.Child`:
    its own process group, dead with this process, and it enforces ``timeout_s`` itself too.
    """

    def __init__(self, request: HostRequest) -> None:
        self.request = request
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        self.child = Child("runtime_harness.host.runner", _child_config(request), timeout_s=request.timeout_s,
                           what=f"the {request.runtime} interpreter", path=request.model, env=env)

    def kill(self) -> None:
        self.child.kill()

    def result(self, progress: ProgressCallback | None = None) -> dict[str, Any]:
        try:
            return self._finish(progress)
        except (MemoryCapExceeded, UnsupportedModelError, InfrastructureError) as capped:
            if not self.request.memory_cap_bytes:
                raise
            message = getattr(capped, "message", str(capped))
        uncapped = replace(self.request, memory_cap_bytes=None, policy=TimingPolicy(runs=1, warmup_s=0.0))
        ChildRun(uncapped).result()  # raises the real error if the model fails without a cap too
        raise MemoryCapExceeded(self.request.memory_cap_bytes, message.split("\n")[0])

    def _finish(self, progress: ProgressCallback | None) -> dict[str, Any]:
        request = self.request
        try:
            result: dict[str, Any] = self.child.wait(progress)
        except ChildTimedOut:
            raise RuntimeCrash(
                f"{request.model}: the {request.runtime} interpreter did not finish within "
                f"{request.timeout_s:g} s and was killed (hang or far too slow)",
                hint="raise timeout_s if the model is just slow, or lower `runs` or min_time_s; a model that "
                     "hangs here will hang in the app too",
                path=request.model, params=("timeout_s", "runs", "min_time_s"),
            ) from None
        except ChildCrashed as crash:
            log_tail = crash.log.strip()[-400:]
            raise RuntimeCrash(
                f"{request.model}: the {request.runtime} interpreter crashed ({crash.signal_name}) while "
                "loading or running the model; the crash was contained in a child process",
                hint="the same model and runtime may crash in the app: try the other `runtime`, and "
                     "report it upstream with this model" + (f"\n  child log: {log_tail}" if log_tail else ""),
                path=request.model, params=("runtime",),
            ) from None
        except ChildFailed as failed:
            log_tail = failed.log.strip()
            last_line = log_tail.splitlines()[-1].strip() if log_tail else "no output"
            raise RuntimeCrash(
                f"{request.model}: the measurement process exited with status {failed.returncode} without a "
                f"result ({last_line[:200]})",
                hint=f"child log: {log_tail[-600:] or '(empty)'}",
                path=request.model,
            ) from None
        return _raise_for_error(request, result)


def start_child(request: HostRequest) -> ChildRun:
    """Start a measurement child and return at once; call ``.result()`` to wait for it."""
    return ChildRun(request)


def run_child(request: HostRequest, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run one measurement in a child process and return its result dict (see runner.measure)."""
    return ChildRun(request).result(progress)


INPUT_PARAMS = ("input_shape", "input_data")  # what runtime_harness.host.inputs messages name


def _raise_for_error(request: HostRequest, result: dict[str, Any]) -> dict[str, Any]:
    if result.get("status") == "ok":
        return result
    kind, message, hint = result.get("kind"), result.get("message", "unknown failure"), result.get("hint")
    if kind == "memory" and request.memory_cap_bytes:
        raise MemoryCapExceeded(request.memory_cap_bytes, message)
    if kind == "input":
        data = str(Path(request.input_data).resolve()) if request.input_data else None
        if data and message.startswith(data):
            raise InputError(message, hint=hint, path=request.input_data, params=INPUT_PARAMS)
        raise InputError(f"{request.model}: {message}", hint=hint, path=request.model, params=INPUT_PARAMS)
    if kind == "unsupported":
        raise UnsupportedModelError(message, hint=hint, path=request.model)
    if kind == "invalid":
        raise InputError(message, hint=hint, path=request.model)
    raise InfrastructureError(message, hint=hint, path=request.model)
