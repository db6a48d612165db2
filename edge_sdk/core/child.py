"""Run Python code in a child process that can crash, hang or be orphaned without harming anyone.

Every isolated run of edge-sdk (a conversion, a LiteRT validation run, onnx2tf, a host measurement,
a sweep worker) goes through this one helper, so they all get the same guarantees:

- **Request/response JSON.** The parent writes ``request.json``; the child's handler returns a
  JSON-ready value, written atomically to ``response.json`` (the parent finds a whole answer or none).
- **Errors keep their exit code.** An :class:`~edge_sdk.core.errors.EdgeSdkError` raised by the
  handler is raised again in the parent with the same class (``InputError`` -> exit 2). A signal
  is :class:`ChildCrashed`, the deadline :class:`ChildTimedOut`, an exit without an answer
  :class:`ChildFailed`; all three are exit 3 and carry the tail of the child's log (``.log``).
- **Own process group.** The child starts a new session; on timeout, Ctrl-C or any exception in
  the parent, the whole group (the child and whatever it started) is killed with SIGKILL.
- **Dies with the parent.** In the child, ``PR_SET_PDEATHSIG`` (Linux, via ctypes) kills it the
  moment the parent goes; and, portably, a tiny watchdog *process* forked by the child watches a
  pipe only the parent holds open: end-of-file means the parent is gone, and the watchdog kills
  the child's group. Being a separate process, it works even when the child is stuck in C code
  holding the GIL. So a ``kill -9`` of ``edge-sdk convert`` never lets its converter publish.
- **Enforces its own timeout.** The same watchdog kills the group at ``timeout_s`` plus a short
  grace, measured in the child: a hung interpreter never outlives its timeout, parent or not.
- **No temp files left behind.** The child's ``TMPDIR`` is inside the parent's work folder,
  removed after the run, also when the child was killed.

Parent side::

    answer = run_child("pkg.worker", {"model": str(path)}, timeout_s=300, what="the LiteRT interpreter",
                       path=str(path))

or ``child = Child(...)`` to start it, do other work, then ``child.wait(progress=callback)``;
``workdir=`` lets the caller put large inputs (``.npz``) beside the request first.

Child side (the module named above)::

    from edge_sdk.core.child import serve, report_progress

    def handle(request: dict) -> dict:        # raise InputError(...) for bad input
        ...
        report_progress({"runs": 10})          # optional; relayed to the parent's callback
        return {"latency_ms": 1.2}

    if __name__ == "__main__":
        sys.exit(serve(handle))

Call :func:`serve` before importing anything heavy (TensorFlow): the guards start inside it.
Caveat: ``PR_SET_PDEATHSIG`` fires when the parent *thread* that started the child ends, so start
and wait for a child from the same thread (or one that outlives it).
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
from pathlib import Path
from typing import Any

from edge_sdk.core import errors
from edge_sdk.core.errors import EdgeSdkError, InfrastructureError, RuntimeCrash

CONTROL_ENV = "EDGE_SDK_CHILD"
GRACE_S = 3.0          # the child's own deadline is the parent's plus this: the parent's message wins
LOG_TAIL_CHARS = 32000   # enough for a tool's error lines above its traceback

ProgressCallback = Callable[[Any], None]


class ChildCrashed(RuntimeCrash):
    """The child died from a signal (segfault, abort, out-of-memory killer)."""

    def __init__(self, message: str, *, signal_name: str, log: str, hint: str | None = None,
                 path: str | None = None, params: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint, path=path, params=params)
        self.signal_name, self.log = signal_name, log


class ChildTimedOut(RuntimeCrash):
    """The child did not finish within its timeout and was killed with its process group."""

    def __init__(self, message: str, *, timeout_s: float, log: str, hint: str | None = None,
                 path: str | None = None, params: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint, path=path, params=params)
        self.timeout_s, self.log = timeout_s, log


class ChildFailed(InfrastructureError):
    """The child exited without an answer (an uncaught exception, ``sys.exit`` inside a library)."""

    def __init__(self, message: str, *, returncode: int, log: str, hint: str | None = None,
                 path: str | None = None, params: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint, path=path, params=params)
        self.returncode, self.log = returncode, log


def signal_name(number: int) -> str:
    """``SIGSEGV`` for 11; ``signal 77`` for a number this platform does not name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def error_from_dict(data: dict[str, Any]) -> EdgeSdkError:
    """Rebuild an error a child reported with ``EdgeSdkError.to_dict()`` (unknown kinds -> exit 3)."""
    cls = getattr(errors, str(data.get("error")), None)
    if not (isinstance(cls, type) and issubclass(cls, EdgeSdkError)):
        cls = InfrastructureError
    hint, path, params = data.get("hint"), data.get("path"), data.get("params")
    return cls(str(data.get("message")), hint=None if hint is None else str(hint),
               path=None if path is None else str(path),
               params=tuple(str(p) for p in params) if isinstance(params, list) else ())


def _last_line(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


class Child:
    """One child process running ``python -m MODULE``, started at construction.

    ``what`` names the child in messages ("the converter", "the litert interpreter"); ``path`` is
    the file the errors are about. ``env`` replaces the inherited environment, ``cwd`` the working
    directory. ``workdir`` (caller-owned, kept) holds request/response; by default a private temp
    folder removed after the run. ``capture_log=False`` lets the child write to our stderr.
    """

    def __init__(self, module: str, request: Any, *, timeout_s: float, what: str, path: str | None = None,
                 env: dict[str, str] | None = None, cwd: str | os.PathLike[str] | None = None,
                 workdir: str | os.PathLike[str] | None = None, capture_log: bool = True) -> None:
        self.module, self.timeout_s, self.what, self.path = module, float(timeout_s), what, path
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="edge-sdk-child-"))
        self.private = Path(tempfile.mkdtemp(prefix=".child-", dir=self.workdir))  # TMPDIR, response, log
        self.response_path = self.private / "response.json"
        self.log_path = self.private / "child.log" if capture_log else None
        request_path = self.private / "request.json"
        request_path.write_text(json.dumps(request), encoding="utf-8")
        parent_read, self._parent_write = os.pipe()     # EOF in the child = this process is gone
        self._progress_read, progress_write = os.pipe()
        control = {"parent_fd": parent_read, "progress_fd": progress_write, "ppid": os.getpid(),
                   "timeout_s": self.timeout_s + GRACE_S}
        (self.private / "tmp").mkdir()
        child_env = dict(os.environ if env is None else env)
        child_env.update({CONTROL_ENV: json.dumps(control), "TMPDIR": str(self.private / "tmp")})
        log = open(self.log_path, "wb") if self.log_path else None  # noqa: SIM115 - closed below
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, str(request_path), str(self.response_path)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(parent_read, progress_write),
                start_new_session=True, env=child_env, cwd=cwd)
        except BaseException:
            self._close_pipes()
            self._remove_files()
            raise
        finally:
            os.close(parent_read)
            os.close(progress_write)
            if log is not None:
                log.close()
        self.pid = self.process.pid
        self.deadline = time.monotonic() + self.timeout_s
        self._done = False

    # ---- waiting -----------------------------------------------------------------------------

    def wait(self, progress: ProgressCallback | None = None) -> Any:
        """Wait for the answer (relaying progress); raise the child's error or a crash/timeout error."""
        try:
            if not self._relay(progress):
                self._kill_group()
                raise ChildTimedOut(
                    f"{self._subject()}{self.what} did not finish within {self.timeout_s:g} s and was killed",
                    timeout_s=self.timeout_s, log=self.log(), path=self.path,
                    hint="a hang or a far too slow run; raise the timeout only if it is just slow")
            return self._answer(self.process.returncode)
        finally:
            self.kill()

    def _relay(self, progress: ProgressCallback | None) -> bool:
        """Pass progress lines on until the child exits; False when the deadline passed first."""
        buffer, reading = b"", True
        while self.process.poll() is None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                return False
            if not reading:
                try:
                    self.process.wait(timeout=min(remaining, 0.25))
                except subprocess.TimeoutExpired:
                    pass
                continue
            ready, _, _ = select.select([self._progress_read], [], [], min(remaining, 0.25))
            if not ready:
                continue
            chunk = os.read(self._progress_read, 65536)
            if not chunk:   # every writer closed it; the child may still run
                reading = False
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

    def _answer(self, code: int) -> Any:
        if code < 0:
            name = signal_name(-code)
            raise ChildCrashed(f"{self._subject()}{self.what} crashed ({name}); the crash was contained in a "
                               "child process", signal_name=name, log=self.log(), path=self.path)
        try:
            answer = json.loads(self.response_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log = self.log()
            raise ChildFailed(f"{self._subject()}{self.what} exited with status {code} without an answer "
                              f"({_last_line(log)})", returncode=code, log=log, path=self.path,
                              hint="set EDGE_SDK_DEBUG=1 for the child's full output") from None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            raise error_from_dict(answer["error"])
        return answer.get("result") if isinstance(answer, dict) else None

    def _subject(self) -> str:
        return f"{self.path}: " if self.path else ""

    def log(self) -> str:
        """The tail of what the child printed (empty when its output was not captured)."""
        if self.log_path is None:
            return ""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - LOG_TAIL_CHARS))
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        if os.environ.get("EDGE_SDK_DEBUG") and text:
            sys.stderr.write(f"--- {self.module} output ---\n{text}\n")
        return text

    # ---- stopping ----------------------------------------------------------------------------

    def kill(self) -> None:
        """Kill the child's whole process group (if anything is left) and remove its files. Idempotent."""
        if self._done:
            return
        self._done = True
        self._kill_group()
        self._close_pipes()
        self._remove_files()

    def _kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def _close_pipes(self) -> None:
        for fd in (self._parent_write, self._progress_read):
            try:
                os.close(fd)
            except OSError:
                pass

    def _remove_files(self) -> None:
        shutil.rmtree(self.workdir if self._own_workdir else self.private, ignore_errors=True)

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.kill()


def run_child(module: str, request: Any, *, timeout_s: float, what: str, path: str | None = None,
              progress: ProgressCallback | None = None, **options: Any) -> Any:
    """Start ``python -m module`` on ``request``, wait for it and return its handler's value.

    ``options`` are :class:`Child`'s (``env``, ``cwd``, ``workdir``, ``capture_log``).
    """
    return Child(module, request, timeout_s=timeout_s, what=what, path=path, **options).wait(progress)


# ---- child side ------------------------------------------------------------------------------

_progress_stream: Any = None


def serve(handle: Callable[[Any], Any]) -> int:
    """The child's main: install the guards, run ``handle(request)``, write the answer; returns 0.

    An EdgeSdkError from ``handle`` becomes the parent's exception; anything else propagates
    (a traceback in the log; the parent raises :class:`ChildFailed` with its last line).
    """
    global _progress_stream
    request_path, response_path = sys.argv[1], sys.argv[2]
    control = json.loads(os.environ.pop(CONTROL_ENV, "null") or "null")
    if isinstance(control, dict):
        from edge_sdk.core.child_guard import die_with_parent, start_watchdog

        die_with_parent(int(control["ppid"]))
        start_watchdog(int(control["parent_fd"]), float(control["timeout_s"]))
        _progress_stream = os.fdopen(int(control["progress_fd"]), "w", buffering=1)
    with open(request_path, encoding="utf-8") as handle_file:
        request = json.load(handle_file)
    try:
        answer: dict[str, Any] = {"result": handle(request)}
    except EdgeSdkError as error:
        answer = {"error": error.to_dict()}
    # atomic (a rename) but not fsynced: the answer lives seconds in a temp folder, and an fsync
    # costs up to 100 ms on a busy disk, per isolated run
    partial = f"{response_path}.partial"
    with open(partial, "w", encoding="utf-8") as handle_out:
        json.dump(answer, handle_out)
    os.replace(partial, response_path)
    return 0


def report_progress(update: Any) -> None:
    """Send one JSON-ready progress update to the parent's callback (no-op outside :func:`serve`)."""
    if _progress_stream is None:
        return
    try:
        _progress_stream.write(json.dumps(update) + "\n")
    except (OSError, ValueError):
        pass
