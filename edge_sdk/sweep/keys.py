"""Content keys of a sweep's tasks and cells: what a result depends on, never where or when it ran.

Built on the measurement cache's :func:`~edge_sdk.budgets.cache.content_key` (tool version and the
measuring code's fingerprint are already in it), plus what conversion depends on: the source's
bytes (a SavedModel directory hashed file by file), the resolved recipe, the calibration and eval
data's bytes, the converter code and the versions of the tools it drives. A key changes exactly
when a result could change, so a re-run after editing one model submits only that model's cells.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path
from typing import Any

from edge_sdk.budgets.cache import content_key
from edge_sdk.budgets.measure import _profile_fingerprint
from edge_sdk.core.hashing import file_sha256

CONVERSION_TOOLS = ("tensorflow", "keras", "tf_keras", "onnx", "onnx2tf", "onnxruntime", "ai-edge-litert",
                    "tflite-runtime", "tensorflow-model-optimization")


def path_sha256(path: str | Path) -> str:
    """sha256 of a file, or of a directory's files (relative names and contents, in sorted order)."""
    p = Path(path)
    if p.is_file():
        return file_sha256(p)
    digest = hashlib.sha256()
    for child in sorted(c for c in p.rglob("*") if c.is_file()):
        digest.update(str(child.relative_to(p)).encode() + b"\0" + file_sha256(child).encode() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def tool_versions() -> dict[str, str | None]:
    """Installed versions of the conversion tools (read from metadata: nothing is imported)."""
    versions: dict[str, str | None] = {}
    for name in CONVERSION_TOOLS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@lru_cache(maxsize=1)
def converter_fingerprint() -> str:
    """sha256 over the converters package's code and recipes (an edited converter is a new key)."""
    import converters

    root = Path(converters.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def convert_key(source_sha: str, recipe: dict[str, Any], data_shas: dict[str, str | None]) -> str:
    return content_key("sweep-convert", source_sha, recipe, data_shas, tool_versions(), converter_fingerprint())


def device_fingerprint(device_id: str) -> Any:
    from devices import load_profile

    return _profile_fingerprint(load_profile(device_id))


def cell_key(convert: str, model_name: str, device: str, settings: dict[str, Any], budget_sha: str | None) -> str:
    """A cell: one artifact on one device (``adb:<profile>`` = measured on a phone of that profile).

    The model's name is part of it because the cell's record names it (two identical files under two
    names are two cells sharing one conversion)."""
    profile = device.removeprefix("adb:")
    return content_key("sweep-cell", convert, model_name, device, device_fingerprint(profile), settings, budget_sha)


def task_key(kind: str, *parts: Any) -> str:
    """A Dask-friendly task name that is also a content key: ``sweep-<kind>-<sha256>``."""
    return f"sweep-{kind}-{content_key('sweep-task', kind, *parts)}"
