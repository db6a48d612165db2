"""Progress as data: library code reports what it is doing through a callback, never by printing.

Why a callback and not a logger or a progress bar: the library does not know whether it runs in a
terminal, in CI, in a notebook or in a child process. It only knows *what* happens (a stage starts,
a stage ends, a measurement advanced), so that is all it says, as one small immutable
:class:`ProgressEvent`. Whoever called it decides what to show: the CLI draws a live line on a
terminal and stays quiet in CI, a notebook user may pass ``print``, a test collects the events.

Every long operation takes ``on_progress: ProgressCallback | None = None``. Events of one
operation share ``task`` ("convert", "profile", "adb", "calibrate", ...); a stage is bracketed by
a ``"start"`` and an ``"end"`` event with the same ``stage`` (``elapsed_s`` of the end event is
the stage's wall time), and ``"update"`` events in between carry figures in ``data``. Events
cross process boundaries as JSON (:meth:`ProgressEvent.to_dict` / :meth:`ProgressEvent.from_dict`),
which is how a conversion running in a child process reports its stages to the parent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

ProgressState = Literal["start", "update", "end"]
STATES: tuple[ProgressState, ...] = ("start", "update", "end")


@dataclass(frozen=True)
class ProgressEvent:
    """One thing that happened in a long operation.

    ``task``: the operation ("convert", "profile", "adb", "calibrate", "check").
    ``stage``: its current part, e.g. convert's "load", "onnx2tf", "data", "prune", "convert",
    "validate"; profile's "measure"; adb's "push", "benchmark" (one stage per device, ``subject``
    names it). ``state``: "start", "update" or "end". ``elapsed_s``: for "end", the wall time of
    the stage; for "update", the time since the stage started. ``detail``: a short human phrase
    ("int8, 100 calibration samples"). ``subject``: what the stage works on when several run at
    once (an adb serial, a model path). ``data``: figures of an "update" (``runs``, ``rel_ci``...).
    """

    task: str
    stage: str
    state: ProgressState
    elapsed_s: float | None = None
    detail: str | None = None
    subject: str | None = None
    data: Mapping[str, float | int | str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form (to cross a process boundary)."""
        return {"task": self.task, "stage": self.stage, "state": self.state, "elapsed_s": self.elapsed_s,
                "detail": self.detail, "subject": self.subject, "data": dict(self.data)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ProgressEvent:
        """The inverse of :meth:`to_dict`; unknown keys are ignored, a bad state raises ValueError."""
        state = str(data.get("state"))
        if state not in STATES:
            raise ValueError(f"progress event state {state!r} is not one of {', '.join(STATES)}")
        elapsed = data.get("elapsed_s")
        extra = data.get("data")
        return cls(task=str(data.get("task")), stage=str(data.get("stage")), state=state,
                   elapsed_s=float(elapsed) if isinstance(elapsed, (int, float)) else None,
                   detail=str(data["detail"]) if data.get("detail") is not None else None,
                   subject=str(data["subject"]) if data.get("subject") is not None else None,
                   data=dict(extra) if isinstance(extra, Mapping) else {})


ProgressCallback = Callable[[ProgressEvent], None]

