"""The guards a child process of :mod:`edge_sdk.core.child` installs on itself, first thing.

- :func:`die_with_parent`: ``PR_SET_PDEATHSIG`` (Linux), so the kernel kills the child the moment
  its parent ends (SIGKILL of ``edge-sdk convert`` included), and an exit if the parent is
  already gone.
- :func:`start_watchdog`: a tiny forked process that kills the child's whole process group when
  the parent's pipe reaches end-of-file (the parent is gone, on any OS) or when the child's own
  deadline passes. Being another process, it works while the child is stuck in C code holding
  the GIL, and it takes the child's own children (a tool it started) down too.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

_watchdog_pipe: int | None = None   # the write end the watchdog waits on; open until this process ends


def die_with_parent(expected_parent: int) -> None:
    """PR_SET_PDEATHSIG: the kernel SIGKILLs this process when its parent ends (Linux only)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes  # noqa: PLC0415

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != expected_parent:  # the parent ended before the guard was set
        os._exit(1)


def start_watchdog(parent_fd: int, timeout_s: float) -> None:
    """Fork a process that kills this process group when the parent goes or the deadline passes.

    It watches two pipes: the parent's (EOF: the parent is gone) and one this process holds
    (EOF: this process ended normally, nothing to do). It never touches Python objects of the
    child, so a child stuck in C code holding the GIL is still killed.
    """
    if not hasattr(os, "fork"):
        return
    deadline = time.monotonic() + timeout_s
    done_read, done_write = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(done_read)
        os.close(parent_fd)
        global _watchdog_pipe
        _watchdog_pipe = done_write
        return
    try:  # the watchdog
        os.close(done_write)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        keep = sorted((parent_fd, done_read))
        os.closerange(3, keep[0])
        os.closerange(keep[0] + 1, keep[1])
        os.closerange(keep[1] + 1, 1 << 16)
        parent_gone = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([parent_fd, done_read], [], [], remaining)
            if parent_fd in ready:  # checked first: PDEATHSIG ends the child too, after the parent's files close
                parent_gone = True
                break
            if done_read in ready:  # the child ended; with the parent alive, stragglers are the parent's to kill
                os._exit(0)
        group = os.getpgid(0)
        if parent_gone:  # nobody is left to remove the run's files: leave the group, kill it, clean up
            os.setsid()
        os.killpg(group, signal.SIGKILL)
        if parent_gone:
            _remove_run_folder()
    finally:
        os._exit(0)


def _remove_run_folder() -> None:
    """The private folder of this run (``TMPDIR``'s parent, ``.child-*``), and the parent's own
    ``edge-sdk-child-*`` work folder around it, once the killed parent can no longer do it."""
    import shutil
    from pathlib import Path

    tmpdir = os.environ.get("TMPDIR")
    if not tmpdir:
        return
    private = Path(tmpdir).parent
    if not private.name.startswith(".child-"):
        return
    time.sleep(0.2)  # let the killed processes go before their folder does
    shutil.rmtree(private, ignore_errors=True)
    if private.parent.name.startswith("edge-sdk-child-"):
        shutil.rmtree(private.parent, ignore_errors=True)
