"""Reading the user's input files with one clear error per way it can go wrong.

Missing, a directory, a device or FIFO, unreadable, not UTF-8: each becomes an :class:`EdgeSdkError`
naming the file (exit 2), never an ``OSError`` traceback. ``error`` lets a caller say what kind of
input failed (a budget file is a :class:`ConfigError`, a report an :class:`InputError`).

Only regular files are read: ``/dev/zero`` never ends and a FIFO blocks forever, so a path naming
either would hang the command or fill the memory. The check is made on the opened descriptor
(``fstat``, opened non-blocking so a FIFO cannot block the open itself), so a file swapped between
the check and the read cannot get past it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from edge_sdk.core.errors import EdgeSdkError, InputError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def require_file(path: str | os.PathLike[str], what: str, *, error: type[EdgeSdkError] = InputError,
                 missing: str | None = None, missing_hint: str | None = None) -> Path:
    """``path`` as a Path if it is a readable regular file; ``what`` names the expected kind of file."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise error(f"{p}: {missing or f'no such file (expected a {what})'}", hint=missing_hint,
                    path=str(p)) from None
    except OSError as exc:  # a symlink loop, a path through a file, a name too long
        raise error(f"{p}: cannot be read as a {what} ({exc.strerror or exc})", path=str(p)) from None
    if not stat.S_ISREG(mode):
        if stat.S_ISDIR(mode):
            raise error(f"{p}: is a directory, expected a {what} file", path=str(p))
        raise error(f"{p}: is {_kind(mode)}; expected a regular file ({what})", path=str(p),
                    hint="reading it would never end or block: name a regular file")
    if not os.access(p, os.R_OK):
        raise error(f"{p}: permission denied", path=str(p))
    return p


def read_bytes_input(path: str | os.PathLike[str], what: str, *,
                     error: type[EdgeSdkError] = InputError) -> tuple[Path, bytes]:
    """The bytes of the regular file ``path`` (checked on the open descriptor, see the module doc)."""
    p = require_file(path, what, error=error)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise error(f"{p}: cannot read it ({exc.strerror or exc})", path=str(p)) from None
    with open(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{p}: is {_kind(mode)}; expected a regular file ({what})", path=str(p))
        try:
            return p, handle.read()
        except OSError as exc:
            raise error(f"{p}: cannot read it ({exc.strerror or exc})", path=str(p)) from None


def read_text_input(path: str | os.PathLike[str], what: str, *, error: type[EdgeSdkError] = InputError,
                    missing: str | None = None, missing_hint: str | None = None) -> tuple[Path, str]:
    """Check ``path`` like :func:`require_file`, then read it as UTF-8 text."""
    p = require_file(path, what, error=error, missing=missing, missing_hint=missing_hint)
    _, data = read_bytes_input(p, what, error=error)
    try:
        return p, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{p}: cannot read it as UTF-8 text ({exc.reason} at byte {exc.start})",
                    path=str(p)) from None


MAX_GLOB_MATCHES = 10_000
_GLOB_CHARS = frozenset("*?[")


def expand_glob(pattern: str, *, limit: int | None = None, error: type[EdgeSdkError] = InputError,
                folders: bool = False) -> list[Path]:
    """Regular files matching ``pattern`` (``glob`` syntax, ``**`` = any depth), sorted; with
    ``folders`` also the directories it matches (a SavedModel is a folder).

    Unlike :func:`glob.glob`, ``**`` never descends into a symlinked directory: two links to ``.``
    made the standard glob walk an exponential tree and never finish. A single-level ``*`` may
    still pass through a link (it goes one level, not forever). More than ``limit`` matches is an
    error naming the pattern, not minutes of hashing: narrow the glob.
    """
    limit = MAX_GLOB_MATCHES if limit is None else limit
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    if parts and parts[-1] == "**":  # "dir/**": every file below dir, as glob.glob(recursive=True) finds
        parts.append("*")
    start = "/" if pattern.startswith("/") else "."
    found: dict[str, Path] = {}
    seen_states: set[tuple[str, int]] = set()
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        directory, index = stack.pop()
        if (directory, index) in seen_states:
            continue
        seen_states.add((directory, index))
        if index == len(parts):
            continue
        part, last = parts[index], index == len(parts) - 1
        if part == "**":
            stack.append((directory, index + 1))
            for entry in _entries(directory):
                if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, index))
            continue
        if not _GLOB_CHARS & set(part):
            candidates = [os.path.join(directory, part)]
        else:
            candidates = [e.path for e in _entries(directory) if _fnmatch(e.name, part)]
        for candidate in candidates:
            if not last:
                if os.path.isdir(candidate):
                    stack.append((candidate, index + 1))
            elif os.path.isfile(candidate) or (folders and os.path.isdir(candidate)):
                path = Path(os.path.normpath(candidate))
                found.setdefault(os.path.realpath(candidate), path)
                if len(found) > limit:
                    raise error(f"{pattern}: matches more than {limit:,} files",
                                hint="narrow the glob (e.g. build/*.tflite instead of **/*)")
    return sorted(found.values())


def _entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as scan:
            return list(scan)
    except OSError:  # unreadable or vanished: nothing matches there, as with glob.glob
        return []


def _fnmatch(name: str, part: str) -> bool:
    from fnmatch import fnmatchcase  # noqa: PLC0415 - only globs need it

    return (not name.startswith(".") or part.startswith(".")) and fnmatchcase(name, part)
