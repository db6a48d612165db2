"""What the CLI shows of a library call's progress events (:mod:`edge_sdk.core.progress`).

The library only reports events; this module decides how they look on a terminal: one live line
for a measurement that advances (runs and the median's CI); for sequential stages (convert's load,
onnx2tf, data, convert, validate) a live line with the running stage and its elapsed time, ticking
while a silent stage works, then one line per finished stage with its wall time; one line per
stage for work on several subjects at once (phones going through push/benchmark); a sweep's
cells done, running and failed with an ETA. With
``--json``, or when stderr is not a terminal (CI, a pipe), :func:`terminal_progress` returns None
and the library runs silent.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from edge_sdk.core.progress import ProgressCallback, ProgressEvent

LIVE_WIDTH = 78


class TerminalProgress:
    """A :data:`ProgressCallback` that draws events on a terminal stream.

    Events may come from other threads (a child's reader, parallel phones): drawing is serialized.
    Call :meth:`close` (or use it as a context manager) when the operation ends, also on failure,
    so the ticking line of an unfinished stage is cleared.
    """

    def __init__(self, stream: TextIO, tick_s: float = 0.5) -> None:
        self.stream = stream
        self.tick_s = tick_s
        self.live = False  # a \r line is on screen and must be cleared before anything else
        self._lock = threading.RLock()
        self._running: tuple[str, float] | None = None  # the sequential stage on screen, its start
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.task == "profile" and event.stage == "measure":
                self._measure(event)
            elif event.task == "sweep" and event.state == "update":
                self._sweep(event)
            elif event.subject is None and event.state in ("start", "end"):
                self._sequential(event)
            elif event.state == "start":
                self._line(f"  {event.subject + ': ' if event.subject else ''}{event.stage}"
                           + (f" ({event.detail})" if event.detail else ""))

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the ticker and clear a live line (idempotent)."""
        self._stop.set()
        with self._lock:
            self._running = None
            self._clear()

    def _sweep(self, event: ProgressEvent) -> None:
        """``sweep: cells 12/80, 3 running, 1 failed, ETA 2m10s`` on one live line."""
        data = event.data
        eta = data.get("eta_s")
        eta_text = "-" if not isinstance(eta, (int, float)) else f"{int(eta) // 60}m{int(eta) % 60:02d}s"
        self._live(f"sweep: cells {data.get('done')}/{data.get('total')}, {data.get('running')} running, "
                   f"{data.get('failed')} failed, ETA {eta_text}")

    def _live(self, text: str) -> None:
        self.stream.write("\r" + text[:LIVE_WIDTH].ljust(LIVE_WIDTH))
        self.stream.flush()
        self.live = True

    def _sequential(self, event: ProgressEvent) -> None:
        label = event.stage + (f" ({event.detail})" if event.detail else "")
        if event.state == "start":
            self._running = (label, time.monotonic())
            self._draw_running()
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="edge-sdk-progress", daemon=True)
                self._ticker.start()
            return
        self._running = None
        elapsed = f"{event.elapsed_s:.1f} s" if event.elapsed_s is not None else "done"
        self._line(f"  {label:<{LIVE_WIDTH - 20}} {elapsed:>10}")

    def _tick(self) -> None:
        while not self._stop.wait(self.tick_s):
            with self._lock:
                if self._running is not None:
                    self._draw_running()

    def _draw_running(self) -> None:
        assert self._running is not None
        label, started = self._running
        self._live(f"  {label} ... {time.monotonic() - started:.0f} s")

    def _measure(self, event: ProgressEvent) -> None:
        if event.state == "update":
            ci = event.data.get("rel_ci")
            ci_text = f", median +-{ci:.1%}" if isinstance(ci, (int, float)) and math.isfinite(ci) else ""
            runs = event.data.get("runs") or 0
            self._live(f"measuring {event.subject} on host: {runs} runs, {event.elapsed_s or 0:.1f} s{ci_text}")
        elif event.state == "end":
            self._clear()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * LIVE_WIDTH + "\r")
            self.stream.flush()
            self.live = False

    def _line(self, text: str) -> None:
        self._clear()
        print(text, file=self.stream, flush=True)


def terminal_progress(quiet: bool = False, stream: TextIO | None = None) -> ProgressCallback | None:
    """A progress display on ``stream`` (stderr) when it is a terminal and not ``quiet``, else None."""
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        return None
    return TerminalProgress(stream)


@contextmanager
def progress_display(quiet: bool = False, stream: TextIO | None = None) -> Iterator[ProgressCallback | None]:
    """:func:`terminal_progress` for the length of a call: a live line left by a failing operation is
    cleared before the error is printed. Every verb that does long work runs it inside this."""
    display = terminal_progress(quiet, stream)
    try:
        yield display
    finally:
        if isinstance(display, TerminalProgress):
            display.close()
