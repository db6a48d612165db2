"""Atomic file output: a crash, Ctrl-C or ``kill -9`` never leaves a half-written report or model behind.

Write to a temporary file in the destination directory, fsync, then ``os.replace`` (atomic on
POSIX within one file system). The temporary file is removed on any failure we live through.

Details that matter:

- The temporary name fits ``NAME_MAX`` whatever the output's name: the output's own name is
  shortened in it, so an output name of 255 bytes works.
- It carries the writer's pid: the temporaries a killed writer left (nothing can remove them in
  the killed process) are removed by the next write to the same directory, once that pid is gone.
- :func:`atomic_publish` writes several files as one publication: every file is written and
  fsynced first, then they are renamed in the order given, so the window in which a kill leaves
  some new and some old files is a few renames wide, and the caller chooses which comes first.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

SUFFIX = ".partial"
_DEFAULT_NAME_MAX = 255
_MAX_TAIL = len(".4194304.01234567" + SUFFIX) + 3   # pid up to 10 digits


def _name_max(directory: Path) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return _DEFAULT_NAME_MAX


def _stem_for_temp(name: str, room: int) -> str:
    """``name`` cut to its first ``room`` bytes (as the file system sees them: always a byte prefix)."""
    encoded = os.fsencode(name)
    return name if len(encoded) <= room else os.fsdecode(encoded[:max(room, 0)])


def temp_path(target: Path) -> Path:
    """``.NAME.PID.RANDOM.partial`` beside ``target``, with NAME shortened to fit NAME_MAX."""
    tail = f".{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"
    room = min(_name_max(target.parent), _DEFAULT_NAME_MAX) - 1 - len(tail)
    return target.with_name("." + _stem_for_temp(target.name, room) + tail)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (ours counts; another user's too)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the ``.partial`` temporaries of ``target`` whose writer process is gone; return them."""
    prefix = "." + _stem_for_temp(target.name, min(_name_max(target.parent), _DEFAULT_NAME_MAX) - 1 - _MAX_TAIL)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(SUFFIX)):
            continue
        parts = name[: -len(SUFFIX)].rsplit(".", 2)
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 8 or pid_alive(int(parts[1])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _stage(target: Path, data: bytes) -> Path:
    """Write ``data`` to a fresh temporary beside ``target`` and fsync it; return the temporary."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = temp_path(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), _default_mode())
    try:
        os.fchmod(fd, _default_mode())  # the mode a plain open() would give: a report is for others to read
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    return atomic_publish([(path, data)])[0]


def atomic_publish(files: list[tuple[str | os.PathLike[str], bytes]]) -> list[Path]:
    """Publish several files together: all written and fsynced first, then renamed in list order.

    If staging fails, nothing is published. If a rename fails, the files already renamed stay (a
    rename cannot be undone atomically) and the exception says which one failed; put first the
    file whose early arrival does the least harm (a manifest naming the model's sha256 before
    the model: a reader can tell the pair apart).
    """
    targets = [Path(p) for p, _ in files]
    staged: list[Path] = []
    try:
        for target, (_, data) in zip(targets, files):
            staged.append(_stage(target, data))
        for index, (tmp, target) in enumerate(zip(staged, targets)):
            os.replace(tmp, target)
            staged[index] = target
    except BaseException:
        for tmp, target in zip(staged, targets):
            if tmp != target:
                _unlink_quietly(tmp)
        raise
    return targets


def _default_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give: 0666 minus the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically; a non-UTF-8 file name in it is written with U+FFFD characters."""
    from edge_sdk.core.paths import printable  # noqa: PLC0415 - paths imports nothing of this module

    return atomic_write_bytes(path, printable(text).encode("utf-8"))


def json_bytes(document: Any) -> bytes:
    """The JSON form every edge-sdk document is written in (indented, trailing newline)."""
    return (json.dumps(document, indent=2, sort_keys=False) + "\n").encode("utf-8")


def atomic_write_json(path: str | os.PathLike[str], document: Any) -> Path:
    """Write a JSON document (indented, trailing newline) atomically."""
    return atomic_write_bytes(path, json_bytes(document))


def atomic_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> Path:
    """Copy a file atomically (used to publish a converter's temporary output)."""
    return atomic_write_bytes(dst, Path(src).read_bytes())
