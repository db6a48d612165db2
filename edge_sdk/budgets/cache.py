"""A content-addressed cache of measurements, so re-running ``check`` on unchanged inputs is instant.

A key is the sha256 of everything the value depends on: the model's sha256, the device profile's
content (not its name: an edited profile is a new key), the edge-sdk version, the content of the
measuring code (graph analysis, profiler, estimator, device data) and the settings (estimate-only,
threads, runtime). Nothing is keyed by path or time, so a cache can be shared
across checkouts and restored in CI. Entries are JSON files written atomically; a corrupt or
unreadable entry is a miss, never an error. Only successful measurements are stored.

Location: ``$EDGE_SDK_CACHE_DIR`` if set, else ``.edge-sdk-cache/`` next to the budget file, else
the user's cache directory (``$XDG_CACHE_HOME/edge-sdk`` or ``~/.cache/edge-sdk``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from edge_sdk import __version__
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.hashing import file_sha256  # noqa: F401  (re-exported for the checker)

CACHE_DIR_NAME = ".edge-sdk-cache"


def default_cache_dir(budget_dir: Path | None) -> Path:
    env = os.environ.get("EDGE_SDK_CACHE_DIR")
    if env:
        return Path(env)
    if budget_dir is not None:
        return budget_dir / CACHE_DIR_NAME
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edge-sdk"


# The code and data that produce measurements. Hashing their content (not mtimes, which a CI
# checkout resets) keeps an editable install from serving numbers an older estimator computed.
_MEASURING_CODE = ("edge_sdk/graph", "edge_sdk/data", "edge_sdk/profiling.py", "edge_sdk/adb_profiling.py",
                   "edge_sdk/budgets/measure.py", "edge_sdk/budgets/runtime_probe.py", "runtime_harness", "devices")
_fingerprint: str | None = None


def code_fingerprint() -> str:
    """sha256 over the source and data files of the measuring packages (computed once per process)."""
    global _fingerprint
    if _fingerprint is None:
        root = Path(__file__).resolve().parents[2]
        digest = hashlib.sha256(__version__.encode())
        for entry in _MEASURING_CODE:
            base = root / entry
            files = [base] if base.is_file() else sorted(
                p for p in base.rglob("*") if p.suffix in (".py", ".toml", ".json") and "__pycache__" not in p.parts)
            for path in files:
                try:
                    digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
                except OSError:
                    continue
        _fingerprint = digest.hexdigest()
    return _fingerprint


def content_key(*parts: Any) -> str:
    """sha256 of the JSON form of ``parts``, the tool version and the measuring code's fingerprint."""
    blob = json.dumps([__version__, code_fingerprint(), *parts], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class MeasurementCache:
    """``get``/``put`` JSON values by (namespace, key); ``enabled=False`` makes every lookup miss."""

    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, namespace: str, key: str) -> Path:
        return self.directory / namespace / key[:2] / f"{key}.json"

    def get(self, namespace: str, key: str) -> Any | None:
        if not self.enabled:
            self.misses += 1
            return None
        try:
            value = json.loads(self._path(namespace, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value.get("value") if isinstance(value, dict) else None

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value``. Written even with ``--no-cache``: the fresh value replaces a stale one."""
        try:
            self._ensure_ignored()
            atomic_write_json(self._path(namespace, key), {"tool_version": __version__, "value": value})
        except OSError:
            pass  # a read-only checkout still checks; it just does not get faster

    def _ensure_ignored(self) -> None:
        """Keep the cache out of ``git status``: the directory ignores itself."""
        marker = self.directory / ".gitignore"
        if not marker.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            marker.write_text("# edge-sdk measurement cache (safe to delete)\n*\n", encoding="utf-8")


