"""The TFLite runtimes a host measurement can use, and what their load failures mean.

Two real interpreters, because apps really ship both: ``litert`` (ai-edge-litert, the current
runtime) and ``tflite-runtime`` (2.14, the last release of the old package, still inside many
apps and board images). The old one cannot register newer op versions; that is a fact about the
model on such a device, so its loader message is classified and reported, not hidden.

:func:`runtime_version` reads package metadata without importing the interpreter (the parent
process stays light); :func:`load_interpreter` is only called inside the child process.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from edge_sdk.core.paths import printable

#: runtime name -> (module with ``Interpreter``, distribution name on PyPI)
RUNTIMES: dict[str, tuple[str, str]] = {
    "litert": ("ai_edge_litert.interpreter", "ai-edge-litert"),
    "tflite-runtime": ("tflite_runtime.interpreter", "tflite-runtime"),
}


@dataclass(frozen=True)
class LoadProblem(Exception):
    """A model the runtime refuses. ``kind``: unsupported (op/version/custom op), invalid (not a
    model), missing-runtime (the package is not installed), memory (allocation failed)."""

    kind: str
    message: str
    hint: str | None = None
    detail: str | None = None

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return self.message


def runtime_version(name: str) -> str | None:
    """Installed version of a runtime's package, or None when it is not installed."""
    import importlib.metadata

    try:
        return importlib.metadata.version(RUNTIMES[name][1])
    except importlib.metadata.PackageNotFoundError:
        return None


_CUSTOM_OP = re.compile(r"unresolved custom op: ([^.\s]+)")
_OP_VERSION = re.compile(r"Didn't find op for builtin opcode '([^']+)' version '(\d+)'")
_ALLOC = re.compile(r"(?i)(failed to allocate|bad_alloc|out of memory|cannot allocate|MemoryError)")


def classify_load_error(runtime: str, model: str, error: BaseException) -> LoadProblem:
    """Turn an interpreter's exception text into a LoadProblem with a message and a next step."""
    text = str(error).strip()
    version = runtime_version(runtime) or "?"
    if isinstance(error, MemoryError) or _ALLOC.search(text):
        return LoadProblem("memory", f"{model}: {runtime} {version} ran out of memory ({text or type(error).__name__})",
                           detail=text)
    custom = sorted(set(_CUSTOM_OP.findall(text)))
    if custom:
        return LoadProblem(
            "unsupported",
            f"{model}: uses custom op(s) {', '.join(custom)} that {runtime} {version} does not provide",
            hint="link the op's kernel into your app and benchmark with that build, or replace the op "
                 "in the source model before converting (edge-sdk inspect lists every op)",
            detail=text,
        )
    op_version = _OP_VERSION.search(text)
    if op_version:
        op, number = op_version.groups()
        return LoadProblem(
            "unsupported",
            f"{model}: {runtime} {version} cannot load it: op {op} version {number} is newer than this "
            f"runtime supports (loader: \"{text.splitlines()[0]}\")",
            hint="an app shipping this runtime cannot run the model: update the runtime in the app "
                 "(e.g. to LiteRT), or convert with an older TensorFlow / without the feature that "
                 f"needs {op} v{number}",
            detail=text,
        )
    if "Select TensorFlow op" in text or "Flex" in text:
        return LoadProblem(
            "unsupported",
            f"{model}: needs TensorFlow (Flex) ops that {runtime} {version} does not include",
            hint="convert with builtin ops only, or link the Flex delegate into the app",
            detail=text,
        )
    if "not a valid Flatbuffer" in text or "Could not open" in text or "identifier" in text:
        return LoadProblem("invalid", f"{model}: not a valid .tflite model ({text.splitlines()[0]})",
                           hint="check the file is a complete .tflite (re-download or re-convert it)",
                           detail=text)
    first = text.splitlines()[0] if text else type(error).__name__
    return LoadProblem("unsupported", f"{model}: {runtime} {version} failed to prepare the model: {first}",
                       hint="run `edge-sdk inspect MODEL` to see its ops and runtime compatibility",
                       detail=text)


def import_runtime(runtime: str) -> Any:
    """Import a runtime's interpreter module (child process only). Raises LoadProblem."""
    if runtime not in RUNTIMES:
        raise LoadProblem("invalid", f"unknown runtime {runtime!r}", hint=f"use one of: {', '.join(RUNTIMES)}")
    module_name, distribution = RUNTIMES[runtime]
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise LoadProblem(
            "missing-runtime",
            f"runtime {runtime!r} is not installed ({exc})",
            hint=f"pip install {distribution}" + ("==2.14.0 (needs numpy<2)" if runtime == "tflite-runtime" else ""),
        ) from None


def load_interpreter(module: Any, runtime: str, model: str, threads: int | None) -> Any:
    """Construct ``module.Interpreter`` for ``model`` (child process only). Raises LoadProblem."""
    try:
        if model != printable(model):  # a non-UTF-8 file name: the runtime's C++ API cannot take the path
            with open(model, "rb") as handle:
                return module.Interpreter(model_content=handle.read(), num_threads=threads)
        return module.Interpreter(model_path=model, num_threads=threads)
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise classify_load_error(runtime, model, exc) from None
