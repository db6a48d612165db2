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

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

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
    op_profile: bool = False  # also time every op alone (runtime_harness.host.op_timing)


class MemoryCapExceeded(Exception):
    """The model could not run within the memory cap: a fact about the model, not a crash."""

    def __init__(self, cap_bytes: int, message: str) -> None:
        super().__init__(message)
        self.cap_bytes = cap_bytes
        self.message = message


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _child_config(request: HostRequest, progress_fd: int | None) -> dict[str, Any]:
    return {
        "model": str(Path(request.model).resolve()),
        "runtime": request.runtime,
        "threads": request.threads,
        "cpus": list(request.cpus) if request.cpus else None,
        "memory_cap_bytes": request.memory_cap_bytes,
        "input_data": str(Path(request.input_data).resolve()) if request.input_data else None,
        "input_shapes": request.input_shapes,
        "policy": asdict(request.policy),
        "progress_fd": progress_fd,
        "op_profile": request.op_profile,
    }


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _watch(process: subprocess.Popen[bytes], read_fd: int, deadline: float,
           progress: ProgressCallback | None) -> bool:
    """Relay progress lines until the child exits; False when the deadline passed first."""
    buffer, open_fd = b"", True
    while process.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if not open_fd:  # the child closed its progress pipe: just wait for its exit
            time.sleep(min(remaining, 0.05))
            continue
        ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.25))
        if not ready:
            continue
        chunk = os.read(read_fd, 65536)
        if not chunk:
            open_fd = False
            continue
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if progress is not None and line.strip():
                try:
                    progress(json.loads(line))
                except ValueError:
                    pass
    return True


class ChildRun:
    """One measurement child, started at construction so the caller can work while it runs.

    ``result()`` waits for it (relaying progress, enforcing the timeout) and returns the result
    dict or raises; ``kill()`` stops it (on Ctrl-C or when the caller fails first). Under a memory
    cap, runtimes fail in many ways (MemoryError, "failed to create XNNPACK runtime", SIGSEGV);
    any failure under a cap is retried once without it (one inference): if that passes, the cap was
    the cause and :class:`MemoryCapExceeded` carries the capped run's message; if it fails too, the
    uncapped error is the real one.
    """

    def __init__(self, request: HostRequest) -> None:
        self.request = request
        self.workdir = Path(tempfile.mkdtemp(prefix="edge-sdk-host-"))
        self.result_path = self.workdir / "result.json"
        self.stderr_path = self.workdir / "stderr.txt"
        self.read_fd, write_fd = os.pipe()
        config_path = self.workdir / "config.json"
        config_path.write_text(json.dumps(_child_config(request, write_fd)), encoding="utf-8")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        try:
            with open(self.stderr_path, "wb") as stderr:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "runtime_harness.host.runner", str(config_path), str(self.result_path)],
                    stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, pass_fds=(write_fd,),
                    start_new_session=True, env=env,
                )
        finally:
            os.close(write_fd)
        self.deadline = time.monotonic() + request.timeout_s

    def kill(self) -> None:
        _kill_group(self.process)
        self._cleanup()

    def _cleanup(self) -> None:
        try:
            os.close(self.read_fd)
        except OSError:
            pass
        shutil.rmtree(self.workdir, ignore_errors=True)

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
        request, process = self.request, self.process
        try:
            finished = _watch(process, self.read_fd, self.deadline, progress)
            if not finished:
                _kill_group(process)
                raise RuntimeCrash(
                    f"{request.model}: the {request.runtime} interpreter did not finish within "
                    f"{request.timeout_s:g} s and was killed (hang or far too slow)",
                    hint="raise timeout_s if the model is just slow, or lower `runs` or min_time_s; a model that "
                         "hangs here will hang in the app too",
                    path=request.model, params=("timeout_s", "runs", "min_time_s"),
                )
            log_tail = self.stderr_path.read_text(encoding="utf-8", errors="replace")[-1500:].strip()
            code = process.returncode
            if code < 0:
                raise RuntimeCrash(
                    f"{request.model}: the {request.runtime} interpreter crashed ({_signal_name(-code)}) while "
                    "loading or running the model; the crash was contained in a child process",
                    hint="the same model and runtime may crash in the app: try the other `runtime`, and "
                         "report it upstream with this model" + (f"\n  child log: {log_tail[-400:]}" if log_tail else ""),
                    path=request.model, params=("runtime",),
                )
            if not self.result_path.exists():
                last_line = log_tail.splitlines()[-1].strip() if log_tail else "no output"
                raise RuntimeCrash(
                    f"{request.model}: the measurement process exited with status {code} without a result "
                    f"({last_line[:200]})",
                    hint=f"child log: {log_tail[-600:] or '(empty)'}",
                    path=request.model,
                )
            result = json.loads(self.result_path.read_text(encoding="utf-8"))
        except BaseException:
            _kill_group(process)
            raise
        finally:
            self._cleanup()
        return _raise_for_error(request, result)


def start_child(request: HostRequest) -> ChildRun:
    """Start a measurement child and return at once; call ``.result()`` to wait for it."""
    return ChildRun(request)


def run_child(request: HostRequest, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run one measurement in a child process and return its result dict (see runner.measure)."""
    return ChildRun(request).result(progress)


def _raise_for_error(request: HostRequest, result: dict[str, Any]) -> dict[str, Any]:
    if result.get("status") == "ok":
INPUT_PARAMS = ("input_shape", "input_data")  # what runtime_harness.host.inputs messages name


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
