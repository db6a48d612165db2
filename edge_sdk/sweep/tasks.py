"""The sweep's task functions: what a worker runs, one per node kind of the task graph.

    convert(model, recipe) -> inspect -> estimate (all emulated devices at once) -> verdicts
                           -> host measurement ----------------------------------/
                           -> adb measurement (one per phone profile, on a worker offering adb:<profile>)

Each takes a plain ``spec`` dict plus the results of the tasks it depends on and returns a plain
dict: ``ok``, ``error`` (an :class:`EdgeSdkError` as a dict: a failed cell is data, not an
exception, so the sweep goes on), ``worker``, ``duration_s`` and its payload. Only the engine's own
failures (a worker lost for good) surface as exceptions. Artifacts live in the result store, which
every worker reaches by path (a local disk for a local cluster, a shared path for a lab).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import EXIT_INFRASTRUCTURE, EdgeSdkError
from edge_sdk.sweep.store import ResultStore

ARTIFACT = "model.tflite"


def worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"local:{socket.gethostname()}"


def _error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, EdgeSdkError):
        return {**exc.to_dict(), "message": exc.message.splitlines()[0] if exc.message else str(exc),
                "detail": exc.message}
    return {"error": type(exc).__name__, "message": f"{type(exc).__name__}: {exc}", "hint": None, "path": None,
            "exit_code": EXIT_INFRASTRUCTURE, "detail": str(exc)}


def _run(body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        out = {"ok": True, "error": None, **body()}
    except Exception as exc:  # noqa: BLE001 - a failed cell is recorded and the sweep goes on
        out = {"ok": False, "error": _error(exc)}
    out.setdefault("cache_hit", False)
    return {**out, "worker": worker_name(), "duration_s": round(time.perf_counter() - started, 3)}


def _upstream_failed(*results: dict[str, Any]) -> dict[str, Any] | None:
    for result in results:
        if not result.get("ok"):
            return {"ok": False, "error": result.get("error"), "worker": worker_name(), "duration_s": 0.0,
                    "cache_hit": False, "upstream": True}
    return None


# ---- convert --------------------------------------------------------------------------------------

def convert(spec: dict[str, Any]) -> dict[str, Any]:
    """Convert one source with one recipe into the store (or find it there); spec: store, key, source, options."""
    store = ResultStore(spec["store"])

    def body() -> dict[str, Any]:
        entry = store.get("convert", spec["key"])
        if entry is None:
            entry = _convert_into(store, spec)
        if entry.value.get("error"):
            raise _as_exception(entry.value["error"])
        return {"artifact": str(entry.file(ARTIFACT)), "manifest": entry.value["manifest"],
                "cache_hit": entry.value.get("_fresh") is None}

    return _run(body)


def _convert_into(store: ResultStore, spec: dict[str, Any]) -> Any:
    from converters.isolated import convert_in_child

    with tempfile.TemporaryDirectory(prefix="edge-sdk-sweep-convert-") as folder:
        output = Path(folder) / ARTIFACT
        try:
            manifest = convert_in_child(spec["source"], output, **spec["options"])
        except EdgeSdkError as exc:
            if exc.exit_code == EXIT_INFRASTRUCTURE:
                raise  # a crash may not happen again: never stored
            return store.put("convert", spec["key"], {"error": exc.to_dict()})  # deterministic: remembered
        entry = store.put("convert", spec["key"], {"manifest": manifest},
                          files={ARTIFACT: output, ARTIFACT + ".json": output.with_name(ARTIFACT + ".json")})
    return type(entry)(entry.key, {**entry.value, "_fresh": True}, entry.directory)


def _as_exception(error: dict[str, Any]) -> EdgeSdkError:
    from edge_sdk.core import errors

    cls = getattr(errors, str(error.get("error")), None)
    if not (isinstance(cls, type) and issubclass(cls, EdgeSdkError)):
        cls = errors.InputError
    return cls(str(error.get("message")), hint=error.get("hint"), path=error.get("path"))


# ---- per artifact -----------------------------------------------------------------------------------

def inspect(spec: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
    """Static analysis of the artifact: the ``inspect`` document (no TensorFlow)."""
    return _upstream_failed(converted) or _run(lambda: {"document": _inspect_document(converted["artifact"])})


def _inspect_document(artifact: str) -> dict[str, Any]:
    from edge_sdk.graph import analyze

    return analyze(artifact).to_dict()


def estimate(spec: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
    """Estimates on every emulated device of the sweep, in one profile call (one task per artifact)."""
    from edge_sdk.profiling import profile

    return _upstream_failed(converted) or _run(lambda: {"document": profile(
        converted["artifact"], devices=spec["devices"], threads=spec.get("threads"), estimate_only=True)})


def host(spec: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
    """The artifact measured for real on the worker's host (a child process runs the interpreter)."""
    from edge_sdk.profiling import profile

    return _upstream_failed(converted) or _run(lambda: {"document": profile(
        converted["artifact"], devices=[], threads=spec.get("threads"), time_limit_s=spec["time_limit_s"])})


def adb(spec: dict[str, Any], converted: dict[str, Any]) -> dict[str, Any]:
    """The artifact measured on a phone of profile ``spec['profile']`` connected to this worker."""
    return _upstream_failed(converted) or _run(lambda: {"result": _adb_result(converted["artifact"], spec)})


def _adb_result(artifact: str, spec: dict[str, Any]) -> dict[str, Any]:
    from edge_sdk.core.errors import DeviceError
    from edge_sdk.profiling.adb import profile_on_adb

    serials = [s for s in os.environ.get("EDGE_SDK_ADB_SERIALS", "").split(",") if s] or None
    with tempfile.TemporaryDirectory(prefix="edge-sdk-sweep-adb-") as folder:
        document = profile_on_adb(artifact, serials=serials, threads=spec.get("threads"),
                                  partial_report=Path(folder) / "partial.json")
    for result in document.get("results", []):
        if result.get("device") == spec["profile"] and result.get("source") == "measured":
            return result
    seen = sorted({str(r.get("device")) for r in document.get("results", []) if r.get("source") == "measured"})
    raise DeviceError(f"no phone of profile {spec['profile']!r} on worker {worker_name()} "
                      f"(measured: {', '.join(seen) or 'none'})",
                      hint=f"start this worker with --resources adb:{spec['profile']}=1 only where such a phone "
                           "is connected (EDGE_SDK_ADB_SERIALS=SERIAL picks one of several)")


def verdicts(spec: dict[str, Any], converted: dict[str, Any], inspected: dict[str, Any],
             *measured: dict[str, Any]) -> dict[str, Any]:
    """Every cell of one artifact: its numbers, its budget verdicts; each stored as a cell entry."""
    from edge_sdk.sweep.cells import cell_results

    started = time.perf_counter()
    results = cell_results(spec, converted, inspected, list(measured))
    store = ResultStore(spec["store"])
    for cell in results:
        if cell["status"] != "error" or cell["error"]["exit_code"] != EXIT_INFRASTRUCTURE:
            store.put("cell", cell["key"], cell)   # infrastructure failures are retried next run, not stored
    return {"ok": True, "error": None, "cells": results, "worker": worker_name(), "cache_hit": False,
            "duration_s": round(time.perf_counter() - started, 3)}
