"""edge_sdk.core.child: answers, errors with their exit codes, crashes, timeouts, and no orphans.

Each test writes a small child module into a temp folder and runs it through the real helper
(real processes, real signals). "Gone" is checked with ``kill(pid, 0)`` plus /proc state, since a
killed child of a still-running parent can linger as a zombie until it is reaped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge_sdk.core.child import Child, ChildCrashed, ChildFailed, ChildTimedOut, run_child, signal_name
from edge_sdk.core.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, InputError

REPO = Path(__file__).resolve().parents[2]

WORKER = '''
import ctypes, json, os, subprocess, sys, time
from edge_sdk.core.child import report_progress, serve
from edge_sdk.core.errors import InputError

def handle(request):
    action = request["action"]
    if "pidfile" in request:
        with open(request["pidfile"], "w") as f:
            f.write(str(os.getpid()))
    if action == "echo":
        for i in range(3):
            report_progress({"step": i})
        return {"echo": request["value"], "tmp": os.environ.get("TMPDIR")}
    if action == "bad-input":
        raise InputError("data.npz: sample 3 is not finite", hint="clean the data", path="data.npz")
    if action == "segv":
        os.kill(os.getpid(), 11)
    if action == "exit":
        print("onnx2tf: cannot convert node 7", file=sys.stderr)
        sys.exit(1)
    if action == "grandchild":  # a process of our own, then hang
        g = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(request["grandpidfile"], "w") as f:
            f.write(str(g.pid))
        time.sleep(600)
    if action == "hang-holding-gil":  # C code that never releases the GIL: only another process can stop it
        ctypes.PyDLL(None).sleep(600)
    if action == "publish-late":  # what convert's child does: publish after a while
        time.sleep(3)
        with open(request["output"], "w") as f:
            f.write("published")
        return {}

if __name__ == "__main__":
    sys.exit(serve(handle))
'''


@pytest.fixture()
def worker(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "child_worker.py").write_text(WORKER)
    return dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


def _wait_gone(pid: int, within_s: float) -> float:
    start = time.monotonic()
    while not _gone(pid):
        if time.monotonic() - start > within_s:
            pytest.fail(f"process {pid} still alive after {within_s} s")
        time.sleep(0.05)
    return time.monotonic() - start


def _read_pid(path: Path, within_s: float = 30.0) -> int:
    start = time.monotonic()
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() - start < within_s, f"{path} never appeared"
        time.sleep(0.05)
    return int(path.read_text())


def test_answer_progress_and_private_tmpdir(worker):
    updates: list[dict] = []
    answer = run_child("child_worker", {"action": "echo", "value": [1, "x"]}, timeout_s=60, what="the worker",
                       env=worker, progress=updates.append)
    assert answer["echo"] == [1, "x"]
    assert updates == [{"step": 0}, {"step": 1}, {"step": 2}]
    assert not Path(answer["tmp"]).exists()  # the child's TMPDIR went with the run


def test_child_input_error_keeps_its_class_and_exit_code(worker):
    with pytest.raises(InputError) as caught:
        run_child("child_worker", {"action": "bad-input"}, timeout_s=60, what="the worker", env=worker)
    assert caught.value.exit_code == EXIT_BAD_INPUT and caught.value.path == "data.npz"
    assert "sample 3 is not finite" in caught.value.message and caught.value.hint == "clean the data"


def test_crash_is_named_and_exit_3(worker):
    with pytest.raises(ChildCrashed) as caught:
        run_child("child_worker", {"action": "segv"}, timeout_s=60, what="the worker", path="m.tflite", env=worker)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE and caught.value.signal_name == "SIGSEGV"
    assert caught.value.message.startswith("m.tflite: the worker crashed (SIGSEGV)")
    assert signal_name(11) == "SIGSEGV" and signal_name(77) == "signal 77"


def test_exit_without_answer_carries_the_log(worker):
    with pytest.raises(ChildFailed) as caught:
        run_child("child_worker", {"action": "exit"}, timeout_s=60, what="onnx2tf", env=worker)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE and caught.value.returncode == 1
    assert "cannot convert node 7" in caught.value.message and "cannot convert node 7" in caught.value.log


def test_timeout_kills_the_whole_group(worker, tmp_path):
    started = time.monotonic()
    with pytest.raises(ChildTimedOut) as caught:
        run_child("child_worker", {"action": "grandchild", "grandpidfile": str(tmp_path / "g.pid"),
                                   "pidfile": str(tmp_path / "c.pid")},
                  timeout_s=4, what="the worker", env=worker)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE and "did not finish within 4 s" in caught.value.message
    assert time.monotonic() - started < 15
    _wait_gone(int((tmp_path / "g.pid").read_text()), 5)   # the child's own child too
    _wait_gone(int((tmp_path / "c.pid").read_text()), 5)


def test_child_enforces_its_own_timeout_while_holding_the_gil(worker, tmp_path):
    """The parent never waits: the child's watchdog process still kills it after timeout + grace."""
    child = Child("child_worker", {"action": "hang-holding-gil", "pidfile": str(tmp_path / "c.pid")},
                  timeout_s=2, what="the worker", env=worker)
    try:
        pid = _read_pid(tmp_path / "c.pid")
        child.process.wait(timeout=20)   # nobody kills it from here
        assert child.process.returncode == -signal.SIGKILL
        assert _gone(pid)
    finally:
        child.kill()


PARENT = '''
import sys
from edge_sdk.core.child import run_child
run_child("child_worker", {"action": sys.argv[1], "pidfile": sys.argv[2], "grandpidfile": sys.argv[3],
                           "output": sys.argv[4]}, timeout_s=600, what="the worker")
'''


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize("action", ["grandchild", "hang-holding-gil", "publish-late"])
def test_child_dies_with_its_parent(worker, tmp_path, how, action):
    pids, grand, output = tmp_path / "c.pid", tmp_path / "g.pid", tmp_path / "out.txt"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, action, str(pids), str(grand), str(output)],
                              env=worker, cwd=tmp_path)
    try:
        pid = _read_pid(pids)
        if action == "grandchild":
            grandchild = _read_pid(grand)
        parent.send_signal(how)
        parent.wait(timeout=10)
        assert _wait_gone(pid, 5) < 5
        if action == "grandchild":
            _wait_gone(grandchild, 5)
        if action == "publish-late":
            time.sleep(4)
            assert not output.exists()   # killed before it could publish
    finally:
        if parent.poll() is None:
            parent.kill()


GUARDED = '''
import os, sys, time
from edge_sdk.core.child_guard import start_watchdog
start_watchdog(int(sys.argv[1]), 600)
print(os.getpid(), flush=True)
time.sleep(600)
'''


def test_the_watchdog_alone_kills_the_group_when_the_parent_pipe_closes(tmp_path):
    """The portable fallback, without PR_SET_PDEATHSIG: end-of-file on the parent's pipe is enough."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen([sys.executable, "-c", GUARDED, str(read_end)], pass_fds=(read_end,),
                               stdout=subprocess.PIPE, text=True, start_new_session=True,
                               env=dict(os.environ, PYTHONPATH=str(REPO)))
    os.close(read_end)
    try:
        assert int(process.stdout.readline()) == process.pid
        time.sleep(0.3)
        assert process.poll() is None               # the parent (this test) is alive: nothing happens
        os.close(write_end)                         # as if this process had died
        process.wait(timeout=5)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
