"""What the CLI shows of a library call's progress events (:mod:`edge_sdk.core.progress`).

The library only reports events; this module decides how they look on a terminal: one live line
for a measurement that advances (runs and the median's CI), one line per stage for staged work
(a phone going through push/benchmark, a reference model being calibrated). With ``--json``, or
when stderr is not a terminal (CI, a pipe), :func:`terminal_progress` returns None and the
library runs silent.
"""

from __future__ import annotations

import math
import sys
from typing import TextIO

from edge_sdk.core.progress import ProgressCallback, ProgressEvent

LIVE_WIDTH = 78


class TerminalProgress:
    """A :data:`ProgressCallback` that draws events on a terminal stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = False  # a \r line is on screen and must be cleared before anything else

    def __call__(self, event: ProgressEvent) -> None:
        if event.task == "profile" and event.stage == "measure":
            self._measure(event)
        elif event.state == "start":
            self._line(f"  {event.subject + ': ' if event.subject else ''}{event.stage}"
                       + (f" ({event.detail})" if event.detail else ""))

    def _measure(self, event: ProgressEvent) -> None:
        if event.state == "update":
            ci = event.data.get("rel_ci")
            ci_text = f", median +-{ci:.1%}" if isinstance(ci, (int, float)) and math.isfinite(ci) else ""
            runs = event.data.get("runs") or 0
            text = f"measuring {event.subject} on host: {runs} runs, {event.elapsed_s or 0:.1f} s{ci_text}"
            self.stream.write("\r" + text[:LIVE_WIDTH].ljust(LIVE_WIDTH))
            self.stream.flush()
            self.live = True
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
