"""Atomic file output: a crash or Ctrl-C never leaves a half-written report or model behind.

Write to a temporary file in the destination directory, fsync, then ``os.replace`` (atomic on
POSIX within one file system). The temporary file is removed on any failure.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        os.fchmod(fd, _default_mode())  # mkstemp makes 0600; a report is for others to read too
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def _default_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give: 0666 minus the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], document: Any) -> Path:
    """Write a JSON document (indented, trailing newline) atomically."""
    return atomic_write_text(path, json.dumps(document, indent=2, sort_keys=False) + "\n")


def atomic_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy a file atomically (used to publish a converter's temporary output)."""
    return atomic_write_bytes(dst, Path(src).read_bytes())
