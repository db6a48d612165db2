"""Small helpers every verb shares: input-file checks, JSON output, writing reports."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from edge_sdk.core import files
from edge_sdk.core.atomic import atomic_write_json
from edge_sdk.core.errors import InputError


def require_file(path: str | os.PathLike[str], what: str = "model") -> Path:
    """Return ``path`` as a Path if it is a readable regular file, else raise a clear InputError."""
    return files.require_file(path, what)


def print_json(document: Any) -> None:
    """Print one JSON document on stdout (the ``--json`` convention)."""
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def write_json_output(path: str | os.PathLike[str], document: Any, *, inputs: list[str] = ()) -> Path:
    """Write a report atomically, refusing to overwrite one of the command's inputs."""
    target = Path(path).resolve()
    for source in inputs:
        if Path(source).resolve() == target:
            raise InputError(f"{path}: output would overwrite an input; choose another path", path=str(path))
    return atomic_write_json(target, document)
