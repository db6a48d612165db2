"""A content-addressed, signed cache of measurements, so re-running ``check`` on unchanged inputs is instant.

A key is the sha256 of everything the value depends on: the model's sha256, the device profile's
content (not its name: an edited profile is a new key), the edge-sdk version, the content of the
measuring code (graph analysis, profiler, estimator, device data) and the settings (estimate-only,
threads, runtime). Nothing is keyed by path or time. Entries are JSON files written atomically; a
corrupt or unreadable entry is a miss, never an error. Only successful measurements are stored,
and only what is expensive: size, hashes and the static graph facts are computed on every run.

Trust (see :mod:`edge_sdk.core.cache_store`): the cache lives in the user's cache directory
(``$EDGE_SDK_CACHE_DIR/measurements`` to move it), each entry is signed with this user's key (or
the shared ``$EDGE_SDK_CACHE_KEY``) and names the model's sha256 inside the signed content. An
entry that does not verify, or describes another model or key, is ignored and measured again,
with a note: a pull request that commits or edits cache entries cannot decide the gate.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from edge_sdk import __version__
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.cache_store import cache_root, seal, signing_key, unseal, untrusted_note
from edge_sdk.core.hashing import file_sha256  # noqa: F401  (re-exported for the checker)

FORMAT = 2   # 1: unsigned entries (not trusted any more)


def default_cache_dir(_budget_dir: Path | None = None) -> Path:
    """``<cache root>/measurements`` (the budget's directory no longer matters: never in a checkout)."""
    return cache_root() / "measurements"


# The code and data that produce measurements. Hashing their content (not mtimes, which a CI
# checkout resets) keeps an editable install from serving numbers an older estimator computed.
_MEASURING_CODE = ("edge_sdk/graph", "edge_sdk/data", "edge_sdk/profiling",
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
    """``get``/``put`` JSON values by (namespace, key), bound to a model's sha256 and signed.

    ``enabled=False`` makes every lookup miss (fresh values are still stored). ``rejected`` lists
    entries that were present but not trusted; :meth:`notes` says so in the report.
    """

    def __init__(self, directory: Path | None = None, *, enabled: bool = True) -> None:
        self.directory = directory if directory is not None else default_cache_dir()
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self.rejected: list[Path] = []
        self._key = signing_key()

    def _path(self, namespace: str, key: str) -> Path:
        return self.directory / namespace / key[:2] / f"{key}.json"

    def get(self, namespace: str, key: str, *, sha256: str) -> Any | None:
        """The value stored for (namespace, key) about the model whose sha256 is ``sha256``, if trusted."""
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(namespace, key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        payload = unseal(entry, self._key)
        if payload is None or payload.get("format") != FORMAT or payload.get("namespace") != namespace \
                or payload.get("key") != key or payload.get("model_sha256") != sha256:
            self.rejected.append(path)
            self.misses += 1
            return None
        self.hits += 1
        return payload.get("value")

    def put(self, namespace: str, key: str, value: Any, *, sha256: str) -> None:
        """Store ``value``. Written even with ``--no-cache``: the fresh value replaces a stale one."""
        if self._key is None:
            return
        payload = {"format": FORMAT, "namespace": namespace, "key": key, "model_sha256": sha256,
                   "tool_version": __version__, "host": platform.node(), "value": value}
        try:
            self._ensure_ignored()
            atomic_write_json(self._path(namespace, key), seal(payload, self._key))
        except OSError:
            pass  # a read-only cache still checks; it just does not get faster

    def notes(self) -> list[str]:
        """A note for the report when entries were ignored (empty otherwise)."""
        return [untrusted_note(len(self.rejected), self.directory)] if self.rejected else []

    def _ensure_ignored(self) -> None:
        """Keep the cache out of ``git status`` should someone point it into a checkout."""
        marker = self.directory / ".gitignore"
        if not marker.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            marker.write_text("# edge-sdk measurement cache (safe to delete)\n*\n", encoding="utf-8")
