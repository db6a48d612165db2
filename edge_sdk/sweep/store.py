"""The sweep's result store: a directory of immutable, content-addressed entries.

Why a directory and not a database: it works on a local disk, an NFS share or a CI cache the same
way, needs no server, and is safe under any number of concurrent writers (several workers, several
sweeps, several CI jobs):

- an entry is staged in ``tmp/`` and published with one ``rename`` of its directory to
  ``entries/<namespace>/<key[:2]>/<key>``. A reader sees a complete entry or none; a writer killed
  mid-way leaves only a staging directory no reader looks at (swept when older than a day);
- keys are content keys (sha256 of everything the value depends on), so two writers racing on one
  key write the same thing: the loser's rename fails and its copy is dropped;
- an entry is never modified. A different result is a different key.

Trust: an entry lists the sha256 of each file it holds and of its value; :meth:`ResultStore.get`
re-checks them and treats a mismatch (a truncated copy, a hand-edited file) as a miss, never as a
result. With ``EDGE_SDK_SWEEP_STORE_KEY`` set (a secret shared by the machines of a lab), entries
are also signed with HMAC-SHA256 and an unsigned or wrongly signed entry is a miss, so a shared
directory anyone can write to cannot feed the gate forged numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sdk.core.hashing import file_sha256
from edge_sdk.core.version import __version__

KEY_ENV = "EDGE_SDK_SWEEP_STORE_KEY"
STALE_STAGING_S = 24 * 3600


@dataclass(frozen=True)
class Entry:
    """A published entry: its JSON value and the directory holding its files."""

    key: str
    value: Any
    directory: Path

    def file(self, name: str) -> Path:
        return self.directory / name


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


class ResultStore:
    """``get``/``put`` of (namespace, key) -> JSON value plus files, as described above."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        secret = os.environ.get(KEY_ENV)
        self._secret = secret.encode("utf-8") if secret else None

    def path(self, namespace: str, key: str) -> Path:
        return self.root / "entries" / namespace / key[:2] / key

    def _seal(self, record: dict[str, Any]) -> str | None:
        if self._secret is None:
            return None
        return hmac.new(self._secret, _canonical(record), hashlib.sha256).hexdigest()

    def get(self, namespace: str, key: str) -> Entry | None:
        """The entry, or None when absent, incomplete, altered or (with a store key) not signed by it."""
        directory = self.path(namespace, key)
        try:
            record = json.loads((directory / "entry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict):
            return None
        signature = record.pop("hmac", None)
        if self._secret is not None and not (
                isinstance(signature, str) and hmac.compare_digest(signature, self._seal(record) or "")):
            return None
        if record.get("key") != key or record.get("value_sha256") != hashlib.sha256(
                _canonical(record.get("value"))).hexdigest():
            return None
        for name, digest in (record.get("files") or {}).items():
            try:
                if file_sha256(directory / name) != digest:
                    return None
            except OSError:
                return None
        return Entry(key, record.get("value"), directory)

    def has(self, namespace: str, key: str) -> bool:
        return self.get(namespace, key) is not None

    def put(self, namespace: str, key: str, value: Any, files: dict[str, Path] | None = None) -> Entry:
        """Publish ``value`` and copies of ``files`` (name -> source path) under ``key``.

        Returns the published entry: ours, or the one a concurrent writer published first.
        """
        final = self.path(namespace, key)
        existing = self.get(namespace, key)
        if existing is not None:
            return existing
        staging = self.root / "tmp" / f"{key[:16]}-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            digests = {}
            for name, source in (files or {}).items():
                shutil.copyfile(source, staging / name)
                digests[name] = file_sha256(staging / name)
            record = {"key": key, "namespace": namespace, "tool_version": __version__,
                      "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": digests,
                      "value": value, "value_sha256": hashlib.sha256(_canonical(value)).hexdigest()}
            signature = self._seal(record)
            if signature is not None:
                record["hmac"] = signature
            with open(staging / "entry.json", "w", encoding="utf-8") as handle:
                json.dump(record, handle, indent=1, default=str)
                handle.flush()
                os.fsync(handle.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            self._ensure_ignored()
            try:
                os.rename(staging, final)   # atomic; fails if a concurrent writer published first
            except OSError:
                if not final.exists():
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        entry = self.get(namespace, key)
        if entry is None:  # the published one is damaged (or signed with another key): replace it
            broken = final.with_name(f".{key}.broken-{uuid.uuid4().hex}")
            os.rename(final, broken)
            shutil.rmtree(broken, ignore_errors=True)
            return self.put(namespace, key, value, files)
        return entry

    def sweep_staging(self) -> int:
        """Remove staging directories of writers that died more than a day ago; returns how many."""
        removed = 0
        now = time.time()
        for leftover in (self.root / "tmp").glob("*") if (self.root / "tmp").is_dir() else ():
            try:
                if now - leftover.stat().st_mtime > STALE_STAGING_S:
                    shutil.rmtree(leftover, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
        return removed

    def _ensure_ignored(self) -> None:
        marker = self.root / ".gitignore"
        if not marker.exists():
            try:
                marker.write_text("# edge-sdk sweep result store (safe to delete)\n*\n", encoding="utf-8")
            except OSError:
                pass
