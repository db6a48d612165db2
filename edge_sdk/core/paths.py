"""The overwrite guard: no output of a command may land on a file the command reads.

Every verb names, before it writes anything, every file it reads (the model, data files, budgets,
baselines, the files a document or a glob leads to, source directories) and every file it will
write. :meth:`OutputPlan.check` then refuses (exit 2, naming both paths):

- an output that is the same file as an input: the same real path (symlinks resolved), or the same
  inode (a hard link, ``os.path.samefile``);
- an output inside an input directory (a SavedModel folder is the model: writing into it changes it);
- two outputs that are the same file (the second write would silently replace the first);
- an output that is an existing directory, device, FIFO or socket: an atomic write renames a
  temporary file over the target, which would replace ``/dev/null`` or a FIFO with a regular file.

One implementation for every verb, so "never over an input" means the same thing everywhere.
:func:`output_errors` turns a failed write (disk full, read-only location, missing folder) into the
same kind of error naming the path, exit 2: the user chose the path and can choose another.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_sdk.core.errors import UsageError
from edge_sdk.core.hashing import file_sha256

PathLike = str | os.PathLike[str]
_SURROGATES = re.compile("[\ud800-\udfff]")  # only ever lone in a str: undecodable bytes of a name


def printable(text: object) -> str:
    """``text`` safe for any UTF-8 output: undecodable bytes of a file name become U+FFFD.

    Python decodes non-UTF-8 file names with surrogate escapes; writing those to a UTF-8 stream or
    file raises. Reports show the name with replacement characters instead.
    """
    value = os.fspath(text) if isinstance(text, os.PathLike) else str(text)
    return _SURROGATES.sub("\ufffd", value)


def _real(path: PathLike) -> str:
    return os.path.realpath(os.fspath(path))


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when ``a`` and ``b`` are one file: same real path, or the same inode (hard links)."""
    if _real(a) == _real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): then only the real path can match
        return False


def inside(path: PathLike, directory: PathLike) -> bool:
    """True when ``path`` is ``directory`` itself or lies anywhere below it (real paths)."""
    return Path(_real(path)).is_relative_to(_real(directory))


@dataclass
class OutputPlan:
    """The files a command reads and writes; :meth:`check` before the first byte is written."""

    inputs: list[tuple[str, str]] = field(default_factory=list)       # (path, what it is)
    input_dirs: list[tuple[str, str]] = field(default_factory=list)   # directories read as one input
    outputs: list[tuple[str, str]] = field(default_factory=list)      # (flag or parameter, path)
    contents: dict[str, str] = field(default_factory=dict)            # sha256 -> what a document says it is

    def read(self, path: PathLike | None, what: str = "input") -> OutputPlan:
        """Record an input file (``None`` is ignored, so optional inputs can be passed as they are)."""
        if path is not None and os.fspath(path) not in ("", "-"):
            if os.path.isdir(path):
                self.input_dirs.append((os.fspath(path), what))
            else:
                self.inputs.append((os.fspath(path), what))
        return self

    def read_all(self, paths: Any, what: str = "input") -> OutputPlan:
        for path in paths or ():
            self.read(path, what)
        return self

    def read_content(self, sha256: Any, what: str) -> OutputPlan:
        """Record a file known only by its sha256 (a report names a model that moved): never replace it."""
        if isinstance(sha256, str) and len(sha256) == 64:
            self.contents.setdefault(sha256.lower(), what)
        return self

    def write(self, flag: str, path: PathLike | None) -> OutputPlan:
        """Record an output; ``None``, ``""`` and ``"-"`` (stdout) are ignored."""
        if path is not None and os.fspath(path) not in ("", "-"):
            self.outputs.append((flag, os.fspath(path)))
        return self

    def check(self) -> None:
        """Raise :class:`UsageError` (exit 2) for the first output that would destroy something."""
        seen: list[tuple[str, str]] = []
        for flag, out in self.outputs:
            _refuse_special(flag, out)
            clash = self._input_clash(out)
            if clash:
                raise _error(f"{_arg(flag, out)}: {clash}; inputs are never modified",
                             f"choose another path for {_flag(flag)}", out, flag)
            for other_flag, other in seen:
                if same_file(out, other):
                    raise _error(f"{_arg(other_flag, other)} and {_arg(flag, out)} are the same "
                                 "file: the second write would replace the first",
                                 "give each output its own path", out, flag, other_flag)
            seen.append((flag, out))

    def _input_clash(self, out: str) -> str | None:
        """How writing ``out`` would change an input of the command, or None."""
        for path, what in self.inputs:
            if same_file(out, path):
                return f"would overwrite an input, the {what} {printable(path)} (the same file)"
        for directory, what in self.input_dirs:
            if inside(out, directory):
                return f"lies inside the {what} {printable(directory)}, which this command reads"
        described = self.contents and os.path.isfile(out) and self.contents.get(file_sha256(out))
        if described:
            return (f"would overwrite an input, {described} (the same bytes: its sha256 is named by a "
                    "document this command reads)")
        return None


def _refuse_special(flag: str, out: str) -> None:
    try:
        mode = os.stat(out).st_mode
    except OSError:
        return  # does not exist yet (or cannot be looked at): the write itself will say why
    if stat.S_ISDIR(mode):
        raise _error(f"{_arg(flag, out)}: is a directory", f"name a file for {_flag(flag)}, not a folder", out, flag)
    if not stat.S_ISREG(mode):
        raise _error(f"{_arg(flag, out)}: is not a regular file (a device, FIFO or socket); outputs are "
                     "written atomically by renaming a finished file over the target, which would replace it",
                     f"name a regular file for {_flag(flag)}", out, flag)


def _flag(label: str) -> str:
    """A flag as written (``--html``), or a library parameter in backticks (the CLI maps it to its flag)."""
    return f"`{label}`" if label.isidentifier() else label


def _arg(label: str, value: PathLike) -> str:
    """``--html page.html``, or ``output='page.html'`` for a library parameter (mapped by the CLI)."""
    return f"{label}={printable(value)!r}" if label.isidentifier() else f"{label} {printable(value)}"


def _error(message: str, hint: str, path: str, *labels: str) -> UsageError:
    """A UsageError; labels that are Python parameter names are declared so the CLI maps them to flags."""
    return UsageError(message, hint=hint, path=path, params=tuple(label for label in labels if label.isidentifier()))


@contextmanager
def output_errors(flag: str, path: PathLike) -> Iterator[None]:
    """Turn a failed write of ``path`` (disk full, read-only, no such folder) into a clear exit 2."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _error(f"{_arg(flag, path)}: cannot write it ({reason})",
                     f"choose a writable location with free space for {_flag(flag)}; nothing was written there",
                     os.fspath(path), flag) from None


def document_files(document: Mapping[str, Any], origin: PathLike | None = None) -> list[str]:
    """Files an edge-sdk document names: inputs of any command that reads the document.

    A profile or inspect document names its model, a convert manifest its source and artifact, a
    check document its budget and models (relative to the budget's folder). Each is returned as
    written and relative to the document's own folder, because readers look there too (a report
    that travelled with its model), so an output can be matched against every place it may be.
    """
    named: list[tuple[str, str | None]] = []   # (path, folder it is relative to, None = as written)

    def add(value: Any, base: str | None = None) -> None:
        if isinstance(value, str) and value and "\x00" not in value:
            named.append((value, base))

    model, source, output = (document.get(k) for k in ("model", "source", "output"))
    for part in (model, source, output):
        if isinstance(part, Mapping):
            add(part.get("path"))
    add(document.get("path"))
    for measured in document.get("measurements") or ():  # a check document: each model it measured
        if isinstance(measured, Mapping):
            add(measured.get("path"))
    budget = document.get("budget")
    if isinstance(budget, Mapping) and isinstance(budget.get("path"), str):
        add(budget["path"])
        base = os.path.dirname(budget["path"])
        for entry in document.get("checks") or ():
            for name in (entry.get("models") or ()) if isinstance(entry, Mapping) else ():
                add(name, base)
    config = document.get("config")  # a sweep document: its sweep file, budget and source models
    if isinstance(config, Mapping):
        add(config.get("path"))
        add(config.get("budget"))
        for entry in config.get("models") or ():
            if isinstance(entry, Mapping):
                add(entry.get("path"))
    for cell in document.get("cells") or ():  # ... and each cell's artifact and documents beside it
        if isinstance(cell, Mapping) and isinstance(cell.get("documents"), Mapping):
            for value in cell["documents"].values():
                add(value)
    folder = os.path.dirname(os.fspath(origin)) if origin is not None else None
    found: list[str] = []
    for value, base in named:
        candidates = [os.path.join(base, value) if base else value]
        if folder is not None:
            candidates += [os.path.join(folder, value), os.path.join(folder, os.path.basename(value))]
        found += [c for c in candidates if c not in found]
    return found


def document_hashes(document: Mapping[str, Any]) -> dict[str, str]:
    """sha256 -> description of every file a document identifies by content (its model, a manifest's
    source and artifact): found even after the file moved, so an output never replaces one."""
    found: dict[str, str] = {}
    measured = [m for m in document.get("measurements") or () if isinstance(m, Mapping)]
    parts = [("model", document.get("model")), ("source model", document.get("source")),
             ("artifact", document.get("output")), ("model", document), *(("model", m) for m in measured)]
    for what, part in parts:
        if isinstance(part, Mapping) and isinstance(part.get("sha256"), str):
            found.setdefault(part["sha256"].lower(), f"the {what} {printable(part.get('path') or '')}".rstrip())
    for cell in document.get("cells") or ():  # a sweep document: the source model of every cell
        if isinstance(cell, Mapping) and isinstance(cell.get("source_sha256"), str):
            found.setdefault(cell["source_sha256"].lower(), f"the source model {printable(str(cell.get('model') or ''))}")
    return found
