"""Run a conversion in a child process, so a crash inside TensorFlow/TFLiteConverter cannot take
the caller down: a signal becomes an InfrastructureError (exit 3) with a clear message, and,
because outputs are only ever published atomically, nothing half-written is left behind.

``edge-sdk convert`` uses this; the CLI process itself never imports TensorFlow.
``python -m converters.isolated REQUEST.json RESULT.json`` is the child's entry point.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from edge_sdk.core import errors
from edge_sdk.core.errors import EdgeSdkError, InfrastructureError, RuntimeCrash


def _error_from_dict(data: dict[str, Any]) -> EdgeSdkError:
    cls = getattr(errors, str(data.get("error")), None)
    if not (isinstance(cls, type) and issubclass(cls, EdgeSdkError)):
        cls = InfrastructureError
    return cls(str(data.get("message")), hint=data.get("hint"), path=data.get("path"),
               params=tuple(data.get("params") or ()))


def convert_in_child(source: str | os.PathLike[str], output: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """:func:`converters.convert` in a child process; same result, same exceptions, crashes contained."""
    with tempfile.TemporaryDirectory(prefix="edge-sdk-convert-job-") as folder:
        request, result = Path(folder) / "request.json", Path(folder) / "result.json"
        request.write_text(json.dumps({"source": str(source), "output": str(output), "options": options}))
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
        child = subprocess.Popen([sys.executable, "-m", "converters.isolated", str(request), str(result)], env=env)
        try:
            code = child.wait()
        except BaseException:  # Ctrl-C: the child got it too; let it clean up, then stop it
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
            raise
        if code < 0:
            name = signal.Signals(-code).name
            raise RuntimeCrash(f"{source}: the converter crashed ({name}) inside TensorFlow/TFLiteConverter; "
                               f"nothing was written to {output}",
                               hint="try another quantize mode or recipe; if it persists, report it with the "
                                    "model and the exact command", path=str(source), params=("quantize", "recipe"))
        if not result.exists():
            raise InfrastructureError(f"{source}: the conversion process ended (exit {code}) without a result",
                                      path=str(source))
        answer = json.loads(result.read_text())
    if "error" in answer:
        raise _error_from_dict(answer["error"])
    return answer["manifest"]


def _child(request_path: str, result_path: str) -> int:
    from converters import convert  # noqa: PLC0415
    from edge_sdk.core.atomic import atomic_write_json  # noqa: PLC0415

    request = json.loads(Path(request_path).read_text())
    try:
        manifest = convert(request["source"], request["output"], **request["options"])
        atomic_write_json(result_path, {"manifest": manifest})
    except EdgeSdkError as error:
        atomic_write_json(result_path, {"error": error.to_dict()})
    except Exception as exc:  # noqa: BLE001 - a bug or an unclassified library failure: exit 3, summarised
        from converters._runtime import summarize_failure  # noqa: PLC0415

        message = f"{request['source']}: conversion failed: {type(exc).__name__}: {summarize_failure(str(exc))}"
        atomic_write_json(result_path, {"error": {"error": "InfrastructureError", "message": message,
                                                  "hint": "set EDGE_SDK_DEBUG=1 for the full traceback",
                                                  "path": request["source"]}})
        if os.environ.get("EDGE_SDK_DEBUG"):
            raise
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2]))
