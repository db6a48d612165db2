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

Trust follows the measurement cache's rules (:mod:`edge_sdk.core.cache_store`): every entry is
HMAC-signed with this user's key (or the shared ``EDGE_SDK_CACHE_KEY``, which the machines of a lab
or a CI cache must then all have), and lists the sha256 of each file it holds. :meth:`ResultStore.get`
re-checks both and treats a mismatch (an edited value, a truncated artifact, an entry another key
signed) as a miss, never as a result: the cell simply runs again. The default location is outside
the repository, in the user's cache directory.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sdk.core.cache_store import seal, signing_key, unseal
from edge_sdk.core.hashing import file_sha256
from edge_sdk.core.version import __version__

STALE_STAGING_S = 24 * 3600


@dataclass(frozen=True)
class Entry:
    """A published entry: its JSON value and the directory holding its files."""

    key: str
    value: Any
    directory: Path

    def file(self, name: str) -> Path:
        return self.directory / name


class ResultStore:
    """``get``/``put`` of (namespace, key) -> JSON value plus files, as described above."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._key = signing_key()
        self.untrusted = 0          # entries found but not believed (see the module docstring)

    def path(self, namespace: str, key: str) -> Path:
        return self.root / "entries" / namespace / key[:2] / key

    def get(self, namespace: str, key: str) -> Entry | None:
        """The entry, or None when absent, incomplete, altered or not signed with this key."""
        directory = self.path(namespace, key)
        try:
            sealed = json.loads((directory / "entry.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self.untrusted += 1
            return None
        record = unseal(sealed, self._key)
        if record is None or record.get("key") != key or not self._files_match(directory, record.get("files")):
            self.untrusted += 1
            return None
        return Entry(key, record.get("value"), directory)

    @staticmethod
    def _files_match(directory: Path, files: Any) -> bool:
        if not isinstance(files, dict):
            return False
        try:
            return all(file_sha256(directory / name) == digest for name, digest in files.items())
        except OSError:
            return False

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
                      "value": json.loads(json.dumps(value, default=str))}
            with open(staging / "entry.json", "w", encoding="utf-8") as handle:
                json.dump(seal(record, self._key) if self._key else {"payload": record}, handle, indent=1)
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
        if entry is None and self._key is None:   # no key to sign with: usable now, never trusted later
            return Entry(key, json.loads(json.dumps(value, default=str)), final)
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
