"""Whether an onnx2tf cache entry may be used: the same trust rules as the measurement cache.

onnx2tf's SavedModel becomes the artifact, so a poisoned entry would ship another model under the
user's file's name. An entry is used only when its ``entry.json`` carries a valid HMAC
(:mod:`edge_sdk.core.cache_store`: this user's key, or the shared ``EDGE_SDK_CACHE_KEY``), names the
sha256 of the ONNX file being converted (computed afresh on every run), and every file of the
entry still hashes as recorded. Anything else is removed and converted again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from edge_sdk.core.atomic import pid_alive
from edge_sdk.core.cache_store import cache_root, seal, signing_key, unseal
from edge_sdk.core.hashing import file_sha256

ENTRY_FILE = "entry.json"


def onnx2tf_cache_dir() -> Path:
    """``<cache root>/onnx2tf`` (``EDGE_SDK_CACHE_DIR`` moves the root)."""
    return cache_root() / "onnx2tf"


def _file_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != ENTRY_FILE}


def seal_entry(folder: Path, source_sha256: str) -> None:
    """Record and sign what ``folder`` holds (before it is published); unsigned when there is no key."""
    key = signing_key()
    if key is None:
        return
    payload = {"source_sha256": source_sha256, "files": _file_hashes(folder)}
    (folder / ENTRY_FILE).write_text(json.dumps(seal(payload, key)), encoding="utf-8")


def trusted(folder: Path, source_sha256: str) -> bool:
    """True when ``folder`` verifies (see the module docstring)."""
    if any(p.is_symlink() for p in folder.rglob("*")):
        return False
    try:
        entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    payload = unseal(entry, signing_key())
    return (payload is not None and payload.get("source_sha256") == source_sha256
            and payload.get("files") == _file_hashes(folder))


def new_work_dir(cache: Path) -> Path:
    """A private ``.partial-PID-*`` folder in ``cache`` for one conversion (renamed into an entry when
    it succeeds); the ones a killed run left (their pid is gone) are removed first."""
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(".partial-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".partial-{os.getpid()}-", dir=cache))

