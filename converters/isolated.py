"""Run a conversion in a child process, so a crash inside TensorFlow/TFLiteConverter cannot take
the caller down: a signal becomes an InfrastructureError (exit 3) with a clear message, and,
because outputs are only ever published atomically, nothing half-written is left behind.

The child is an :mod:`edge_sdk.core.child` child: its own process group, killed with it on
Ctrl-C, and it dies with this process (``kill -9`` of ``edge-sdk convert`` never lets the
converter publish afterwards). ``edge-sdk convert`` uses this; the CLI process itself never
imports TensorFlow. ``python -m converters.isolated REQUEST.json RESPONSE.json`` is the child.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge_sdk.core.child import ChildCrashed, report_progress, run_child, serve
from edge_sdk.core.errors import InfrastructureError, RuntimeCrash

CONVERT_TIMEOUT_S = 6 * 3600.0   # fine-tuning a large model is slow; a hang still ends


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _what_was_written(output: Path, before: dict[Path, tuple[int, int, int] | None]) -> str:
    """What a failed conversion left at the output: said exactly, never "nothing" when something was."""
    changed = [p for p, state in before.items() if _file_state(p) != state]
    if not changed:
        return f"nothing was written to {output}"
    if changed == [output.with_name(output.name + ".json")]:
        return (f"{changed[0]} was already replaced but {output} was not: that manifest describes a model that "
                "was never published (its output.sha256 does not match); re-run the conversion")
    return f"{' and '.join(map(str, changed))} had already been published"


def convert_in_child(source: str | os.PathLike[str], output: str | os.PathLike[str], *,
                     progress: Callable[[Any], None] | None = None, **options: Any) -> dict[str, Any]:
    """:func:`converters.convert` in a child process; same result, same exceptions, crashes contained.

    ``progress`` receives what the child sends with :func:`edge_sdk.core.child.report_progress`.
    """
    out = Path(output)
    before = {p: _file_state(p) for p in (out.with_name(out.name + ".json"), out)}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    try:
        return run_child("converters.isolated", {"source": str(source), "output": str(output), "options": options},
                         timeout_s=CONVERT_TIMEOUT_S, what="the converter", path=str(source), env=env,
                         capture_log=False, progress=progress)
    except ChildCrashed as crash:
        raise RuntimeCrash(f"{source}: the converter crashed ({crash.signal_name}) inside TensorFlow/"
                           f"TFLiteConverter; {_what_was_written(out, before)}",
                           hint="try another `quantize` mode or `recipe`; if it persists, report it with the "
                                "model and the exact command", path=str(source), params=("quantize", "recipe")
                           ) from None
    except InfrastructureError as error:
        if "nothing was written" in error.message or not any(_file_state(p) != s for p, s in before.items()):
            raise
        raise type(error)(f"{error.message}; {_what_was_written(out, before)}", hint=error.hint,
                          path=error.path, params=error.params) from None


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    from converters import convert
    from edge_sdk.core.progress import ProgressEvent

    def forward(event: ProgressEvent) -> None:  # the parent rebuilds it with ProgressEvent.from_dict
        report_progress(event.to_dict())

    try:
        return convert(request["source"], request["output"], on_progress=forward, **request["options"])
    except Exception as exc:
        from edge_sdk.core.errors import EdgeSdkError

        if isinstance(exc, EdgeSdkError):
            raise
        if os.environ.get("EDGE_SDK_DEBUG"):
            raise
        from converters._runtime import summarize_failure

        raise InfrastructureError(
            f"{request['source']}: conversion failed: {type(exc).__name__}: {summarize_failure(str(exc))}",
            hint="set EDGE_SDK_DEBUG=1 for the full traceback", path=request["source"]) from None


if __name__ == "__main__":
    sys.exit(serve(_handle))
